#pragma once
// Checks for URLs that requests carrying the API keys go to (issue 11 item 5): the keys travel in
// headers, so plain http:// would send them in clear text to anyone on the path. Only a loopback
// host (a local test double) may be reached without TLS.

#include <string>
#include <string_view>

namespace trader::config {

// localhost, 127.0.0.0/8 (dotted quad), ::1 and ::ffff:127.x.y.z; a host without IPv6 brackets.
// Anything else, including names that merely resolve to loopback, is not.
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

// What is wrong with `url` as the base of requests that carry the API keys, or "" when nothing:
// it must be https://host[:port][/path] (http:// only for a loopback host), with a valid host and
// port, and no user:password@, ?query or #fragment. The text never quotes the URL, which may
// hold credentials.
[[nodiscard]] std::string key_url_problem(std::string_view url);

}  // namespace trader::config
