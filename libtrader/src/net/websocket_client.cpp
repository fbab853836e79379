#include <trader/net/websocket_client.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <charconv>
#include <deque>
#include <optional>

#include "net/endpoint.hpp"
#include "net/tls.hpp"
#include <trader/net/http_client.hpp>

namespace trader::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using std::chrono::milliseconds;

std::string to_text(milliseconds duration) { return std::to_string(duration.count()) + " ms"; }

// What the sessions of one client share with it (and outlive it with, while an operation is
// still completing).
struct Shared {
  Shared(WebSocketOptions opts, detail::Endpoint where, WebSocketHandlers calls)
      : options(std::move(opts)), endpoint(std::move(where)), handlers(std::move(calls)) {}

  [[nodiscard]] std::string scrubbed(std::string text) const {
    for (const config::Secret& secret : options.secrets) {
      if (secret.empty()) continue;
      const std::string& value = secret.reveal();
      const std::string masked = secret.masked();
      for (std::size_t at = text.find(value); at != std::string::npos;
           at = text.find(value, at + masked.size())) {
        text.replace(at, value.size(), masked);
      }
    }
    return text;
  }

  WebSocketOptions options;
  detail::Endpoint endpoint;
  WebSocketHandlers handlers;
  std::optional<ssl::context> tls;
  int pings = 0;
  int pongs = 0;
  int opened = 0;
  bool shut = false;  // the client is gone: no handler is called any more
};

using PlainSocket = websocket::stream<beast::tcp_stream>;
using SecureSocket = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// One connection, from connect() to its on_close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  enum class Phase : std::uint8_t { idle, connecting, open, closing, closed };

  Session(asio::io_context& io, std::shared_ptr<Shared> shared)
      : io_(io), shared_(std::move(shared)), resolver_(io) {}

  [[nodiscard]] Phase phase() const noexcept { return phase_; }

  // Connecting from now on; the work starts from the loop (no handler runs inside connect()).
  void start_pending() {
    phase_ = Phase::connecting;
    asio::post(io_, [self = shared_from_this()] {
      if (!self->gone()) self->start();
    });
  }

  void start() {
    phase_ = Phase::connecting;
    const detail::Endpoint& endpoint = shared_->endpoint;
    stream_.emplace(io_);
    error_code ec;
    const asio::ip::address address = asio::ip::make_address(endpoint.host, ec);
    if (!ec) {
      std::uint16_t port = 0;
      std::from_chars(endpoint.port.data(), endpoint.port.data() + endpoint.port.size(), port);
      endpoints_ = {tcp::endpoint(address, port)};
      on_resolved({});
      return;
    }
    resolver_.async_resolve(endpoint.host, endpoint.port,
                            [self = shared_from_this()](const error_code& error,
                                                        const tcp::resolver::results_type& found) {
                              if (self->gone()) return;
                              self->endpoints_.assign(found.begin(), found.end());
                              self->on_resolved(error);
                            });
  }

  bool send(FrameType type, std::string payload) {
    if (phase_ != Phase::open) return false;
    out_.push_back(Outgoing{type == FrameType::text ? Outgoing::Kind::text : Outgoing::Kind::binary,
                            std::move(payload), 0});
    pump();
    return true;
  }

  void close(int code, std::string reason) {
    if (phase_ == Phase::connecting) {
      // Reported from the loop; whatever the connection attempt completes meanwhile is ignored.
      abandoned_ = true;
      drop_socket();
      asio::post(io_, [self = shared_from_this()] {
        self->finish(CloseInfo{CloseKind::local, 0, 0, "closed while connecting"});
      });
      return;
    }
    if (phase_ != Phase::open) return;
    phase_ = Phase::closing;
    out_.push_back(Outgoing{Outgoing::Kind::close, std::move(reason), code});
    pump();
  }

  // Silently, for good (the client is being destroyed).
  void shut() noexcept {
    phase_ = Phase::closed;
    drop_socket();
  }

 private:
  struct Outgoing {
    enum class Kind : std::uint8_t { text, binary, ping, close };
    Kind kind;
    std::string payload;  // the close reason for a close
    int code;
  };

  [[nodiscard]] bool gone() const noexcept {
    return shared_->shut || abandoned_ || phase_ == Phase::closed;
  }

  template <class Visit>
  void with_socket(Visit&& visit) {
    if (secure_) {
      visit(*secure_);
    } else {
      visit(*plain_);
    }
  }

  void drop_socket() noexcept {
    error_code ignored;
    resolver_.cancel();
    ping_timer_.cancel();
    stale_timer_.cancel();
    if (stream_) stream_->socket().close(ignored);
    if (plain_) beast::get_lowest_layer(*plain_).socket().close(ignored);
    if (secure_) beast::get_lowest_layer(*secure_).socket().close(ignored);
  }

  // The one report of this connection's end.
  void finish(CloseInfo info) {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::closed;
    drop_socket();
    if (shared_->shut || !shared_->handlers.on_close) return;
    info.reason = shared_->scrubbed(std::move(info.reason));
    const auto keep = shared_from_this();  // the handler may destroy the client
    shared_->handlers.on_close(info);
  }

  void failed_to_connect(std::string reason, int status = 0) {
    finish(CloseInfo{CloseKind::connect_failed, 0, status, std::move(reason)});
  }

  void on_resolved(const error_code& ec) {
    const detail::Endpoint& endpoint = shared_->endpoint;
    if (ec) {
      failed_to_connect("cannot resolve " + endpoint.host + ": " + ec.message());
      return;
    }
    stream_->expires_after(shared_->options.connect_timeout);
    stream_->async_connect(
        endpoints_, [self = shared_from_this()](const error_code& error, const tcp::endpoint&) {
          if (!self->gone()) self->on_connected(error);
        });
  }

  void on_connected(const error_code& ec) {
    const detail::Endpoint& endpoint = shared_->endpoint;
    if (ec) {
      failed_to_connect(ec == beast::error::timeout
                            ? "connecting to " + endpoint.authority + " took longer than " +
                                  to_text(shared_->options.connect_timeout)
                            : "cannot connect to " + endpoint.authority + ": " + ec.message());
      return;
    }
    // Small frames (pings, orders) go out at once, not after the peer's delayed ACK (Nagle).
    error_code ignored;
    stream_->socket().set_option(tcp::no_delay(true), ignored);
    if (!endpoint.tls) {
      plain_.emplace(std::move(*stream_));
      stream_.reset();
      upgrade(*plain_);
      return;
    }
    secure_.emplace(std::move(*stream_), *shared_->tls);
    stream_.reset();
    detail::prepare_connection(secure_->next_layer().native_handle(), endpoint);
    beast::get_lowest_layer(*secure_).expires_after(shared_->options.connect_timeout);
    secure_->next_layer().async_handshake(ssl::stream_base::client,
                                          [self = shared_from_this()](const error_code& error) {
                                            if (!self->gone()) self->on_tls(error);
                                          });
  }

  void on_tls(const error_code& ec) {
    const detail::Endpoint& endpoint = shared_->endpoint;
    if (!ec) {
      upgrade(*secure_);
      return;
    }
    if (ec == beast::error::timeout) {
      failed_to_connect("the TLS handshake with " + endpoint.authority + " took longer than " +
                        to_text(shared_->options.connect_timeout));
      return;
    }
    const std::string refused = detail::refused_certificate(secure_->next_layer().native_handle());
    if (!refused.empty()) {
      finish(
          CloseInfo{CloseKind::certificate, 0, 0,
                    "the TLS certificate of " + endpoint.authority + " was refused: " + refused});
      return;
    }
    failed_to_connect("the TLS handshake with " + endpoint.authority + " failed: " + ec.message());
  }

  template <class Socket>
  void upgrade(Socket& socket) {
    const WebSocketOptions& options = shared_->options;
    beast::get_lowest_layer(socket).expires_never();
    // Beast's own timer limits the opening and the closing handshakes; liveness after that is
    // ours (pings and staleness, on the injectable timers).
    socket.set_option(websocket::stream_base::timeout{options.connect_timeout,
                                                      websocket::stream_base::none(), false});
    socket.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
      request.set(beast::http::field::user_agent, "libtrader/0.1");
    }));
    socket.read_message_max(options.max_message_bytes);
    socket.control_callback([this](websocket::frame_type kind, beast::string_view) {
      heard_ = true;
      if (kind == websocket::frame_type::ping) ++shared_->pings;
      if (kind == websocket::frame_type::pong) ++shared_->pongs;
    });
    const detail::Endpoint& endpoint = shared_->endpoint;
    socket.async_handshake(response_, endpoint.authority,
                           endpoint.path.empty() ? std::string("/") : endpoint.path,
                           [self = shared_from_this()](const error_code& error) {
                             if (!self->gone()) self->on_upgraded(error);
                           });
  }

  void on_upgraded(const error_code& ec) {
    const detail::Endpoint& endpoint = shared_->endpoint;
    if (ec) {
      if (ec == websocket::error::upgrade_declined) {
        const int status = static_cast<int>(response_.result_int());
        failed_to_connect("the upgrade to a WebSocket was refused by " + endpoint.authority +
                              ": HTTP " + std::to_string(status),
                          status);
      } else if (ec == beast::error::timeout) {
        failed_to_connect("the upgrade with " + endpoint.authority + " took longer than " +
                          to_text(shared_->options.connect_timeout));
      } else {
        failed_to_connect("the upgrade with " + endpoint.authority + " failed: " + ec.message());
      }
      return;
    }
    phase_ = Phase::open;
    ++shared_->opened;
    heard_ = true;
    arm_ping();
    arm_stale();
    read();
    if (shared_->handlers.on_open) {
      const auto keep = shared_from_this();
      shared_->handlers.on_open();
    }
  }

  void arm_ping() {
    const milliseconds interval = shared_->options.ping_interval;
    if (interval.count() <= 0) return;
    ping_timer_ = shared_->options.timers->start(interval, [weak = weak_from_this()] {
      const auto self = weak.lock();
      if (self && !self->gone()) self->on_ping_due();
    });
  }

  void on_ping_due() {
    if (phase_ != Phase::open) return;
    if (ping_sent_ && !heard_) {
      finish(CloseInfo{CloseKind::unanswered, 0, 0,
                       "no answer from " + shared_->endpoint.authority + " to a ping within " +
                           to_text(shared_->options.ping_interval)});
      return;
    }
    heard_ = false;
    ping_sent_ = true;
    out_.push_back(Outgoing{Outgoing::Kind::ping, {}, 0});
    pump();
    arm_ping();
  }

  void arm_stale() {
    const milliseconds limit = shared_->options.stale_after;
    if (limit.count() <= 0) return;
    stale_timer_ = shared_->options.timers->start(limit, [weak = weak_from_this()] {
      const auto self = weak.lock();
      if (self && !self->gone() && self->phase_ == Phase::open) {
        const auto& applies = self->shared_->options.staleness_applies;
        if (applies && !applies()) {
          self->arm_stale();  // silence is normal now (outside the session): look again later
          return;
        }
        self->finish(CloseInfo{CloseKind::stale, 0, 0,
                               "no message from " + self->shared_->endpoint.authority + " for " +
                                   to_text(self->shared_->options.stale_after)});
      }
    });
  }

  void read() {
    with_socket([this](auto& socket) {
      socket.async_read(
          buffer_, [self = shared_from_this()](const error_code& error, std::size_t /*bytes*/) {
            if (!self->gone()) self->on_read(error);
          });
    });
  }

  void on_read(const error_code& ec) {
    if (ec) {
      ended(ec);
      return;
    }
    heard_ = true;
    bool text = false;
    with_socket([&text](auto& socket) { text = socket.got_text(); });
    if (phase_ == Phase::open) arm_stale();
    if (shared_->handlers.on_message) {
      const auto keep = shared_from_this();
      const auto data = buffer_.cdata();
      shared_->handlers.on_message(
          text ? FrameType::text : FrameType::binary,
          std::string_view(static_cast<const char*>(data.data()), data.size()));
      if (gone()) return;
    }
    buffer_.clear();
    read();
  }

  void ended(const error_code& ec) {
    const std::string& authority = shared_->endpoint.authority;
    if (ec == websocket::error::closed) {
      websocket::close_reason why;
      with_socket([&why](auto& socket) { why = socket.reason(); });
      const int code = static_cast<int>(why.code);
      std::string text = std::to_string(code);
      if (!why.reason.empty()) text += " " + std::string(why.reason.data(), why.reason.size());
      if (phase_ == Phase::closing) {
        finish(CloseInfo{CloseKind::local, code, 0, "closed: " + text});
      } else {
        finish(
            CloseInfo{CloseKind::remote, code, 0, authority + " closed the connection: " + text});
      }
      return;
    }
    if (phase_ == Phase::closing) {
      // Beast's close reads on by itself until the server's close frame (a pending read gives
      // way with operation_aborted); its own completion reports the end.
      if (ec == asio::error::operation_aborted) return;
      finish(
          CloseInfo{CloseKind::local, 0, 0, "closed without the server's answer: " + ec.message()});
      return;
    }
    finish(CloseInfo{
        CloseKind::dropped, 1006, 0,
        "the connection to " + authority + " ended without a close frame: " + ec.message()});
  }

  void pump() {
    if (writing_ || out_.empty() || phase_ == Phase::closed) return;
    writing_ = true;
    Outgoing& item = out_.front();
    const auto done = [self = shared_from_this()](const error_code& error, std::size_t = 0) {
      self->on_written(error);
    };
    with_socket([&](auto& socket) {
      switch (item.kind) {
        case Outgoing::Kind::text:
        case Outgoing::Kind::binary:
          socket.text(item.kind == Outgoing::Kind::text);
          socket.async_write(asio::buffer(item.payload), done);
          break;
        case Outgoing::Kind::ping:
          socket.async_ping({}, done);
          break;
        case Outgoing::Kind::close:
          socket.async_close(
              websocket::close_reason(static_cast<websocket::close_code>(item.code), item.payload),
              done);
          break;
      }
    });
  }

  void on_written(const error_code& ec) {
    writing_ = false;
    const bool closed = !out_.empty() && out_.front().kind == Outgoing::Kind::close;
    if (!out_.empty()) out_.pop_front();
    if (gone()) return;
    if (closed) {
      if (ec) {
        finish(CloseInfo{CloseKind::local, 0, 0,
                         "closed without the server's answer: " + ec.message()});
        return;
      }
      websocket::close_reason why;
      with_socket([&why](auto& socket) { why = socket.reason(); });
      const int code = static_cast<int>(why.code);
      std::string text = "closed: " + std::to_string(code);
      if (!why.reason.empty()) text += " " + std::string(why.reason.data(), why.reason.size());
      finish(CloseInfo{CloseKind::local, code, 0, std::move(text)});
      return;
    }
    if (ec) {
      // The read side reports how the connection ended; nothing more goes out.
      out_.clear();
      return;
    }
    pump();
  }

  asio::io_context& io_;
  std::shared_ptr<Shared> shared_;
  tcp::resolver resolver_;
  std::vector<tcp::endpoint> endpoints_;
  std::optional<beast::tcp_stream> stream_;  // while connecting
  std::optional<PlainSocket> plain_;
  std::optional<SecureSocket> secure_;
  websocket::response_type response_;
  beast::flat_buffer buffer_;
  std::deque<Outgoing> out_;
  TimerHandle ping_timer_;
  TimerHandle stale_timer_;
  Phase phase_ = Phase::idle;
  bool writing_ = false;
  bool abandoned_ = false;  // close() while connecting
  bool heard_ = false;      // anything arrived since the last ping went out
  bool ping_sent_ = false;  // a ping of ours is out
};

}  // namespace

std::string_view close_kind_name(CloseKind kind) noexcept {
  switch (kind) {
    case CloseKind::local:
      return "local";
    case CloseKind::remote:
      return "remote";
    case CloseKind::dropped:
      return "dropped";
    case CloseKind::stale:
      return "stale";
    case CloseKind::unanswered:
      return "unanswered";
    case CloseKind::connect_failed:
      return "connect_failed";
    case CloseKind::certificate:
      return "certificate";
  }
  return "dropped";
}

struct WebSocketClient::Impl {
  Impl(asio::io_context& context, WebSocketOptions options, WebSocketHandlers handlers)
      : io(context) {
    detail::Endpoint endpoint = detail::parse_endpoint(options.url, detail::Scheme::websocket);
    shared = std::make_shared<Shared>(std::move(options), std::move(endpoint), std::move(handlers));
    if (shared->endpoint.tls) {
      shared->tls.emplace(
          detail::client_context(shared->options.ca_file, shared->endpoint.authority));
    }
    if (shared->options.timers == nullptr) {
      own_timers = steady_timers(io);
      shared->options.timers = own_timers.get();
    }
  }

  asio::io_context& io;
  std::shared_ptr<Shared> shared;
  std::unique_ptr<TimerSource> own_timers;
  std::shared_ptr<Session> session;
};

WebSocketClient::WebSocketClient(boost::asio::io_context& io, WebSocketOptions options,
                                 WebSocketHandlers handlers)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handlers))) {}

WebSocketClient::~WebSocketClient() {
  impl_->shared->shut = true;
  if (impl_->session) impl_->session->shut();
}

void WebSocketClient::connect() {
  if (impl_->session && impl_->session->phase() != Session::Phase::closed) return;
  impl_->session = std::make_shared<Session>(impl_->io, impl_->shared);
  impl_->session->start_pending();
}

bool WebSocketClient::send(FrameType type, std::string payload) {
  return impl_->session && impl_->session->send(type, std::move(payload));
}

void WebSocketClient::close(int code, std::string reason) {
  if (impl_->session) impl_->session->close(code, std::move(reason));
}

bool WebSocketClient::is_open() const noexcept {
  return impl_->session && impl_->session->phase() == Session::Phase::open;
}

int WebSocketClient::pings_received() const noexcept { return impl_->shared->pings; }

int WebSocketClient::pongs_received() const noexcept { return impl_->shared->pongs; }

int WebSocketClient::connections_opened() const noexcept { return impl_->shared->opened; }

}  // namespace trader::net
