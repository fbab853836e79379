#include "support/http_test_server.hpp"

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace trader::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string HttpExchange::header(std::string_view name) const {
  const auto found = headers.find(lower(name));
  return found == headers.end() ? std::string{} : found->second;
}

struct HttpTestServer::Impl {
  Impl(HttpHandler handler_in, std::optional<TlsIdentity> identity)
      : handler(std::move(handler_in)),
        acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    if (!handler) handler = [](const HttpExchange&) { return HttpReply{}; };
    if (identity) {
      tls.emplace(ssl::context::tls_server);
      tls->use_certificate_chain(asio::buffer(identity->certificate_pem));
      tls->use_private_key(asio::buffer(identity->private_key_pem), ssl::context::pem);
    }
    port = acceptor.local_endpoint().port();
    accept();
    runner = std::thread([this] { io.run(); });
  }

  ~Impl() {
    {
      const std::lock_guard lock(mutex);
      stopping = true;
      for (const int fd : sockets) ::shutdown(fd, SHUT_RDWR);
    }
    wake.notify_all();
    io.stop();
    runner.join();
    for (std::thread& thread : threads) thread.join();
  }

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec) return;
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      const std::lock_guard lock(mutex);
      if (stopping) return;
      const int number = ++accepted;
      sockets.push_back(socket.native_handle());
      threads.emplace_back(
          [this, number, s = std::move(socket)]() mutable { serve(std::move(s), number); });
      accept();
    });
  }

  // Waits `delay` or until the server stops; false when it stops.
  bool pause(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex);
    wake.wait_for(lock, delay, [this] { return stopping; });
    return !stopping;
  }

  template <class Stream>
  void exchange_all(Stream& stream, int number) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      error_code ec;
      http::read(stream, buffer, request, ec);
      if (ec) return;
      HttpExchange exchange;
      exchange.method = std::string(request.method_string());
      exchange.target = std::string(request.target());
      exchange.body = request.body();
      exchange.connection = number;
      for (const auto& field : request) {
        exchange.headers[lower(field.name_string())] = std::string(field.value());
      }
      {
        const std::lock_guard lock(mutex);
        recorded.push_back(exchange);
      }
      const HttpReply reply = handler(exchange);
      if (reply.action == HttpReply::Action::hang) {
        pause(std::chrono::hours(1));
        return;
      }
      if (!pause(reply.delay) || reply.action == HttpReply::Action::drop) return;
      http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
      response.set(http::field::content_type, "application/json");
      response.set("X-Request-Id", "req-" + std::to_string(number));
      for (const auto& [name, value] : reply.headers) response.set(name, value);
      response.body() = reply.body;
      response.keep_alive(reply.keep_alive && request.keep_alive());
      response.prepare_payload();
      http::write(stream, response, ec);
      if (ec || !response.keep_alive() || reply.close_after) return;
    }
  }

  // The descriptor leaves `sockets` before the socket closes: a later shutdown must never reach
  // a descriptor number the process has reused since.
  void forget(int fd) {
    const std::lock_guard lock(mutex);
    std::erase(sockets, fd);
  }

  void serve(tcp::socket socket, int number) {
    error_code ignored;
    const int fd = socket.native_handle();
    if (tls) {
      ssl::stream<tcp::socket> secure(std::move(socket), *tls);
      error_code ec;
      secure.handshake(ssl::stream_base::server, ec);
      if (!ec) exchange_all(secure, number);
      forget(fd);
      secure.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    } else {
      exchange_all(socket, number);
      forget(fd);
      socket.shutdown(tcp::socket::shutdown_both, ignored);
    }
  }

  HttpHandler handler;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::optional<ssl::context> tls;
  std::thread runner;
  mutable std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  int accepted = 0;
  std::vector<int> sockets;
  std::vector<std::thread> threads;
  std::vector<HttpExchange> recorded;
};

HttpTestServer::HttpTestServer(HttpHandler handler, std::optional<TlsIdentity> tls)
    : impl_(std::make_unique<Impl>(std::move(handler), std::move(tls))) {}

HttpTestServer::~HttpTestServer() = default;

std::uint16_t HttpTestServer::port() const noexcept { return impl_->port; }

std::string HttpTestServer::base_url(std::string_view host) const {
  return std::string(impl_->tls ? "https://" : "http://") + std::string(host) + ":" +
         std::to_string(port());
}

std::vector<HttpExchange> HttpTestServer::requests() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->recorded;
}

int HttpTestServer::connections() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}

}  // namespace trader::testing
