#pragma once
// A minimal client for the paper venue's tests, written with Boost.Beast in the test itself: one
// HTTP(S) request per connection, and a WebSocket client (ws:// and wss://) that reads one
// message at a time with a bound on the wait. Everything runs on the client's own io_context,
// so a venue that never answers makes a test fail instead of hang.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trader::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (the connection closed or the wait ran out)
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct ClientOptions {
  std::string ca_pem;  // trust this CA for https/wss (required for TLS)
  std::chrono::milliseconds timeout{5000};
};

// One request: `url` is "http[s]://127.0.0.1:PORT", `target` "/v2/account?x=y".
[[nodiscard]] HttpResult http_request(
    const std::string& url, const std::string& method, const std::string& target,
    const std::string& body = {},
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    const ClientOptions& options = {});

struct WsMessage {
  std::string text;
  bool binary = false;
};

class WsClient {
 public:
  explicit WsClient(ClientOptions options = {});
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Connects to "ws[s]://127.0.0.1:PORT/path"; the upgrade's HTTP status (101 when open).
  int connect(const std::string& url);
  void send(const std::string& text);
  // The next message, or nullopt when none came within `wait` (or the connection ended: then
  // closed() is true). A read left pending by a timeout continues on the next call.
  [[nodiscard]] std::optional<WsMessage> next(std::chrono::milliseconds wait);
  [[nodiscard]] std::optional<WsMessage> next() { return next(options_.timeout); }
  // Sends a ping; pongs() counts the pongs that arrived while reading.
  void ping();
  [[nodiscard]] int pongs() const;
  [[nodiscard]] bool closed() const;
  // Whether the peer ended the connection with a close frame (false: EOF or a reset).
  [[nodiscard]] bool close_frame_received() const;
  void close();  // sends a close frame and waits briefly for the answer

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ClientOptions options_;
};

}  // namespace trader::testing
