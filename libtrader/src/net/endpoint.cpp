#include "net/endpoint.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include <trader/config/url.hpp>
#include <trader/core/error.hpp>

namespace trader::net::detail {

bool is_token(std::string_view text) noexcept {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isgraph(static_cast<unsigned char>(c)) != 0;
  });
}

Endpoint parse_endpoint(std::string_view url, Scheme scheme) {
  const bool web = scheme == Scheme::websocket;
  const std::string expected =
      web ? "a ws:// or wss:// URL with a host" : "an http:// or https:// URL with a host";
  // The URL is not quoted: it may hold user:password@ (issue 11 item 3).
  const auto fail = [&]() -> Endpoint {
    throw ParseError(expected, "(not shown: it may hold credentials)");
  };
  const std::string_view secure = web ? "wss://" : "https://";
  const std::string_view plain = web ? "ws://" : "http://";
  Endpoint out;
  std::string_view rest;
  if (url.starts_with(secure)) {
    out.tls = true;
    rest = url.substr(secure.size());
  } else if (url.starts_with(plain)) {
    rest = url.substr(plain.size());
  } else {
    return fail();
  }
  const std::size_t slash = rest.find_first_of("/?#");
  out.authority = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    if (rest[slash] != '/') return fail();  // a query or fragment has no meaning here
    out.path = std::string(rest.substr(slash));
    if (!is_token(out.path) || out.path.find_first_of("?#") != std::string::npos) return fail();
    while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  }
  // Credentials in a URL would end up in messages; the keys go in headers only.
  if (!is_token(out.authority) || out.authority.find('@') != std::string::npos) return fail();
  std::string_view host = out.authority;
  std::string_view port;
  if (host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return fail();
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return fail();
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return fail();
  out.host = std::string(host);
  if (port.empty()) {
    out.port = out.tls ? "443" : "80";
  } else {
    int number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (error != std::errc{} || end != port.data() + port.size() || number < 1 || number > 65535) {
      return fail();
    }
    out.port = std::string(port);
  }
  boost::system::error_code ec;
  static_cast<void>(boost::asio::ip::make_address(out.host, ec));
  out.host_is_ip = !ec;
  // Issue 11 item 5: the keys go with every request; without TLS only to this machine.
  if (!out.tls && !config::is_loopback_host(out.host)) {
    throw ParseError(std::string(secure) + " (" + std::string(plain) +
                         " only for a loopback host: the API keys would travel in clear text)",
                     out.authority);
  }
  return out;
}

}  // namespace trader::net::detail
