#pragma once
// A WebSocket server on 127.0.0.1 (plain or TLS, ephemeral port, a thread per connection) for
// the transport tests, scripted by what the client sends: by default every message comes back
// with its frame type; some texts are commands:
//   "drop"          close the TCP connection without a close frame
//   "close"         send a close frame (1000 "bye") and finish the closing handshake
//   "ping"          send a ping, then the text "pinged"
//   "binary:X"      answer X in a binary frame
//   "silent"        stop answering messages (pings are still answered, as Beast does)
//   "freeze"        stop reading altogether: pings go unanswered, the connection stays open
// Pings that reach the server are counted; an upgrade can be refused with an HTTP status.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/tls_material.hpp"

namespace trader::testing {

struct WsTestServerOptions {
  std::optional<TlsIdentity> tls;  // wss:// with this certificate; ws:// without
  int refuse_upgrade = 0;          // answer every upgrade with this HTTP status (0: accept)
  std::string greeting;            // sent as text right after the upgrade when not empty
};

class WsTestServer {
 public:
  explicit WsTestServer(WsTestServerOptions options = {});
  ~WsTestServer();  // closes every connection and joins the threads
  WsTestServer(const WsTestServer&) = delete;
  WsTestServer& operator=(const WsTestServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // "ws://127.0.0.1:PORT/path" or "wss://..."; `host` replaces 127.0.0.1.
  [[nodiscard]] std::string url(std::string_view path = "/stream",
                                std::string_view host = "127.0.0.1") const;
  [[nodiscard]] int connections() const;                   // upgrades accepted so far
  [[nodiscard]] int pings_received() const;                // pings from clients
  [[nodiscard]] std::vector<std::string> targets() const;  // the upgrade requests' targets

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trader::testing
