#pragma once
// A WebSocket client (ws:// and wss://) on an io_context the caller owns and runs, shared with
// the HTTP client. Text and binary frames both arrive (Alpaca's trade stream sends binary frames
// on paper, text elsewhere); pings from the server are answered; the client pings on an interval
// and gives the connection up when nothing at all comes back; a staleness timer gives it up when
// no message arrived for a while (a socket that answers pings but delivers nothing). Every end of
// a connection, clean or not, is reported once through on_close with its kind.
//
// Reconnecting is the owner's decision (it knows whether to resubscribe, whether a code is
// fatal): after on_close, call connect() again, typically after net::Backoff's next delay.
//
// Threading: one thread runs the io_context; call the client only from that thread (or before
// the loop runs). Handlers are called from the loop, never from inside connect(), send() or
// close(). Boost.Beast and OpenSSL stay in the .cpp.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <trader/config/settings.hpp>
#include <trader/net/timers.hpp>

namespace trader::net {

enum class FrameType : std::uint8_t { text, binary };

enum class CloseKind : std::uint8_t {
  local,           // close() was called (the closing handshake finished or timed out)
  remote,          // the server sent a close frame (code and reason in CloseInfo)
  dropped,         // the connection ended without a close frame (EOF, reset)
  stale,           // no message for stale_after: given up by the client
  unanswered,      // a ping got no answer, nor anything else, within ping_interval
  connect_failed,  // resolving, connecting, TLS or the upgrade failed (http_status if refused)
  certificate,     // the server's certificate was refused
};

[[nodiscard]] std::string_view close_kind_name(CloseKind kind) noexcept;

struct CloseInfo {
  CloseKind kind = CloseKind::dropped;
  int code = 0;         // the close frame's code (1000, 1006, ...); 0 without one
  int http_status = 0;  // an upgrade refused with an HTTP status (429, 406, ...)
  // What happened, in one line, secrets masked ("the server closed: 1000 bye", "no message
  // for 60000 ms").
  std::string reason;
};

struct WebSocketOptions {
  // "wss://stream.data.alpaca.markets/v2/iex", or "ws://127.0.0.1:PORT/stream" (plain ws:// only
  // to a loopback host: the stream's auth message carries the keys).
  std::string url;
  std::string ca_file;  // PEM of CAs trusted besides the system store (tests)
  std::chrono::milliseconds connect_timeout{10'000};  // up to the upgrade; also the closing
                                                      // handshake's limit
  std::chrono::milliseconds ping_interval{10'000};    // 0: no pings of our own
  std::chrono::milliseconds stale_after{0};           // 0: no staleness timer
  // Asked when the staleness limit passes: false (outside the trading session, when silence is
  // normal) waits another stale_after instead of giving the connection up; empty: always true.
  std::function<bool()> staleness_applies;
  std::size_t max_message_bytes = std::size_t{16} * 1024 * 1024;
  // Masked out of every CloseInfo::reason (the keys an auth message carried).
  std::vector<config::Secret> secrets;
  // Ping interval and staleness run on these; nullptr: real time on the io_context. Must
  // outlive the client.
  TimerSource* timers = nullptr;
};

struct WebSocketHandlers {
  std::function<void()> on_open;
  // `payload` is valid during the call only.
  std::function<void(FrameType type, std::string_view payload)> on_message;
  std::function<void(const CloseInfo& info)> on_close;
};

class WebSocketClient {
 public:
  // Throws ParseError for a URL other than ws(s)://host[:port][/path] (never quoted), and
  // TlsSetupError for a ca_file that cannot be loaded.
  WebSocketClient(boost::asio::io_context& io, WebSocketOptions options,
                  WebSocketHandlers handlers);
  // Drops the connection; no handler is called any more.
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // Opens a connection: on_open when it is up, on_close(connect_failed or certificate) when it
  // could not be. Ignored while a connection is open or opening.
  void connect();
  // Queues a frame (sent in order); false, and nothing is sent, unless the connection is open.
  bool send(FrameType type, std::string payload);
  // The closing handshake: on_close(local) follows. Ignored unless open or opening.
  void close(int code = 1000, std::string reason = {});

  [[nodiscard]] bool is_open() const noexcept;
  // Since this client was made: pings the server sent us, pongs it sent back, connections opened.
  [[nodiscard]] int pings_received() const noexcept;
  [[nodiscard]] int pongs_received() const noexcept;
  [[nodiscard]] int connections_opened() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace trader::net
