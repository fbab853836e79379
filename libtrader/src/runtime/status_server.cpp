#include <trader/runtime/status_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/core.h>

#include <array>
#include <exception>
#include <list>
#include <optional>
#include <string_view>
#include <utility>

#include <trader/log/log.hpp>
#include <trader/runtime/metrics.hpp>

namespace trader::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::string_view kText = "text/plain; charset=utf-8";
constexpr std::string_view kJson = "application/json";

struct Reply {
  http::status status = http::status::ok;
  std::string content_type{kText};
  std::string body;
  std::string allow;  // a 405's Allow header
  bool then_shutdown = false;
};

Reply make_reply(http::status status, std::string_view content_type, std::string body) {
  Reply reply;
  reply.status = status;
  reply.content_type = std::string(content_type);
  reply.body = std::move(body);
  return reply;
}

Reply text(http::status status, std::string body) {
  return make_reply(status, kText, std::move(body) + "\n");
}

}  // namespace

struct StatusServer::Impl : std::enable_shared_from_this<Impl> {
  class Connection;

  Impl(asio::io_context& io_context, StatusServerOptions server_options,
       StatusHandlers server_handlers)
      : io(io_context),
        options(std::move(server_options)),
        handlers(std::move(server_handlers)),
        acceptor(io_context),
        retry(io_context) {}

  void listen();
  void accept();
  [[nodiscard]] Reply answer(const http::request<http::string_body>& request) const;

  asio::io_context& io;
  StatusServerOptions options;
  StatusHandlers handlers;
  tcp::acceptor acceptor;
  asio::steady_timer retry;  // after a failed accept (out of descriptors): try again later
  std::list<std::weak_ptr<Connection>> connections;
  std::uint16_t bound_port = 0;
  std::string bound_address;
  std::int64_t answered = 0;
  bool stopped = false;
};

// One client connection: reads requests one at a time (keep-alive), answers each, closes on a
// malformed or oversized request, on a timeout, and when the server stops.
class StatusServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const std::shared_ptr<Impl>& server)
      : stream_(std::move(socket)), server_(server), buffer_(server->options.max_request_bytes) {}

  void start() { read(); }

  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void read() {
    const auto server = server_.lock();
    if (!server || server->stopped) return;
    parser_.emplace();
    const auto limit = static_cast<std::uint32_t>(server->options.max_request_bytes);
    parser_->header_limit(limit);
    parser_->body_limit(limit);
    stream_.expires_after(server->options.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    const auto server = server_.lock();
    if (!server || server->stopped) return;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      close();
      return;
    }
    if (ec) {
      // The request cannot be understood: say so, then close (its remaining bytes are junk).
      const bool too_large = ec == http::error::header_limit || ec == http::error::body_limit ||
                             ec == http::error::buffer_overflow;
      write(too_large ? text(http::status::payload_too_large,
                             fmt::format("request larger than {} bytes",
                                         server->options.max_request_bytes))
                      : text(http::status::bad_request, "malformed request: " + ec.message()),
            /*keep_alive=*/false, /*version=*/11);
      return;
    }
    const auto& request = parser_->get();
    write(server->answer(request), request.keep_alive(), request.version());
  }

  void write(Reply reply, bool keep_alive, unsigned version) {
    const auto server = server_.lock();
    if (!server) return;
    ++server->answered;
    response_ = {};
    response_.version(version);
    response_.result(reply.status);
    response_.set(http::field::server, "trader-run");
    response_.set(http::field::content_type, reply.content_type);
    response_.set(http::field::cache_control, "no-store");
    if (!reply.allow.empty()) response_.set(http::field::allow, reply.allow);
    response_.body() = std::move(reply.body);
    response_.keep_alive(keep_alive && !reply.then_shutdown);
    response_.prepare_payload();
    stream_.expires_after(server->options.request_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), shutdown = reply.then_shutdown](
                          error_code ec, std::size_t) { self->on_write(ec, shutdown); });
  }

  void on_write(error_code ec, bool shutdown) {
    const bool keep = !ec && response_.keep_alive();
    if (!keep) {
      if (ec) {
        close();
      } else {
        linger();
      }
    }
    const auto server = server_.lock();
    if (!server || server->stopped) return;
    // After the 202 went out (or could not): the caller asked, whatever became of the answer.
    if (shutdown && server->handlers.shutdown) server->handlers.shutdown();
    if (keep && !server->stopped) read();
  }

  // A lingering close: our side is done sending; what the client still sends (the rest of an
  // oversized request) is read and dropped until it closes or a second passes. Closing at once
  // with unread bytes would reset the connection, and the client could lose our answer.
  void linger() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }
  void drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (ec) {
                                self->close();
                              } else {
                                self->drain();
                              }
                            });
  }

  beast::tcp_stream stream_;
  std::array<char, 1024> scratch_{};
  std::weak_ptr<Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

void StatusServer::Impl::listen() {
  const std::string where = fmt::format("{}:{}", options.host, options.port);
  const auto fail = [&](const std::string& why) {
    return StatusServerError(
        fmt::format("the status endpoint cannot listen on {} (ALGO_WEB__HOST / ALGO_WEB__PORT): {}",
                    where, why));
  };
  if (options.port < 0 || options.port > 65535) throw fail("the port must be 1..65535");
  error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints =
      resolver.resolve(options.host, std::to_string(options.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) throw fail("cannot resolve the host: " + ec.message());
  error_code last;
  for (const auto& entry : endpoints) {
    const tcp::endpoint endpoint = entry.endpoint();
    acceptor.close(ec);
    acceptor.open(endpoint.protocol(), last);
    if (last) continue;
    // A port in TIME_WAIT after a restart is reusable; one a process listens on is not.
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor.bind(endpoint, last);
    if (last) continue;
    acceptor.listen(asio::socket_base::max_listen_connections, last);
    if (last) continue;
    const auto local = acceptor.local_endpoint(ec);
    bound_port = local.port();
    bound_address = local.address().is_v6()
                        ? fmt::format("[{}]:{}", local.address().to_string(), bound_port)
                        : fmt::format("{}:{}", local.address().to_string(), bound_port);
    return;
  }
  acceptor.close(ec);
  if (last == asio::error::address_in_use) {
    throw fail(
        "the address is in use (another trader-run, or another program, listens there); "
        "stop it or choose another ALGO_WEB__PORT");
  }
  if (last == boost::system::errc::address_not_available) {
    throw fail("the address is not one of this machine's");
  }
  if (last == asio::error::access_denied) {
    throw fail("permission denied (ports below 1024 need privileges)");
  }
  throw fail(last ? last.message() : std::string("no address to listen on"));
}

void StatusServer::Impl::accept() {
  acceptor.async_accept([weak = weak_from_this()](error_code ec, tcp::socket socket) {
    const auto self = weak.lock();
    if (!self || self->stopped) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // Out of descriptors or a similar transient failure: wait, do not spin.
      log::warning("status_accept_failed", {{"error", ec.message()}});
      self->retry.expires_after(std::chrono::milliseconds(200));
      self->retry.async_wait([weak](error_code wait_ec) {
        const auto again = weak.lock();
        if (!wait_ec && again && !again->stopped) again->accept();
      });
      return;
    }
    self->connections.remove_if([](const auto& c) { return c.expired(); });
    if (self->connections.size() >= self->options.max_connections) {
      error_code ignored;
      socket.close(ignored);  // too many at once: a client retries later
    } else {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      const auto connection = std::make_shared<Connection>(std::move(socket), self);
      self->connections.push_back(connection);
      connection->start();
    }
    self->accept();
  });
}

Reply StatusServer::Impl::answer(const http::request<http::string_body>& request) const {
  std::string_view path(request.target().data(), request.target().size());
  if (const auto query = path.find('?'); query != std::string_view::npos) {
    path = path.substr(0, query);
  }
  const bool get = request.method() == http::verb::get;
  const auto method_not_allowed = [](std::string allow) {
    Reply reply = text(http::status::method_not_allowed, "method not allowed; use " + allow);
    reply.allow = std::move(allow);
    return reply;
  };
  try {
    if (path == "/healthz") {
      if (!get) return method_not_allowed("GET");
      const HealthVerdict verdict = handlers.health ? handlers.health() : HealthVerdict{};
      if (verdict.healthy) return text(http::status::ok, "ok");
      return text(http::status::service_unavailable,
                  verdict.reason.empty() ? std::string("unhealthy") : verdict.reason);
    }
    if (path == "/status") {
      if (!get) return method_not_allowed("GET");
      if (!handlers.status_json) return text(http::status::service_unavailable, "no status");
      return make_reply(http::status::ok, kJson, handlers.status_json() + "\n");
    }
    if (path == "/metrics") {
      if (!get) return method_not_allowed("GET");
      if (!handlers.metrics_text) return text(http::status::service_unavailable, "no metrics");
      return make_reply(http::status::ok, kMetricsContentType, handlers.metrics_text());
    }
    if (path == "/shutdown") {
      if (request.method() != http::verb::post) return method_not_allowed("POST");
      Reply reply = text(http::status::accepted, "shutting down");
      reply.then_shutdown = true;
      return reply;
    }
  } catch (const std::exception& e) {
    log::error("status_handler_failed", {{"path", std::string(path)}, {"error", e.what()}});
    return text(http::status::internal_server_error, std::string("error: ") + e.what());
  }
  return text(http::status::not_found,
              "not found; try GET /healthz, GET /status, GET /metrics or POST /shutdown");
}

StatusServer::StatusServer(asio::io_context& io, StatusServerOptions options,
                           StatusHandlers handlers)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handlers))) {
  impl_->listen();
  impl_->accept();
}

StatusServer::~StatusServer() { stop(); }

std::uint16_t StatusServer::port() const noexcept { return impl_->bound_port; }

std::string StatusServer::address() const { return impl_->bound_address; }

std::int64_t StatusServer::requests() const noexcept { return impl_->answered; }

void StatusServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->retry.cancel();
  for (const auto& weak : impl_->connections) {
    if (const auto connection = weak.lock()) connection->close();
  }
  impl_->connections.clear();
}

}  // namespace trader::runtime
