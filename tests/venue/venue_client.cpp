#include "venue/venue_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace trader::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct Url {
  bool secure = false;
  std::string host;
  std::string port;
  std::string path;
};

Url parse_url(const std::string& url) {
  Url out;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::invalid_argument("bad url " + url);
  const std::string scheme = url.substr(0, scheme_end);
  out.secure = scheme == "https" || scheme == "wss";
  const std::size_t host_start = scheme_end + 3;
  const std::size_t path_start = std::min(url.find('/', host_start), url.size());
  const std::string authority = url.substr(host_start, path_start - host_start);
  const std::size_t colon = authority.rfind(':');
  out.host = authority.substr(0, colon);
  out.port = colon == std::string::npos ? (out.secure ? "443" : "80") : authority.substr(colon + 1);
  out.path = path_start < url.size() ? url.substr(path_start) : "/";
  return out;
}

std::unique_ptr<ssl::context> client_context(const ClientOptions& options) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  if (!options.ca_pem.empty()) {
    context->add_certificate_authority(asio::buffer(options.ca_pem));
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

// Runs the context until `done` or the wait runs out; true when done.
bool run_until(asio::io_context& io, const bool& done, std::chrono::milliseconds wait) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(deadline - std::chrono::steady_clock::now());
  }
  return done;
}

template <class Stream>
HttpResult exchange(asio::io_context& io, Stream& stream, const Url& url, const std::string& method,
                    const std::string& target, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers,
                    std::chrono::milliseconds wait) {
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, url.host + ":" + url.port);
  request.set(http::field::user_agent, "venue-test");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.keep_alive(false);
  request.prepare_payload();
  HttpResult result;
  http::response<http::string_body> response;
  beast::flat_buffer buffer;
  bool done = false;
  http::async_write(stream, request, [&](error_code ec, std::size_t) {
    if (ec) {
      done = true;
      return;
    }
    http::async_read(stream, buffer, response, [&](error_code read_error, std::size_t) {
      done = true;
      if (read_error) return;
      result.status = static_cast<int>(response.result_int());
      result.body = response.body();
      for (const auto& field : response) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        result.headers[name] = std::string(field.value());
      }
    });
  });
  run_until(io, done, wait);
  return result;
}

}  // namespace

HttpResult http_request(const std::string& url, const std::string& method,
                        const std::string& target, const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        const ClientOptions& options) {
  const Url parsed = parse_url(url);
  asio::io_context io;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(parsed.host, parsed.port);
  if (!parsed.secure) {
    tcp::socket socket(io);
    asio::connect(socket, endpoints);
    return exchange(io, socket, parsed, method, target, body, headers, options.timeout);
  }
  const auto context = client_context(options);
  ssl::stream<tcp::socket> stream(io, *context);
  asio::connect(stream.next_layer(), endpoints);
  stream.handshake(ssl::stream_base::client);
  return exchange(io, stream, parsed, method, target, body, headers, options.timeout);
}

struct WsClient::Impl {
  asio::io_context io;
  std::unique_ptr<ssl::context> context;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> plain;
  std::unique_ptr<websocket::stream<ssl::stream<beast::tcp_stream>>> secure;
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  std::optional<WsMessage> message;
  bool closed = false;
  bool close_frame = false;
  int pongs = 0;

  template <class Fn>
  void with(Fn fn) {
    if (plain) {
      fn(*plain);
    } else {
      fn(*secure);
    }
  }
};

WsClient::WsClient(ClientOptions options)
    : impl_(std::make_unique<Impl>()), options_(std::move(options)) {}

WsClient::~WsClient() = default;

int WsClient::connect(const std::string& url) {
  const Url parsed = parse_url(url);
  tcp::resolver resolver(impl_->io);
  const auto endpoints = resolver.resolve(parsed.host, parsed.port);
  if (parsed.secure) {
    impl_->context = client_context(options_);
    impl_->secure = std::make_unique<websocket::stream<ssl::stream<beast::tcp_stream>>>(
        impl_->io, *impl_->context);
    beast::get_lowest_layer(*impl_->secure).connect(endpoints);
    impl_->secure->next_layer().handshake(ssl::stream_base::client);
  } else {
    impl_->plain = std::make_unique<websocket::stream<beast::tcp_stream>>(impl_->io);
    beast::get_lowest_layer(*impl_->plain).connect(endpoints);
  }
  websocket::response_type response;
  int status = 0;
  bool done = false;
  impl_->with([&](auto& ws) {
    ws.control_callback([impl = impl_.get()](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) ++impl->pongs;
    });
    ws.async_handshake(response, parsed.host + ":" + parsed.port, parsed.path, [&](error_code ec) {
      done = true;
      status = static_cast<int>(response.result_int());
      if (ec && status == 101) status = 0;
    });
  });
  run_until(impl_->io, done, options_.timeout);
  if (status != 101) impl_->closed = true;
  return status;
}

void WsClient::send(const std::string& text) {
  bool done = false;
  impl_->with([&](auto& ws) {
    ws.text(true);
    ws.async_write(asio::buffer(text), [&](error_code, std::size_t) { done = true; });
  });
  run_until(impl_->io, done, options_.timeout);
}

std::optional<WsMessage> WsClient::next(std::chrono::milliseconds wait) {
  if (impl_->closed) return std::nullopt;
  if (!impl_->reading) {
    impl_->reading = true;
    impl_->read_done = false;
    impl_->with([&](auto& ws) {
      ws.async_read(impl_->buffer, [impl = impl_.get(), &ws](error_code ec, std::size_t) {
        impl->read_done = true;
        impl->reading = false;
        if (ec) {
          impl->closed = true;
          impl->close_frame = ec == websocket::error::closed;
          return;
        }
        impl->message = WsMessage{beast::buffers_to_string(impl->buffer.data()), ws.got_binary()};
        impl->buffer.consume(impl->buffer.size());
      });
    });
  }
  if (!run_until(impl_->io, impl_->read_done, wait)) return std::nullopt;
  auto message = std::move(impl_->message);
  impl_->message.reset();
  return message;
}

void WsClient::ping() {
  bool done = false;
  impl_->with([&](auto& ws) { ws.async_ping({}, [&](error_code) { done = true; }); });
  run_until(impl_->io, done, options_.timeout);
}

int WsClient::pongs() const { return impl_->pongs; }

bool WsClient::closed() const { return impl_->closed; }

bool WsClient::close_frame_received() const { return impl_->close_frame; }

void WsClient::close() {
  if (impl_->closed) return;
  bool done = false;
  impl_->with([&](auto& ws) {
    ws.async_close(websocket::close_code::normal, [&](error_code) { done = true; });
  });
  run_until(impl_->io, done, std::chrono::milliseconds(1000));
  impl_->closed = true;
}

}  // namespace trader::testing
