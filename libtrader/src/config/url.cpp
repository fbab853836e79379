#include <trader/config/url.hpp>

#include <arpa/inet.h>  // inet_pton
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

namespace trader::config {
namespace {

constexpr const char* kHttpsOnly =
    "http:// is allowed only for a loopback host (localhost, 127.0.0.0/8, ::1)";

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// inet_pton wants a NUL-terminated string; a host this long is no address anyway.
template <class Address>
bool to_address(int family, std::string_view text, Address& address) noexcept {
  std::array<char, 64> buffer{};
  if (text.empty() || text.size() >= buffer.size()) return false;
  std::copy(text.begin(), text.end(), buffer.begin());
  return inet_pton(family, buffer.data(), &address) == 1;
}

}  // namespace

bool is_loopback_host(std::string_view host) noexcept {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  constexpr std::string_view kLocalhost = "localhost";
  if (host.size() == kLocalhost.size() &&
      std::equal(host.begin(), host.end(), kLocalhost.begin(),
                 [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b; })) {
    return true;
  }
  in_addr v4{};
  if (to_address(AF_INET, host, v4)) {
    std::array<unsigned char, 4> bytes{};
    std::memcpy(bytes.data(), &v4, bytes.size());
    return bytes[0] == 127;
  }
  in6_addr v6{};
  if (to_address(AF_INET6, host, v6)) {
    std::array<unsigned char, 16> bytes{};
    std::memcpy(bytes.data(), &v6, bytes.size());
    const auto zero = [&](std::size_t from, std::size_t to) {
      return std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(from),
                         bytes.begin() + static_cast<std::ptrdiff_t>(to),
                         [](unsigned char b) { return b == 0; });
    };
    if (zero(0, 15) && bytes[15] == 1) return true;  // ::1
    // ::ffff:127.x.y.z, an IPv4 loopback address written as IPv6
    return zero(0, 10) && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127;
  }
  return false;
}

std::string key_url_problem(std::string_view url) {
  bool tls = false;
  std::string_view rest;
  if (url.starts_with("https://")) {
    tls = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return std::string("must be an https:// URL (") + kHttpsOnly + ")";
  }
  if (std::any_of(url.begin(), url.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte >= 0x7f;
      })) {
    return "must not contain spaces, control characters or non-ASCII bytes";
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return "must be a base URL without ?query or #fragment";
  }
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  // The path goes into every request line as it is: RFC 3986 characters only.
  if (slash != std::string_view::npos) {
    const std::string_view path = rest.substr(slash);
    for (std::size_t i = 0; i < path.size(); ++i) {
      const char c = path[i];
      if (is_name_char(c) ||
          std::string_view("/~!$&'()*+,;=:@").find(c) != std::string_view::npos) {
        continue;
      }
      if (c == '%' && i + 2 < path.size() &&
          std::isxdigit(static_cast<unsigned char>(path[i + 1])) != 0 &&
          std::isxdigit(static_cast<unsigned char>(path[i + 2])) != 0) {
        continue;
      }
      return "must have a path of letters, digits and -._~!$&'()*+,;=:@/ or %XX escapes";
    }
  }
  if (authority.find('@') != std::string_view::npos) {
    return "must not contain user:password@ (the API keys belong in ALGO_BROKER__API_KEY and "
           "ALGO_BROKER__SECRET_KEY, which are sent as headers)";
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return "has an IPv6 address without its closing ']'";
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return "must have ':' and a port after an IPv6 address";
      has_port = true;
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
    in6_addr address{};
    if (!to_address(AF_INET6, host, address)) return "has an invalid IPv6 address in [...]";
  } else {
    if (const std::size_t colon = host.find(':'); colon != std::string_view::npos) {
      has_port = true;
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    if (host.empty()) return "must name a host after the scheme";
    if (!std::all_of(host.begin(), host.end(), is_name_char)) {
      return "must have a host of letters, digits, '-', '.' (or an IPv6 address in [...])";
    }
  }
  if (has_port && !port.empty()) {
    int number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (error != std::errc{} || end != port.data() + port.size() || number < 1 || number > 65535) {
      return "must have a port in 1..65535";
    }
  }
  if (!tls && !is_loopback_host(host)) {
    return std::string("must use https://: http:// would send the API keys in clear text; ") +
           kHttpsOnly;
  }
  return "";
}

}  // namespace trader::config
