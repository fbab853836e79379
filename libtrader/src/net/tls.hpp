#pragma once
// TLS for the clients of this folder: a client context that verifies the server against the
// system store and an optional CA file, and per-connection settings (SNI, the name to verify).

#include <boost/asio/ssl/context.hpp>

#include <string>

#include "net/endpoint.hpp"

namespace trader::net::detail {

// TLS 1.2 or later, peer verification on. Throws TlsSetupError when `ca_file` (if not empty)
// cannot be loaded; `who` names the client in that message.
[[nodiscard]] boost::asio::ssl::context client_context(const std::string& ca_file,
                                                       const std::string& who);

// SNI for a host name (never for an address: RFC 6066), and the name or address the
// certificate must carry.
void prepare_connection(SSL* handle, const Endpoint& endpoint);

// After a failed handshake: why the certificate was refused, or "" when it was not the cause.
[[nodiscard]] std::string refused_certificate(SSL* handle);

}  // namespace trader::net::detail
