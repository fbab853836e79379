#pragma once
// Where a client connects: the parts of an http(s):// or ws(s):// URL, checked. Shared by the
// HTTP and WebSocket clients of this folder.

#include <string>
#include <string_view>

namespace trader::net::detail {

enum class Scheme : unsigned char { http, websocket };

struct Endpoint {
  bool tls = false;
  std::string host;       // without IPv6 brackets
  std::string port;       // "443" (or "80") when the URL had none
  std::string authority;  // as the URL spelled it: the Host header and the name in messages
  std::string path;       // after the authority, without a trailing '/' ("" or "/v2/iex")
  bool host_is_ip = false;
};

// Throws ParseError for anything but scheme://host[:port][/path] (https/http or wss/ws), for
// user:password@, a query or a fragment, and for plain http:// or ws:// to a host that is not
// loopback (the keys would travel in clear text). The URL is never quoted: it may hold
// credentials.
[[nodiscard]] Endpoint parse_endpoint(std::string_view url, Scheme scheme);

// Non-empty, printable, no spaces: safe to put into a request line or header as it is.
[[nodiscard]] bool is_token(std::string_view text) noexcept;

}  // namespace trader::net::detail
