// The paper venue's sockets: an HTTP session per accepted connection (plain or TLS) that answers
// REST requests and hands WebSocket upgrades to a stream connection. The protocol itself lives
// in paper_venue.cpp; this file only moves bytes.

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "support/paper_venue_impl.hpp"

namespace trader::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      int value = 0;
      const auto [end, error] =
          std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (error != std::errc{} || end != text.data() + i + 3) {
        out += text[i];
        continue;
      }
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

RestRequest to_rest(const http::request<http::string_body>& request) {
  RestRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  const std::size_t question = out.target.find('?');
  out.path = out.target.substr(0, question);
  if (question != std::string::npos) {
    const std::string_view query = std::string_view(out.target).substr(question + 1);
    std::size_t from = 0;
    while (from <= query.size()) {
      const std::size_t amp = std::min(query.find('&', from), query.size());
      const std::string_view pair = query.substr(from, amp - from);
      const std::size_t equals = pair.find('=');
      if (!pair.empty()) {
        out.query[percent_decode(pair.substr(0, equals))] =
            equals == std::string_view::npos ? std::string{}
                                             : percent_decode(pair.substr(equals + 1));
      }
      from = amp + 1;
    }
  }
  for (const auto& field : request) {
    out.headers[lower(field.name_string())] = std::string(field.value());
  }
  out.body = request.body();
  return out;
}

template <class Socket>
tcp::socket& lowest(Socket& stream) {
  return beast::get_lowest_layer(stream);
}

// A WebSocket after the upgrade: a read loop that hands each message to the protocol, and a
// write queue (Beast allows one write at a time).
template <class Socket>
class WsConnection : public StreamConnection,
                     public std::enable_shared_from_this<WsConnection<Socket>> {
 public:
  WsConnection(PaperVenue::Impl& venue, Socket stream, Stream kind_of, std::string feed_of)
      : StreamConnection(kind_of, std::move(feed_of)),
        venue_(venue),
        ws_(std::move(stream)),
        auth_timer_(venue.io) {}

  void start(const http::request<http::string_body>& request) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(http::field::server, "paper-venue");
    }));
    ws_.async_accept(request, [self = this->shared_from_this()](error_code ec) {
      if (ec) return self->finish();
      self->venue_.opened(self);
      if (self->kind == Stream::market_data) self->arm_auth_timer();
      self->read();
    });
  }

  void send(std::string payload, Frames frames) override {
    if (closed) return;
    queue_.push_back(Outgoing{std::move(payload), frames});
    if (!writing_) write_next();
  }

  void drop(bool flush) override {
    if (closed) return;
    if (flush && (writing_ || !queue_.empty())) {
      drop_after_flush_ = true;
      return;
    }
    error_code ignored;
    lowest(ws_).shutdown(tcp::socket::shutdown_both, ignored);
    lowest(ws_).close(ignored);
    finish();
  }

 private:
  struct Outgoing {
    std::string payload;
    Frames frames;
  };

  void arm_auth_timer() {
    auth_timer_.expires_after(venue_.options.data_auth_timeout);
    auth_timer_.async_wait([weak = this->weak_from_this()](error_code ec) {
      const auto self = weak.lock();
      if (ec || !self || self->closed || self->authenticated) return;
      self->venue_.auth_timeout(self);
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->finish();
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      try {
        self->venue_.received(self, text);
      } catch (const std::exception&) {
        // A message the protocol choked on (say, a number out of Decimal's range): the
        // connection goes, the venue stays up.
        return self->drop(false);
      }
      if (!self->closed) self->read();
    });
  }

  void write_next() {
    if (queue_.empty() || closed) {
      writing_ = false;
      if (drop_after_flush_) drop(false);
      return;
    }
    writing_ = true;
    ws_.binary(queue_.front().frames == Frames::binary);
    ws_.async_write(asio::buffer(queue_.front().payload),
                    [self = this->shared_from_this()](error_code ec, std::size_t) {
                      if (ec) return self->finish();
                      self->queue_.pop_front();
                      self->write_next();
                    });
  }

  // The connection is gone (either side): the protocol forgets it.
  void finish() {
    if (closed) return;
    closed = true;
    auth_timer_.cancel();
    error_code ignored;
    lowest(ws_).close(ignored);
    venue_.closed(this);
  }

  PaperVenue::Impl& venue_;
  websocket::stream<Socket> ws_;
  asio::steady_timer auth_timer_;
  beast::flat_buffer buffer_;
  std::deque<Outgoing> queue_;
  bool writing_ = false;
  bool drop_after_flush_ = false;
};

// One accepted connection: [TLS handshake,] then request, response, ... until either side
// closes or the client upgrades to a WebSocket.
template <class Socket>
class HttpSession : public std::enable_shared_from_this<HttpSession<Socket>> {
 public:
  HttpSession(PaperVenue::Impl& venue, Socket stream)
      : venue_(venue), stream_(std::move(stream)), timer_(venue.io) {}

  void start() {
    if constexpr (std::is_same_v<Socket, tcp::socket>) {
      read();
    } else {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec) return self->close();
                                self->read();
                              });
    }
  }

 private:
  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->dispatch();
                     });
  }

  void dispatch() {
    const RestRequest request = to_rest(request_);
    if (websocket::is_upgrade(request_)) {
      Stream kind = Stream::market_data;
      std::string feed;
      if (auto refusal = venue_.upgrade(request, kind, feed)) {
        keep_alive_ = false;
        return write(std::move(*refusal));
      }
      std::make_shared<WsConnection<Socket>>(venue_, std::move(stream_), kind, std::move(feed))
          ->start(request_);
      return;
    }
    RestReply reply;
    try {
      reply = venue_.rest(request);
    } catch (const std::exception& error) {
      // A request the venue cannot handle (a quantity whose cost overflows Decimal, ...) is a
      // 500, never the end of the server thread.
      reply.status = 500;
      reply.body = "{\"code\":50010000,\"message\":\"internal error\"}";
    }
    keep_alive_ = request_.keep_alive();
    if (reply.swallow) return close();
    if (reply.delay.count() > 0) {
      timer_.expires_after(reply.delay);
      timer_.async_wait([self = this->shared_from_this(), reply](error_code ec) mutable {
        if (ec) return self->close();
        self->write(std::move(reply));
      });
      return;
    }
    write(std::move(reply));
  }

  void write(RestReply reply) {
    response_ = {};
    response_.version(request_.version());
    response_.result(static_cast<unsigned>(reply.status));
    response_.set(http::field::server, "paper-venue");
    response_.set(http::field::content_type, "application/json; charset=UTF-8");
    for (const auto& [name, value] : reply.headers) response_.set(name, value);
    response_.body() = std::move(reply.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) return self->close();
                        self->read();
                      });
  }

  void close() {
    error_code ignored;
    lowest(stream_).shutdown(tcp::socket::shutdown_both, ignored);
    lowest(stream_).close(ignored);
  }

  PaperVenue::Impl& venue_;
  Socket stream_;
  asio::steady_timer timer_;
  bool keep_alive_ = true;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

std::string RestRequest::param(const std::string& name, std::string fallback) const {
  const auto found = query.find(name);
  return found == query.end() ? fallback : found->second;
}

std::string RestRequest::header(const std::string& lower_name) const {
  const auto found = headers.find(lower_name);
  return found == headers.end() ? std::string{} : found->second;
}

void PaperVenue::Impl::accept() {
  acceptor.async_accept(io, [this](error_code ec, tcp::socket socket) {
    if (ec || stopping) return;  // the acceptor was closed: the venue is stopping
    ++accepted;
    // Frames and answers leave at once, as a trading venue sends them (Nagle would hold a small
    // bar frame back behind an unacknowledged one and distort every latency measured here).
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls) {
      std::make_shared<HttpSession<ssl::stream<tcp::socket>>>(
          *this, ssl::stream<tcp::socket>(std::move(socket), *tls))
          ->start();
    } else {
      std::make_shared<HttpSession<tcp::socket>>(*this, std::move(socket))->start();
    }
    accept();
  });
}

void PaperVenue::Impl::shutdown() {
  stopping = true;
  error_code ignored;
  acceptor.close(ignored);
  play_timer.cancel();
  const auto open = connections;
  for (const auto& connection : open) connection->drop(false);
  connections.clear();
}

}  // namespace trader::testing
