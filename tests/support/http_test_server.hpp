#pragma once
// A scriptable HTTP/1.1 server on 127.0.0.1 (plain or TLS, ephemeral port, a thread per
// connection) for the transport tests: a handler decides each answer (status, headers, body, a
// delay before answering, or dropping the connection without one); every request is recorded
// with its body and the number of the connection that carried it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/tls_material.hpp"

namespace trader::testing {

struct HttpExchange {
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  int connection = 0;                          // 1, 2, ... in order of acceptance

  [[nodiscard]] std::string header(std::string_view name) const;
};

struct HttpReply {
  enum class Action : std::uint8_t {
    respond,  // send the response (after `delay`)
    drop,     // close the connection without answering (after `delay`)
    hang,     // never answer; the connection stays open until the server stops
  };
  int status = 200;
  std::string body = "{}";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};
  Action action = Action::respond;
  bool keep_alive = true;    // what the response says
  bool close_after = false;  // close after the response even when it says keep-alive
};

using HttpHandler = std::function<HttpReply(const HttpExchange&)>;

class HttpTestServer {
 public:
  // `handler` runs on the connection's thread; the default answers 200 "{}".
  explicit HttpTestServer(HttpHandler handler = {}, std::optional<TlsIdentity> tls = {});
  ~HttpTestServer();  // closes every connection and joins the threads
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // "http://127.0.0.1:PORT" or "https://..."; `host` replaces 127.0.0.1.
  [[nodiscard]] std::string base_url(std::string_view host = "127.0.0.1") const;
  [[nodiscard]] std::vector<HttpExchange> requests() const;
  [[nodiscard]] int connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trader::testing
