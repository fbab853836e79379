#include "support/ws_test_server.hpp"

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace trader::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

}  // namespace

struct WsTestServer::Impl {
  explicit Impl(WsTestServerOptions opts)
      : options(std::move(opts)),
        acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    if (options.tls) {
      tls.emplace(ssl::context::tls_server);
      tls->use_certificate_chain(asio::buffer(options.tls->certificate_pem));
      tls->use_private_key(asio::buffer(options.tls->private_key_pem), ssl::context::pem);
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
      sockets.push_back(socket.native_handle());
      threads.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
      accept();
    });
  }

  void forget(int fd) {
    const std::lock_guard lock(mutex);
    std::erase(sockets, fd);
  }

  void wait_for_stop() {
    std::unique_lock lock(mutex);
    wake.wait(lock, [this] { return stopping; });
  }

  template <class Next>
  void talk(Next& next, int fd) {
    beast::flat_buffer buffer;
    http::request<http::string_body> upgrade;
    error_code ec;
    http::read(next, buffer, upgrade, ec);
    if (ec) return;
    {
      const std::lock_guard lock(mutex);
      targets.emplace_back(upgrade.target());
    }
    if (options.refuse_upgrade != 0 || !websocket::is_upgrade(upgrade)) {
      http::response<http::string_body> refusal{
          static_cast<http::status>(options.refuse_upgrade != 0 ? options.refuse_upgrade : 400),
          11};
      refusal.body() = "refused";
      refusal.prepare_payload();
      http::write(next, refusal, ec);
      return;
    }
    websocket::stream<Next&> ws(next);
    ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) {
        const std::lock_guard lock(mutex);
        ++pings;
      }
    });
    ws.accept(upgrade, ec);
    if (ec) return;
    {
      const std::lock_guard lock(mutex);
      ++accepted;
    }
    if (!options.greeting.empty()) {
      ws.text(true);
      ws.write(asio::buffer(options.greeting), ec);
    }
    bool silent = false;
    for (;;) {
      beast::flat_buffer message;
      ws.read(message, ec);
      if (ec) return;
      const std::string text = beast::buffers_to_string(message.data());
      const bool was_text = ws.got_text();
      if (was_text && text == "drop") {
        forget(fd);
        error_code ignored;
        beast::get_lowest_layer(next).close(ignored);
        return;
      }
      if (was_text && text == "close") {
        ws.close(websocket::close_reason(websocket::close_code::normal, "bye"), ec);
        // Read until the client's answer ends the closing handshake.
        while (!ec) {
          beast::flat_buffer rest;
          ws.read(rest, ec);
        }
        return;
      }
      if (was_text && text == "freeze") {
        wait_for_stop();
        return;
      }
      if (was_text && text == "silent") silent = true;
      if (silent) continue;
      if (was_text && text == "ping") {
        ws.ping({}, ec);
        ws.text(true);
        ws.write(asio::buffer(std::string("pinged")), ec);
      } else if (was_text && text.starts_with("binary:")) {
        ws.binary(true);
        ws.write(asio::buffer(text.substr(7)), ec);
      } else {
        ws.text(was_text);
        ws.write(message.data(), ec);
      }
      if (ec) return;
    }
  }

  void serve(tcp::socket socket) {
    const int fd = socket.native_handle();
    error_code ignored;
    if (tls) {
      ssl::stream<tcp::socket> secure(std::move(socket), *tls);
      error_code ec;
      secure.handshake(ssl::stream_base::server, ec);
      if (!ec) talk(secure, fd);
      forget(fd);
      secure.lowest_layer().close(ignored);
    } else {
      talk(socket, fd);
      forget(fd);
      socket.close(ignored);
    }
  }

  WsTestServerOptions options;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::optional<ssl::context> tls;
  std::thread runner;
  mutable std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  int accepted = 0;
  int pings = 0;
  std::vector<std::string> targets;
  std::vector<int> sockets;
  std::vector<std::thread> threads;
};

WsTestServer::WsTestServer(WsTestServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

WsTestServer::~WsTestServer() = default;

std::uint16_t WsTestServer::port() const noexcept { return impl_->port; }

std::string WsTestServer::url(std::string_view path, std::string_view host) const {
  return std::string(impl_->tls ? "wss://" : "ws://") + std::string(host) + ":" +
         std::to_string(port()) + std::string(path);
}

int WsTestServer::connections() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}

int WsTestServer::pings_received() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->pings;
}

std::vector<std::string> WsTestServer::targets() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->targets;
}

}  // namespace trader::testing
