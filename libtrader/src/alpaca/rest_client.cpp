#include "alpaca/rest_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <thread>

#include "alpaca/exact_json.hpp"
#include <trader/alpaca/error.hpp>
#include <trader/config/url.hpp>
#include <trader/log/log.hpp>

namespace trader::alpaca::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using std::chrono::milliseconds;

// A 10,000-bar page is about 1.3 MB; Beast's default limit (8 MB) is near enough to matter
// for wide multi-symbol pages, and a runaway body must still end somewhere.
constexpr std::uint64_t kMaxBodyBytes = 64ULL * 1024 * 1024;
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;  // bytes asked of one read

struct BaseUrl {
  bool tls = false;
  std::string host;       // without IPv6 brackets
  std::string port;       // "443" when the URL had none
  std::string authority;  // as the URL spelled it: the Host header and the name in errors
  std::string prefix;     // path before every request path, without a trailing '/'
  bool host_is_ip = false;
};

// Non-empty, printable, no spaces: safe to put into a request line or header as it is.
bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isgraph(static_cast<unsigned char>(c)) != 0;
  });
}

BaseUrl parse_base_url(std::string_view url) {
  // The URL is not quoted: it may hold user:password@ (issue 11 item 3).
  const auto fail = [&]() -> BaseUrl {
    throw ParseError("an http:// or https:// URL with a host (base_url)",
                     "(not shown: it may hold credentials)");
  };
  BaseUrl out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    out.tls = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return fail();
  }
  const std::size_t slash = rest.find_first_of("/?#");
  out.authority = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    if (rest[slash] != '/') return fail();  // a query or fragment has no meaning in a base
    out.prefix = std::string(rest.substr(slash));
    while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  }
  // Credentials in a URL would end up in error messages; the keys go in headers only.
  if (!is_token(out.authority) || out.authority.find('@') != std::string::npos) return fail();
  std::string_view host = out.authority;
  std::string_view port;
  if (host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return fail();
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return fail();
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return fail();
  out.host = std::string(host);
  if (port.empty()) {
    out.port = out.tls ? "443" : "80";
  } else {
    int number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (error != std::errc{} || end != port.data() + port.size() || number < 1 || number > 65535) {
      return fail();
    }
    out.port = std::string(port);
  }
  error_code ec;
  static_cast<void>(asio::ip::make_address(out.host, ec));
  out.host_is_ip = !ec;
  // Issue 11 item 5: every request carries the keys; without TLS only to this machine.
  if (!out.tls && !config::is_loopback_host(out.host)) {
    throw ParseError(
        "https:// (http:// only for a loopback host: the API keys would travel in "
        "clear text) (base_url)",
        out.authority);
  }
  return out;
}

std::string to_text(milliseconds duration) { return std::to_string(duration.count()) + " ms"; }

std::string trimmed(std::string_view text) {
  const auto is_blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return std::string(text);
}

// One line of at most 200 characters: what an error may quote from a body of unknown form.
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
    const JsonValue doc = parse_json(body);
    if (const JsonValue* message = doc.find("message");
        message != nullptr && message->is(JsonValue::Kind::string)) {
      std::string out = one_line(message->text());
      if (const JsonValue* code = doc.find("code");
          code != nullptr && code->is(JsonValue::Kind::number)) {
        out += " (code " + code->text() + ")";
      }
      return out;
    }
  } catch (const ParseError&) {
    // Not JSON: an HTML page or plain text, handled below.
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

// What came back from one attempt: a response, or why none did.
struct Attempt {
  enum class Failure : std::uint8_t { none, connection, timeout };
  Failure failure = Failure::none;
  std::string detail;  // for a failure
  int status = 0;
  std::string reason;
  std::string body;
  std::string request_id;
  std::string retry_after;
};

}  // namespace

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

// The completion handler of every asynchronous operation below: one type, so each operation is
// instantiated once (Asio's and Beast's templates dominate this file's compile time).
struct Completion {
  error_code* result;
  std::size_t* bytes;
  void operator()(error_code ec, std::size_t n = 0) const {
    *result = ec;
    if (bytes != nullptr) *bytes = n;
  }
  void operator()(error_code ec, const tcp::endpoint&) const { *result = ec; }
};

struct RestClient::Impl {
  explicit Impl(ClientOptions opts)
      : options(std::move(opts)), url(parse_base_url(options.base_url)) {
    // The keys go into header lines as they are: a line break in one would forge headers.
    for (const config::Secret* secret : {&options.api_key, &options.secret_key}) {
      if (!is_token(secret->reveal())) {
        throw AuthError("Alpaca " + url.authority, 0,
                        "an API key contains a space or control character: " + secret->masked());
      }
    }
    if (!options.sleep) {
      options.sleep = [](milliseconds duration) { std::this_thread::sleep_for(duration); };
    }
    if (url.tls) {
      tls.emplace(ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
      error_code ec;
      tls->set_default_verify_paths(ec);  // an empty system store only means fewer trusted CAs
      if (!options.ca_file.empty()) {
        tls->load_verify_file(options.ca_file, ec);
        if (ec) {
          throw CertificateError(
              "Alpaca " + url.authority,
              "cannot load the CA file " + options.ca_file + ": " + ec.message());
        }
      }
      tls->set_verify_mode(ssl::verify_peer);
    }
  }

  ~Impl() { disconnect(); }

  // Runs the io_context until the one operation just started (with done() as its handler) has
  // completed; its error. Beast's tcp_stream expiry, set before, turns a stall into a timeout.
  error_code wait() {
    io.restart();
    io.run();
    return last_error;
  }
  Completion done(std::size_t* bytes = nullptr) { return Completion{&last_error, bytes}; }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  [[nodiscard]] bool connected() const { return secure || plain; }

  void disconnect() {
    error_code ignored;
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    if (plain) plain->socket().close(ignored);
    secure.reset();
    plain.reset();
    buffer.clear();
  }

  // Opens a connection; a failure comes back in `attempt`. A refused certificate throws: no
  // retry would change it.
  bool connect(const std::string& request, Attempt& attempt) {
    disconnect();
    tcp::resolver resolver(io);
    // The system resolver has its own timeouts (resolv.conf); Asio cannot interrupt it.
    error_code resolved;
    const tcp::resolver::results_type endpoints = resolver.resolve(url.host, url.port, resolved);
    if (resolved) {
      attempt.failure = Attempt::Failure::connection;
      attempt.detail = "cannot resolve " + url.host + ": " + resolved.message();
      return false;
    }
    beast::tcp_stream stream(io);
    stream.expires_after(options.connect_timeout);
    stream.async_connect(endpoints, done());
    if (const error_code ec = wait()) {
      const bool timed_out = ec == beast::error::timeout;
      attempt.failure = timed_out ? Attempt::Failure::timeout : Attempt::Failure::connection;
      attempt.detail = timed_out ? "connecting to " + url.authority + " took longer than " +
                                       to_text(options.connect_timeout)
                                 : "cannot connect to " + url.authority + ": " + ec.message();
      return false;
    }
    if (!url.tls) {
      plain.emplace(std::move(stream));
      return true;
    }
    secure.emplace(std::move(stream), *tls);
    SSL* const handle = secure->native_handle();
    X509_VERIFY_PARAM* const verify = SSL_get0_param(handle);
    if (url.host_is_ip) {
      // RFC 6066 forbids SNI with an address; the certificate must name the IP instead.
      X509_VERIFY_PARAM_set1_ip_asc(verify, url.host.c_str());
    } else {
      SSL_set_tlsext_host_name(handle, url.host.c_str());
      X509_VERIFY_PARAM_set_hostflags(verify, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(verify, url.host.c_str(), 0);
    }
    beast::get_lowest_layer(*secure).expires_after(options.connect_timeout);
    secure->async_handshake(ssl::stream_base::client, done());
    const error_code handshake = wait();
    if (!handshake) return true;
    const long verified = SSL_get_verify_result(handle);
    disconnect();
    if (handshake == beast::error::timeout) {
      attempt.failure = Attempt::Failure::timeout;
      attempt.detail = "the TLS handshake with " + url.authority + " took longer than " +
                       to_text(options.connect_timeout);
      return false;
    }
    if (verified != X509_V_OK) {
      throw CertificateError(request, "the TLS certificate of " + url.authority + " was refused: " +
                                          X509_verify_cert_error_string(verified));
    }
    attempt.failure = Attempt::Failure::connection;
    attempt.detail = "the TLS handshake with " + url.authority + " failed: " + handshake.message();
    return false;
  }

  error_code write_some(asio::const_buffer data, std::size_t& written) {
    if (secure) {
      secure->async_write_some(data, done(&written));
    } else {
      plain->async_write_some(data, done(&written));
    }
    return wait();
  }

  error_code read_some(asio::mutable_buffer space, std::size_t& received) {
    if (secure) {
      secure->async_read_some(space, done(&received));
    } else {
      plain->async_read_some(space, done(&received));
    }
    return wait();
  }

  // Sends the request and reads the response on the open connection. `stale` is set when the
  // connection turned out to be closed before any byte of a response arrived: a kept-alive
  // connection the server has dropped, which is worth one immediate retry on a new one.
  //
  // The loops below stand in for http::async_write/async_read: those composed operations,
  // instantiated for both stream types, tripled this file's compile time.
  Attempt exchange(const std::string& request, bool& stale) {
    Attempt attempt;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    parser.eager(true);
    lowest().expires_after(options.read_timeout);
    const auto fail = [&](const error_code& ec) {
      stale = !parser.got_some() && ec != beast::error::timeout;
      const bool timed_out = ec == beast::error::timeout;
      attempt.failure = timed_out ? Attempt::Failure::timeout : Attempt::Failure::connection;
      attempt.detail = timed_out
                           ? "no complete response from " + url.authority + " within " +
                                 to_text(options.read_timeout)
                           : "the connection to " + url.authority + " failed: " + ec.message();
      disconnect();
      return attempt;
    };
    for (std::size_t sent = 0; sent < request.size();) {
      std::size_t written = 0;
      if (const error_code ec =
              write_some(asio::buffer(request.data() + sent, request.size() - sent), written)) {
        return fail(ec);
      }
      sent += written;
    }
    while (!parser.is_done()) {
      if (buffer.size() != 0) {
        error_code parsed;
        const std::size_t used = parser.put(buffer.data(), parsed);
        buffer.consume(used);
        if (parser.is_done()) break;
        if (parsed && parsed != http::error::need_more) {
          disconnect();
          attempt.failure = Attempt::Failure::connection;
          attempt.detail =
              "malformed HTTP response from " + url.authority + ": " + parsed.message();
          return attempt;
        }
        if (!parsed && used != 0) continue;
      }
      std::size_t received = 0;
      const error_code ec = read_some(buffer.prepare(kReadChunk), received);
      buffer.commit(received);
      if (ec == asio::error::eof && parser.got_some()) {
        // A body that ends with the connection (no Content-Length) is complete only now.
        error_code ended;
        parser.put_eof(ended);
        if (ended) return fail(ended);
        break;
      }
      if (ec) return fail(ec);
    }
    auto& response = parser.get();
    attempt.status = static_cast<int>(response.result_int());
    attempt.reason = std::string(response.reason());
    attempt.request_id = std::string(response["X-Request-Id"]);
    attempt.retry_after = std::string(response[http::field::retry_after]);
    if (!response.keep_alive()) disconnect();
    attempt.body = std::move(response.body());
    return attempt;
  }

  Attempt attempt_once(const std::string& request, const std::string& label) {
    const bool reused = connected();
    Attempt attempt;
    if (!reused && !connect(label, attempt)) return attempt;
    bool stale = false;
    attempt = exchange(request, stale);
    if (attempt.failure == Attempt::Failure::none || !(reused && stale)) return attempt;
    attempt = {};
    if (!connect(label, attempt)) return attempt;
    return exchange(request, stale);
  }

  [[nodiscard]] milliseconds backoff(int retry) const {
    milliseconds delay = options.backoff_initial;
    for (int i = 1; i < retry && delay < options.backoff_max; ++i) delay *= 2;
    return std::min(delay, options.backoff_max);
  }

  ClientOptions options;
  BaseUrl url;
  asio::io_context io{1};
  std::optional<ssl::context> tls;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  error_code last_error;  // of the operation wait() ran
};

RestClient::RestClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

RestClient::~RestClient() = default;

std::string RestClient::describe(std::string_view path, std::string_view label) const {
  std::string out = "GET " + impl_->url.authority + impl_->url.prefix + std::string(path);
  if (!label.empty()) out += " [" + std::string(label) + "]";
  return out;
}

std::string RestClient::scrubbed(std::string text) const {
  for (const config::Secret* secret : {&impl_->options.api_key, &impl_->options.secret_key}) {
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

RestResponse RestClient::get(std::string_view path, const std::vector<QueryParameter>& query,
                             std::string_view label) {
  Impl& impl = *impl_;
  std::string target = impl.url.prefix + std::string(path);
  for (std::size_t i = 0; i < query.size(); ++i) {
    target += i == 0 ? '?' : '&';
    target += percent_encode(query[i].name) + '=' + percent_encode(query[i].value);
  }
  // Written by hand: a GET with fixed headers is all this client sends.
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + impl.url.authority +
                        "\r\nUser-Agent: libtrader/0.1\r\nAccept: application/json\r\n"
                        "APCA-API-KEY-ID: " +
                        impl.options.api_key.reveal() +
                        "\r\nAPCA-API-SECRET-KEY: " + impl.options.secret_key.reveal() +
                        "\r\nConnection: keep-alive\r\n\r\n";

  const std::string name = describe(path, label);
  const int attempts = std::max(1, impl.options.max_attempts);
  for (int attempt = 1;; ++attempt) {
    Attempt result = impl.attempt_once(request, name);
    const bool last = attempt >= attempts;
    const std::string tries =
        attempts == 1 ? std::string{} : " (gave up after " + std::to_string(attempt) + " attempts)";
    milliseconds delay = impl.backoff(attempt);
    std::string why;
    if (result.failure != Attempt::Failure::none) {
      if (last) {
        if (result.failure == Attempt::Failure::timeout) {
          throw TimeoutError(name, scrubbed(result.detail) + tries);
        }
        throw ConnectionError(name, scrubbed(result.detail) + tries);
      }
      why = result.detail;
    } else if (result.status >= 200 && result.status < 300) {
      return RestResponse{result.status, std::move(result.body), result.request_id, attempt - 1};
    } else {
      std::string message = scrubbed(error_message(result.body, result.reason));
      const int status = result.status;
      if (status == 401 || status == 403) {
        if (status == 401) {
          message +=
              "; check the key id and secret key (ALGO_BROKER__API_KEY, "
              "ALGO_BROKER__SECRET_KEY)";
        }
        throw AuthError(name, status, std::move(message), result.request_id);
      }
      if (status == 429 || status >= 500) {
        if (last) {
          if (status == 429) throw RateLimitError(name, status, message + tries, result.request_id);
          throw ServerError(name, status, message + tries, result.request_id);
        }
        if (const auto wait = retry_after(result.retry_after)) {
          delay = std::min(*wait, impl.options.backoff_max);
        }
        why = "HTTP " + std::to_string(status) + ": " + message;
      } else if (status >= 400) {
        throw RequestError(name, status, std::move(message), result.request_id);
      } else {
        // 1xx and 3xx: Alpaca never redirects (the SDKs refuse to follow), so this is not it.
        throw ResponseError(name, status, "unexpected status: " + message, result.request_id);
      }
    }
    log::warning("alpaca_retry",
                 {{"request", name},
                  {"reason", scrubbed(why)},
                  {"attempt", std::to_string(attempt) + "/" + std::to_string(attempts)},
                  {"wait_ms", std::to_string(delay.count())},
                  {"request_id", result.request_id}});
    impl.options.sleep(delay);
  }
}

}  // namespace trader::alpaca::detail
