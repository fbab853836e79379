#include <trader/net/http_client.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <deque>
#include <optional>
#include <vector>

#include "core/json_write.hpp"
#include "net/endpoint.hpp"
#include "net/tls.hpp"
#include <trader/log/log.hpp>

namespace trader::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using std::chrono::milliseconds;

constexpr std::size_t kReadChunk = std::size_t{64} * 1024;  // bytes asked of one read

std::string to_text(milliseconds duration) { return std::to_string(duration.count()) + " ms"; }

std::string trimmed(std::string_view text) {
  const auto is_blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return std::string(text);
}

// One line of at most 200 characters: what a message may quote from a body of unknown form.
std::string one_line(std::string_view text) {
  std::string out;
  bool blank = false;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 ||
        std::iscntrl(static_cast<unsigned char>(c)) != 0) {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += c;
    if (out.size() >= 200) {
      out += "...";
      break;
    }
  }
  return out;
}

// What an error response says, in one line. Alpaca's data API answers {"message": ...}, its
// trading API adds a numeric "code", and a 401 from the data API is an nginx HTML page, so the
// body is read by shape and the status line is the fallback.
std::string error_message(std::string_view body, std::string_view reason) {
  try {
    const boost::json::value doc = core::detail::parse_json(body, "an error response");
    if (const auto* object = doc.if_object()) {
      if (const auto* message = object->if_contains("message");
          message != nullptr && message->is_string()) {
        std::string out = one_line(std::string_view(message->get_string()));
        if (const auto* code = object->if_contains("code"); code != nullptr) {
          if (code->is_int64()) out += " (code " + std::to_string(code->get_int64()) + ")";
          if (code->is_uint64()) out += " (code " + std::to_string(code->get_uint64()) + ")";
        }
        return out;
      }
    }
  } catch (const Error&) {
    // Not JSON: an HTML page or plain text, handled below.
  } catch (const std::exception&) {
    // The same: whatever the JSON reader throws, the body is read as text.
  }
  const std::size_t title = body.find("<title>");
  if (title != std::string_view::npos) {
    const std::size_t from = title + 7;
    const std::size_t to = body.find("</title>", from);
    if (to != std::string_view::npos) return one_line(body.substr(from, to - from));
  }
  std::string text = one_line(body);
  return text.empty() ? std::string(reason) : text;
}

// A Retry-After of delta seconds ("3"); the HTTP-date form is rare enough to back off instead.
std::optional<milliseconds> retry_after(std::string_view value) {
  const std::string text = trimmed(value);
  if (text.empty()) return std::nullopt;
  long seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc{} || end != text.data() + text.size() || seconds < 0) {
    return std::nullopt;
  }
  return milliseconds{std::min(seconds, 24L * 3600) * 1000};
}

// What came back from one attempt on one connection.
struct Attempt {
  enum class Outcome : std::uint8_t {
    response,     // a complete response
    not_sent,     // resolving, connecting or the TLS handshake failed: nothing reached the server
    lost,         // the connection failed or the reply was malformed after the request went out
    timed_out,    // the response did not complete in time (the request went out)
    certificate,  // the server's certificate was refused
  };
  Outcome outcome = Outcome::response;
  bool timeout = false;  // for not_sent: it was a connect or handshake timeout
  std::string detail;    // for a failure
  int status = 0;
  std::string reason;
  std::string body;
  std::string request_id;
  std::string retry_after;
  std::string rate_limit_reset;  // X-RateLimit-Reset
};

// The wait until an X-RateLimit-Reset (UNIX epoch seconds) as seen by `now`; none when the
// value is not a number or the time has passed (a clock apart from the server's would make
// "now" meaningless there).
std::optional<milliseconds> until_reset(std::string_view value,
                                        std::chrono::system_clock::time_point now) {
  const std::string text = trimmed(value);
  long long seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  const auto reset = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
  if (reset <= now) return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(reset - now);
}

}  // namespace

std::string_view method_name(Method method) noexcept {
  switch (method) {
    case Method::get:
      return "GET";
    case Method::post:
      return "POST";
    case Method::patch:
      return "PATCH";
    case Method::del:
      return "DELETE";
  }
  return "GET";
}

std::string_view failure_name(Failure failure) noexcept {
  switch (failure) {
    case Failure::none:
      return "none";
    case Failure::connection:
      return "connection";
    case Failure::timeout:
      return "timeout";
    case Failure::certificate:
      return "certificate";
    case Failure::auth:
      return "auth";
    case Failure::rate_limit:
      return "rate_limit";
    case Failure::server:
      return "server";
    case Failure::request:
      return "request";
    case Failure::unexpected:
      return "unexpected";
  }
  return "none";
}

RetryPolicy RetryPolicy::submit_order() {
  RetryPolicy policy;
  policy.max_attempts = 4;
  policy.transient_retries = 2;
  policy.rate_limit_retries = 1;
  policy.backoff_initial = milliseconds{1'000};
  return policy;
}

RetryPolicy RetryPolicy::cancel_order() {
  RetryPolicy policy;
  policy.max_attempts = 7;
  policy.transient_retries = 3;
  policy.rate_limit_retries = 3;
  policy.backoff_initial = milliseconds{1'000};
  return policy;
}

RetryPolicy RetryPolicy::query() {
  RetryPolicy policy;
  policy.max_attempts = 6;
  policy.transient_retries = 2;
  policy.rate_limit_retries = 3;
  policy.backoff_initial = milliseconds{1'000};
  policy.backoff_multiplier = 2.0;
  return policy;
}

RetryPolicy RetryPolicy::none() { return RetryPolicy{}; }

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

void run_until(boost::asio::io_context& io, const bool& done) {
  if (done) return;
  if (io.stopped()) io.restart();
  while (!done && io.run_one() != 0) {
  }
}

namespace {

// What every connection of one client shares; owned jointly, so that a connection whose last
// operation completes after the client is gone still finds it.
struct Context {
  Context(HttpOptions opts, detail::Endpoint where)
      : options(std::move(opts)), endpoint(std::move(where)) {}
  HttpOptions options;
  detail::Endpoint endpoint;
  std::optional<ssl::context> tls;
  int opened = 0;  // connections established so far
};

// One connection to the host: connects when needed, then carries one exchange at a time.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Done = std::function<void(Attempt)>;

  Connection(asio::io_context& io, std::shared_ptr<Context> context)
      : io_(io),
        context_(std::move(context)),
        endpoint_(context_->endpoint),
        options_(context_->options),
        resolver_(io) {}

  // Which connection of the client (1, 2, ... in order of connecting) this is now.
  [[nodiscard]] int id() const noexcept { return id_; }
  [[nodiscard]] bool busy() const noexcept { return busy_; }
  [[nodiscard]] bool connected() const noexcept { return secure_ || plain_; }

  // Sends `request` (connecting first when needed) and reads the response; `done` gets the
  // outcome. A kept-alive connection that the server had closed is replaced once, at once,
  // when `repeatable` (the request may have reached the server before it closed).
  void run(const std::string* request, milliseconds timeout, bool repeatable, Done done) {
    busy_ = true;
    request_ = request;
    timeout_ = timeout;
    repeatable_ = repeatable;
    done_ = std::move(done);
    reused_ = connected();
    if (reused_) {
      send();
    } else {
      connect();
    }
  }

  // For good: pending operations complete without effect.
  void shut() noexcept {
    shut_ = true;
    close();
    // The callback holds this connection (and the request): dropping it breaks that cycle.
    done_ = nullptr;
    request_ = nullptr;
  }

  void close() noexcept {
    error_code ignored;
    resolver_.cancel();
    if (secure_) beast::get_lowest_layer(*secure_).socket().close(ignored);
    if (plain_) plain_->socket().close(ignored);
    secure_.reset();
    plain_.reset();
    buffer_.clear();
  }

 private:
  // The completion handler of every socket operation: one type, so that each operation is
  // instantiated once per stream type (Asio's and Beast's templates dominate compile time).
  struct Step {
    std::shared_ptr<Connection> self;
    void (Connection::*next)(error_code, std::size_t);
    void operator()(error_code ec, std::size_t n = 0) const {
      if (!self->shut_) ((*self).*next)(ec, n);
    }
    void operator()(error_code ec, const tcp::endpoint& /*endpoint*/) const {
      if (!self->shut_) ((*self).*next)(ec, 0);
    }
  };
  Step step(void (Connection::*next)(error_code, std::size_t)) {
    return Step{shared_from_this(), next};
  }

  beast::tcp_stream& lowest() { return secure_ ? beast::get_lowest_layer(*secure_) : *plain_; }

  void finish(Attempt attempt) {
    busy_ = false;
    request_ = nullptr;
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(attempt));
  }

  void fail_before_sending(const std::string& detail, bool timeout) {
    close();
    Attempt attempt;
    attempt.outcome = Attempt::Outcome::not_sent;
    attempt.timeout = timeout;
    attempt.detail = detail;
    finish(std::move(attempt));
  }

  void connect() {
    close();
    stream_.emplace(io_);
    error_code ec;
    const asio::ip::address address = asio::ip::make_address(endpoint_.host, ec);
    if (!ec) {
      std::uint16_t port = 0;
      std::from_chars(endpoint_.port.data(), endpoint_.port.data() + endpoint_.port.size(), port);
      endpoints_ = {tcp::endpoint(address, port)};
      on_resolved({}, 0);
      return;
    }
    // Asio resolves on a background thread: the loop does not wait for the system resolver.
    resolver_.async_resolve(endpoint_.host, endpoint_.port,
                            [self = shared_from_this()](const error_code& error,
                                                        const tcp::resolver::results_type& found) {
                              if (self->shut_) return;
                              self->endpoints_.assign(found.begin(), found.end());
                              self->on_resolved(error, 0);
                            });
  }

  void on_resolved(error_code ec, std::size_t /*unused*/) {
    if (ec) {
      fail_before_sending("cannot resolve " + endpoint_.host + ": " + ec.message(), false);
      return;
    }
    stream_->expires_after(options_.connect_timeout);
    stream_->async_connect(endpoints_, step(&Connection::on_connected));
  }

  void on_connected(error_code ec, std::size_t /*unused*/) {
    if (ec) {
      const bool timed_out = ec == beast::error::timeout;
      fail_before_sending(timed_out
                              ? "connecting to " + endpoint_.authority + " took longer than " +
                                    to_text(options_.connect_timeout)
                              : "cannot connect to " + endpoint_.authority + ": " + ec.message(),
                          timed_out);
      return;
    }
    id_ = ++context_->opened;
    // A small request goes out at once, not after the peer's delayed ACK (Nagle).
    error_code ignored;
    stream_->socket().set_option(tcp::no_delay(true), ignored);
    if (!endpoint_.tls) {
      plain_.emplace(std::move(*stream_));
      stream_.reset();
      send();
      return;
    }
    secure_.emplace(std::move(*stream_), *context_->tls);
    stream_.reset();
    detail::prepare_connection(secure_->native_handle(), endpoint_);
    beast::get_lowest_layer(*secure_).expires_after(options_.connect_timeout);
    secure_->async_handshake(ssl::stream_base::client, step(&Connection::on_handshake));
  }

  void on_handshake(error_code ec, std::size_t /*unused*/) {
    if (!ec) {
      send();
      return;
    }
    const std::string refused = detail::refused_certificate(secure_->native_handle());
    if (ec == beast::error::timeout) {
      fail_before_sending("the TLS handshake with " + endpoint_.authority + " took longer than " +
                              to_text(options_.connect_timeout),
                          true);
      return;
    }
    if (!refused.empty()) {
      close();
      Attempt attempt;
      attempt.outcome = Attempt::Outcome::certificate;
      attempt.detail = "the TLS certificate of " + endpoint_.authority + " was refused: " + refused;
      finish(std::move(attempt));
      return;
    }
    fail_before_sending(
        "the TLS handshake with " + endpoint_.authority + " failed: " + ec.message(), false);
  }

  void send() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->eager(true);
    sent_ = 0;
    lowest().expires_after(timeout_);
    write_more();
  }

  void write_more() {
    const asio::const_buffer data(request_->data() + sent_, request_->size() - sent_);
    if (secure_) {
      secure_->async_write_some(data, step(&Connection::on_written));
    } else {
      plain_->async_write_some(data, step(&Connection::on_written));
    }
  }

  void on_written(error_code ec, std::size_t written) {
    if (ec) {
      lost(ec);
      return;
    }
    sent_ += written;
    if (sent_ < request_->size()) {
      write_more();
      return;
    }
    parse();
  }

  // Feeds what the buffer holds to the parser; reads more when it needs more.
  void parse() {
    while (buffer_.size() != 0) {
      error_code parsed;
      const std::size_t used = parser_->put(buffer_.data(), parsed);
      buffer_.consume(used);
      if (parser_->is_done()) {
        complete();
        return;
      }
      if (parsed && parsed != http::error::need_more) {
        close();
        Attempt attempt;
        attempt.outcome = Attempt::Outcome::lost;
        attempt.detail =
            "malformed HTTP response from " + endpoint_.authority + ": " + parsed.message();
        finish(std::move(attempt));
        return;
      }
      if (parsed || used == 0) break;
    }
    if (secure_) {
      secure_->async_read_some(buffer_.prepare(kReadChunk), step(&Connection::on_read));
    } else {
      plain_->async_read_some(buffer_.prepare(kReadChunk), step(&Connection::on_read));
    }
  }

  void on_read(error_code ec, std::size_t received) {
    buffer_.commit(received);
    if (ec == asio::error::eof && parser_->got_some()) {
      // A body that ends with the connection (no Content-Length) is complete only now.
      error_code ended;
      parser_->put_eof(ended);
      if (ended) {
        lost(ended);
        return;
      }
      complete();
      return;
    }
    if (ec) {
      lost(ec);
      return;
    }
    parse();
  }

  void lost(error_code ec) {
    const bool timed_out = ec == beast::error::timeout;
    const bool stale = reused_ && !timed_out && !parser_->got_some();
    close();
    if (stale && repeatable_) {
      // A kept-alive connection the server had closed: a new one, once, not a retry.
      reused_ = false;
      connect();
      return;
    }
    Attempt attempt;
    attempt.outcome = timed_out ? Attempt::Outcome::timed_out : Attempt::Outcome::lost;
    attempt.detail =
        timed_out
            ? "no complete response from " + endpoint_.authority + " within " + to_text(timeout_)
            : "the connection to " + endpoint_.authority + " failed: " + ec.message();
    finish(std::move(attempt));
  }

  void complete() {
    lowest().expires_never();
    auto& response = parser_->get();
    Attempt attempt;
    attempt.status = static_cast<int>(response.result_int());
    attempt.reason = std::string(response.reason());
    attempt.request_id = std::string(response["X-Request-Id"]);
    attempt.retry_after = std::string(response[http::field::retry_after]);
    attempt.rate_limit_reset = std::string(response["X-RateLimit-Reset"]);
    const bool keep = response.keep_alive();
    attempt.body = std::move(response.body());
    parser_.reset();
    if (!keep) close();
    finish(std::move(attempt));
  }

  asio::io_context& io_;
  std::shared_ptr<Context> context_;
  const detail::Endpoint& endpoint_;  // in context_
  const HttpOptions& options_;        // in context_
  int id_ = 0;
  bool shut_ = false;
  tcp::resolver resolver_;
  std::vector<tcp::endpoint> endpoints_;
  std::optional<beast::tcp_stream> stream_;  // while connecting
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  const std::string* request_ = nullptr;
  std::size_t sent_ = 0;
  milliseconds timeout_{0};
  bool busy_ = false;
  bool reused_ = false;
  bool repeatable_ = false;
  Done done_;
};

// One request through its attempts.
struct Pending {
  HttpRequest request;
  std::string text;  // the request as sent, keys included: never logged
  std::string name;  // describe(request)
  HttpCallback done;
  int attempts = 0;
  int transient_retries = 0;
  int rate_limit_retries = 0;
  TimerHandle wait;
};

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  Impl(asio::io_context& context, HttpOptions opts)
      : io(context),
        shared(make_context(std::move(opts))),
        options(shared->options),
        endpoint(shared->endpoint) {
    // The keys go into header lines as they are: a line break in one would forge headers.
    for (const config::Secret* secret : {&options.api_key, &options.secret_key}) {
      if (!secret->empty() && !detail::is_token(secret->reveal())) {
        throw ParseError("an API key without spaces or control characters", secret->masked());
      }
    }
    if (endpoint.tls) {
      shared->tls.emplace(detail::client_context(options.ca_file, endpoint.authority));
    }
    if (options.timers == nullptr) {
      own_timers = steady_timers(io);
      options.timers = own_timers.get();
    }
    options.max_connections = std::max<std::size_t>(1, options.max_connections);
  }

  static std::shared_ptr<Context> make_context(HttpOptions opts) {
    detail::Endpoint where = detail::parse_endpoint(opts.base_url, detail::Scheme::http);
    return std::make_shared<Context>(std::move(opts), std::move(where));
  }

  [[nodiscard]] std::string scrubbed(std::string text) const {
    for (const config::Secret* secret : {&options.api_key, &options.secret_key}) {
      if (secret->empty()) continue;
      const std::string& value = secret->reveal();
      const std::string masked = secret->masked();
      for (std::size_t at = text.find(value); at != std::string::npos;
           at = text.find(value, at + masked.size())) {
        text.replace(at, value.size(), masked);
      }
    }
    return text;
  }

  [[nodiscard]] std::string describe(const HttpRequest& request) const {
    const std::string_view target = request.target;
    std::string out = std::string(method_name(request.method)) + " " + endpoint.authority +
                      endpoint.path + std::string(target.substr(0, target.find('?')));
    if (!request.label.empty()) out += " [" + request.label + "]";
    return scrubbed(std::move(out));
  }

  std::string compose(const HttpRequest& request) const {
    std::string text = std::string(method_name(request.method)) + " " + endpoint.path +
                       request.target + " HTTP/1.1\r\nHost: " + endpoint.authority +
                       "\r\nUser-Agent: libtrader/0.1\r\nAccept: application/json\r\n";
    if (!options.api_key.empty()) {
      text += "APCA-API-KEY-ID: " + options.api_key.reveal() + "\r\n";
    }
    if (!options.secret_key.empty()) {
      text += "APCA-API-SECRET-KEY: " + options.secret_key.reveal() + "\r\n";
    }
    if (!request.body.empty() || request.method == Method::post ||
        request.method == Method::patch) {
      if (!request.body.empty()) text += "Content-Type: application/json\r\n";
      text += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
    }
    text += "Connection: keep-alive\r\n\r\n";
    text += request.body;
    return text;
  }

  void start(HttpRequest request, HttpCallback done) {
    auto pending = std::make_shared<Pending>();
    pending->name = describe(request);
    if (request.target.empty() || request.target.front() != '/' ||
        !detail::is_token(request.target)) {
      // Refused before anything is sent; answered from the loop like every other result.
      HttpResult result;
      result.failure = Failure::request;
      result.message = "the target must start with '/' and hold no spaces or control characters";
      asio::post(io, [weak = weak_from_this(), done = std::move(done),
                      result = std::move(result)]() mutable {
        if (const auto self = weak.lock(); self && !self->closed) done(std::move(result));
      });
      return;
    }
    pending->text = compose(request);
    pending->request = std::move(request);
    pending->done = std::move(done);
    queue.push_back(std::move(pending));
    ++outstanding;
    // Dispatched from the loop, never from inside request(): a callback never runs before
    // request() has returned.
    asio::post(io, [weak = weak_from_this()] {
      if (const auto self = weak.lock(); self && !self->closed) self->dispatch();
    });
  }

  void dispatch() {
    while (!queue.empty()) {
      std::shared_ptr<Connection> free;
      for (const auto& connection : connections) {
        if (connection->busy()) continue;
        // An open one first: that is the point of keeping it alive.
        if (connection->connected()) {
          free = connection;
          break;
        }
        if (!free) free = connection;
      }
      if (!free) {
        if (connections.size() >= options.max_connections) return;
        free = std::make_shared<Connection>(io, shared);
        connections.push_back(free);
      }
      std::shared_ptr<Pending> pending = std::move(queue.front());
      queue.pop_front();
      ++pending->attempts;
      const HttpRequest& request = pending->request;
      const milliseconds timeout =
          request.timeout.count() > 0 ? request.timeout : options.request_timeout;
      free->run(&pending->text, timeout, repeatable(request),
                [weak = weak_from_this(), connection = free, pending](Attempt attempt) {
                  if (const auto self = weak.lock(); self && !self->closed) {
                    self->finished(connection, pending, std::move(attempt));
                  }
                });
    }
  }

  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const {
    return options.wall_clock ? options.wall_clock() : std::chrono::system_clock::now();
  }

  static bool repeatable(const HttpRequest& request) {
    switch (request.repeat) {
      case Repeat::safe:
        return true;
      case Repeat::never:
        return false;
      case Repeat::if_idempotent:
        return request.method == Method::get || request.method == Method::del;
    }
    return false;
  }

  [[nodiscard]] milliseconds backoff(const RetryPolicy& policy, int retry) const {
    double delay = static_cast<double>(policy.backoff_initial.count());
    const auto cap = static_cast<double>(policy.backoff_max.count());
    for (int i = 1; i < retry && delay < cap; ++i) delay *= policy.backoff_multiplier;
    return milliseconds(static_cast<std::int64_t>(std::min(delay, cap)));
  }

  void finished(const std::shared_ptr<Connection>& connection,
                const std::shared_ptr<Pending>& pending, Attempt attempt) {
    if (!connection->connected()) {
      std::erase(connections, connection);
    }
    const RetryPolicy& policy = pending->request.retry;
    HttpResult result;
    result.attempts = pending->attempts;
    result.connection_id = connection->id();
    result.status = attempt.status;
    result.reason = attempt.reason;
    result.request_id = attempt.request_id;
    result.retry_after = attempt.retry_after;

    const bool budget = pending->attempts < std::max(1, policy.max_attempts);
    bool transient = false;     // retry under transient_retries
    bool rate_limited = false;  // retry under rate_limit_retries
    std::optional<milliseconds> told;
    switch (attempt.outcome) {
      case Attempt::Outcome::response: {
        const int status = attempt.status;
        if (status >= 200 && status < 300) {
          result.body = std::move(attempt.body);
          break;
        }
        // A broken server could echo our keys, and the message quotes the body cut short: so
        // the keys are masked before it is cut, never after.
        result.body = scrubbed(std::move(attempt.body));
        result.message = scrubbed(error_message(result.body, attempt.reason));
        if (status == 401 || status == 403) {
          result.failure = Failure::auth;
          if (status == 401 && !options.auth_hint.empty()) {
            result.message += "; " + options.auth_hint;
            if (!options.api_key.empty()) result.message += "; key id " + options.api_key.masked();
          }
        } else if (status == 429) {
          result.failure = Failure::rate_limit;
          rate_limited = true;
          if (const auto wait = retry_after(attempt.retry_after)) {
            told = std::min(*wait, policy.retry_after_max);
          } else if (policy.use_rate_limit_reset) {
            if (const auto reset = until_reset(attempt.rate_limit_reset, wall_now())) {
              told = std::min(*reset, policy.retry_after_max);
            }
          }
        } else if (status >= 500) {
          result.failure = Failure::server;
          transient = repeatable(pending->request);
        } else if (status >= 400) {
          result.failure = Failure::request;
        } else {
          result.failure = Failure::unexpected;
          result.message = "unexpected status: " + result.message;
        }
        break;
      }
      case Attempt::Outcome::not_sent:
        result.failure = attempt.timeout ? Failure::timeout : Failure::connection;
        result.message = scrubbed(attempt.detail);
        transient = true;  // nothing reached the server
        break;
      case Attempt::Outcome::lost:
      case Attempt::Outcome::timed_out:
        result.failure =
            attempt.outcome == Attempt::Outcome::lost ? Failure::connection : Failure::timeout;
        result.message = scrubbed(attempt.detail);
        transient = repeatable(pending->request);
        break;
      case Attempt::Outcome::certificate:
        result.failure = Failure::certificate;
        result.message = scrubbed(attempt.detail);
        break;
    }

    bool again = false;
    if (budget && transient && pending->transient_retries < policy.transient_retries) {
      ++pending->transient_retries;
      again = true;
    } else if (budget && rate_limited && pending->rate_limit_retries < policy.rate_limit_retries) {
      ++pending->rate_limit_retries;
      again = true;
    }
    if (again) {
      const milliseconds delay = told ? *told : backoff(policy, pending->attempts);
      log::warning(options.log_event,
                   {{"request", pending->name},
                    {"reason", result.status != 0
                                   ? "HTTP " + std::to_string(result.status) + ": " + result.message
                                   : result.message},
                    {"attempt",
                     std::to_string(pending->attempts) + "/" + std::to_string(policy.max_attempts)},
                    {"wait_ms", std::to_string(delay.count())},
                    {"request_id", result.request_id}});
      waiting.push_back(pending);
      pending->wait = options.timers->start(delay, [weak = weak_from_this(), pending] {
        const auto self = weak.lock();
        if (!self || self->closed) return;
        std::erase(self->waiting, pending);
        self->queue.push_back(pending);
        self->dispatch();
      });
      dispatch();
      return;
    }
    if (!result.ok() && pending->attempts > 1) {
      result.message += " (gave up after " + std::to_string(pending->attempts) + " attempts)";
    }
    --outstanding;
    dispatch();
    // Last: the callback may queue further requests, or destroy the client.
    const auto keep = shared_from_this();
    HttpCallback done = std::move(pending->done);
    done(std::move(result));
  }

  void shutdown() {
    closed = true;
    queue.clear();
    for (const auto& connection : connections) connection->shut();
    connections.clear();
    for (const auto& pending : waiting) pending->wait.cancel();
  }

  asio::io_context& io;
  std::shared_ptr<Context> shared;
  HttpOptions& options;              // in shared
  const detail::Endpoint& endpoint;  // in shared
  std::unique_ptr<TimerSource> own_timers;
  std::vector<std::shared_ptr<Connection>> connections;
  std::deque<std::shared_ptr<Pending>> queue;     // waiting for a connection
  std::vector<std::shared_ptr<Pending>> waiting;  // waiting for their next attempt
  std::size_t outstanding = 0;
  bool closed = false;
};

HttpClient::HttpClient(boost::asio::io_context& io, HttpOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

HttpClient::~HttpClient() { impl_->shutdown(); }

void HttpClient::request(HttpRequest request, HttpCallback done) {
  impl_->start(std::move(request), std::move(done));
}

std::string HttpClient::describe(const HttpRequest& request) const {
  return impl_->describe(request);
}

std::string HttpClient::scrubbed(std::string text) const {
  return impl_->scrubbed(std::move(text));
}

std::size_t HttpClient::open_connections() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(impl_->connections.begin(), impl_->connections.end(),
                    [](const auto& connection) { return connection->connected(); }));
}

int HttpClient::connections_opened() const noexcept { return impl_->shared->opened; }

std::size_t HttpClient::pending() const noexcept { return impl_->outstanding; }

}  // namespace trader::net
