#include "support/alpaca_double.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>

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
#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <trader/core/error.hpp>
#include <trader/core/json_text.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr int kRateLimit = 200;  // requests per minute of the free data plan

// nginx's page for a refused key: the data API's 401 is HTML, not JSON.
constexpr std::string_view kUnauthorizedPage =
    "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n"
    "<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n";

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
      out += ' ';  // form encoding, as Go's url.ParseQuery reads it
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

std::string base64_encode(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(text.data()),
                                   static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(size));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(text.data()),
                                   static_cast<int>(text.size()));
  if (size < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes.
  const auto padding = static_cast<std::size_t>(std::count(text.end() - 2, text.end(), '='));
  out.resize(static_cast<std::size_t>(size) - padding);
  return out;
}

// RFC-3339 with a zone, or a bare date (its start, UTC), as the bars endpoint accepts.
std::optional<core::Timestamp> parse_time(const std::string& text) {
  try {
    if (text.size() == 10) return core::start_of_day(core::parse_date(text));
    return core::parse_timestamp(text);
  } catch (const trader::ParseError&) {
    return std::nullopt;
  }
}

// [1-59]Min|T, [1-23]Hour|H, 1Day|D, 1Week|W, [1,2,3,4,6,12]Month|M: what Alpaca accepts.
bool valid_timeframe(std::string_view timeframe) {
  std::size_t digits = 0;
  while (digits < timeframe.size() && std::isdigit(static_cast<unsigned char>(timeframe[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits > 2) return false;
  int amount = 0;
  std::from_chars(timeframe.data(), timeframe.data() + digits, amount);
  const std::string_view unit = timeframe.substr(digits);
  if (unit == "Min" || unit == "T") return amount >= 1 && amount <= 59;
  if (unit == "Hour" || unit == "H") return amount >= 1 && amount <= 23;
  if (unit == "Day" || unit == "D" || unit == "Week" || unit == "W") return amount == 1;
  if (unit == "Month" || unit == "M") {
    return amount == 1 || amount == 2 || amount == 3 || amount == 4 || amount == 6 || amount == 12;
  }
  return false;
}

bool valid_adjustment(std::string_view adjustment) {
  static const std::set<std::string_view> kKnown{"raw", "split", "dividend", "spin-off", "all"};
  std::size_t from = 0;
  for (;;) {
    const std::size_t comma = adjustment.find(',', from);
    if (kKnown.count(adjustment.substr(from, comma - from)) == 0) return false;
    if (comma == std::string_view::npos) return true;
    from = comma + 1;
  }
}

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

Reply message_reply(int status, std::string_view message) {
  std::string body = "{\"message\":";
  core::append_json_string(body, message);
  return Reply{status, body + "}", "application/json", {}};
}

struct StoredBar {
  core::Timestamp ts;
  DoubleBar wire;
};

// One item of a bars response, in the order Alpaca pages them: symbol, then time.
struct Item {
  const std::string* symbol;
  const StoredBar* bar;
};

void append_bar(std::string& out, const DoubleBar& bar) {
  out += "{\"t\":";
  core::append_json_string(out, bar.t);
  out += ",\"o\":" + bar.o + ",\"h\":" + bar.h + ",\"l\":" + bar.l + ",\"c\":" + bar.c +
         ",\"v\":" + bar.v + ",\"n\":" + bar.n;
  if (!bar.vw.empty()) out += ",\"vw\":" + bar.vw;
  out += '}';
}

}  // namespace

std::string RecordedRequest::param(const std::string& name) const {
  const auto it = query.find(name);
  return it == query.end() ? std::string{} : it->second;
}

std::string RecordedRequest::header(std::string_view name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

namespace {

// The server behind AlpacaDouble: its socket, its thread and the market it answers from.
struct Server {
  explicit Server(AlpacaDoubleOptions opts) : options(std::move(opts)) {
    if (options.tls) {
      tls.emplace(ssl::context::tls_server);
      tls->use_certificate_chain(asio::buffer(options.tls->certificate_pem));
      tls->use_private_key(asio::buffer(options.tls->private_key_pem), ssl::context::pem);
    }
    const tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(local.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(local);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
  }

  // Records the request and decides the reply; nullopt in hang mode. Called on the server
  // thread; the test thread changes the settings under the same mutex.
  std::optional<Reply> answer(const http::request<http::string_body>& request, int connection,
                              const std::string& server_name) {
    const std::lock_guard lock(mutex);
    RecordedRequest record;
    record.method = std::string(request.method_string());
    record.target = std::string(request.target());
    const std::size_t question = record.target.find('?');
    record.path = record.target.substr(0, question);
    if (question != std::string::npos) {
      const std::string_view query = std::string_view(record.target).substr(question + 1);
      std::size_t from = 0;
      while (from <= query.size()) {
        const std::size_t amp = std::min(query.find('&', from), query.size());
        const std::string_view pair = query.substr(from, amp - from);
        const std::size_t equals = pair.find('=');
        if (!pair.empty()) {
          record.query[percent_decode(pair.substr(0, equals))] =
              equals == std::string_view::npos ? std::string{}
                                               : percent_decode(pair.substr(equals + 1));
        }
        from = amp + 1;
      }
    }
    for (const auto& field : request) {
      record.headers[lower(field.name_string())] = std::string(field.value());
    }
    record.server_name = server_name;
    record.connection = connection;
    if (hang) {
      recorded.push_back(std::move(record));
      return std::nullopt;
    }
    Reply reply = respond(record);
    decorate(reply);
    record.response_status = reply.status;
    record.response_body = reply.body;
    recorded.push_back(std::move(record));
    return reply;
  }

  Reply respond(const RecordedRequest& request) {
    if (!canned.empty()) {
      CannedResponse next = std::move(canned.front());
      canned.pop_front();
      return Reply{next.status, std::move(next.body), std::move(next.content_type),
                   std::move(next.headers)};
    }
    if (request.header("APCA-API-KEY-ID") != options.api_key ||
        request.header("APCA-API-SECRET-KEY") != options.secret_key) {
      return Reply{401, std::string(kUnauthorizedPage), "text/html", {}};
    }
    if (request.method != "GET") return message_reply(405, "method not allowed");
    if (request.path == "/v2/stocks/bars") return bars(request, std::nullopt);
    constexpr std::string_view kPrefix = "/v2/stocks/";
    constexpr std::string_view kSuffix = "/bars";
    const std::string_view path = request.path;
    if (path.starts_with(kPrefix) && path.ends_with(kSuffix) &&
        path.size() > kPrefix.size() + kSuffix.size()) {
      return bars(request, std::string(path.substr(kPrefix.size(),
                                                   path.size() - kPrefix.size() - kSuffix.size())));
    }
    return message_reply(404, "Not Found");
  }

  // Both bars endpoints; `single` is the symbol of /v2/stocks/{symbol}/bars.
  Reply bars(const RecordedRequest& request, const std::optional<std::string>& single) {
    const auto now =
        std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now());
    std::vector<std::string> symbols;
    if (single) {
      symbols.push_back(*single);
    } else {
      const std::string list = request.param("symbols");
      if (list.empty()) return message_reply(400, "missing symbols");
      std::size_t from = 0;
      for (;;) {
        const std::size_t comma = list.find(',', from);
        symbols.push_back(list.substr(from, comma - from));
        if (comma == std::string::npos) break;
        from = comma + 1;
      }
      std::sort(symbols.begin(), symbols.end());
      symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
    }
    const std::string timeframe = request.param("timeframe");
    if (!valid_timeframe(timeframe)) return message_reply(400, "invalid timeframe: " + timeframe);
    int limit = 1000;
    if (request.has("limit")) {
      const std::string text = request.param("limit");
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (error != std::errc{} || end != text.data() + text.size() || limit < 1 || limit > 10'000) {
        return message_reply(400, "invalid limit: " + text);
      }
    }
    core::Timestamp start = core::start_of_day(core::utc_date(now));
    core::Timestamp end = now;
    for (const auto& [name, bound] : {std::pair{"start", &start}, std::pair{"end", &end}}) {
      if (!request.has(name)) continue;
      const std::string text = request.param(name);
      const auto parsed = parse_time(text);
      if (!parsed) {
        return message_reply(400, std::string("Invalid format for parameter ") + name +
                                      ": error parsing '" + text +
                                      "' as RFC3339 or 2006-01-02 time");
      }
      *bound = *parsed;
    }
    const std::string feed = request.has("feed") ? request.param("feed") : "sip";
    static const std::set<std::string> kFeeds{"sip", "iex",         "boats",
                                              "otc", "delayed_sip", "overnight"};
    if (kFeeds.count(feed) == 0) return message_reply(400, "invalid feed: " + feed);
    if (request.has("adjustment") && !valid_adjustment(request.param("adjustment"))) {
      return message_reply(400, "invalid adjustment: " + request.param("adjustment"));
    }
    const std::string sort = request.has("sort") ? request.param("sort") : "asc";
    if (sort != "asc" && sort != "desc") return message_reply(400, "invalid sort: " + sort);
    if (free_plan && feed == "sip" && end > now - std::chrono::minutes(15)) {
      return message_reply(403, "subscription does not permit querying recent SIP data");
    }

    std::vector<Item> items;
    for (const std::string& symbol : symbols) {
      const auto found = market.find(symbol);
      if (found == market.end()) continue;  // unknown: simply absent, as on Alpaca
      const std::size_t first = items.size();
      for (const StoredBar& bar : found->second) {
        if (bar.ts >= start && bar.ts <= end) items.push_back(Item{&found->first, &bar});
      }
      if (sort == "desc") std::reverse(items.begin() + static_cast<long>(first), items.end());
    }
    std::size_t from = 0;
    if (request.has("page_token")) {
      const auto token = base64_decode(request.param("page_token"));
      const auto at =
          !token ? items.end() : std::find_if(items.begin(), items.end(), [&](const Item& item) {
            return *token == *item.symbol + "|M|" + core::format_timestamp(item.bar->ts);
          });
      if (at == items.end()) return message_reply(400, "invalid page_token");
      from = static_cast<std::size_t>(at - items.begin()) + 1;
    }
    const std::size_t to = std::min(items.size(), from + static_cast<std::size_t>(limit));

    std::string body = single ? "{\"bars\":" : "{\"bars\":{";
    if (single && from == to) body += "null";  // the single endpoint's empty shape
    if (single && from != to) body += '[';
    const std::string* open_symbol = nullptr;
    for (std::size_t i = from; i < to; ++i) {
      if (!single && items[i].symbol != open_symbol) {
        if (open_symbol != nullptr) body += "],";
        core::append_json_string(body, *items[i].symbol);
        body += ":[";
        open_symbol = items[i].symbol;
      } else if (i != from) {
        body += ',';
      }
      append_bar(body, items[i].bar->wire);
    }
    if (!single) body += open_symbol != nullptr ? "]}" : "}";
    if (single && from != to) body += ']';
    body += ",\"next_page_token\":";
    if (to < items.size()) {
      const Item& last = items[to - 1];
      core::append_json_string(
          body, base64_encode(*last.symbol + "|M|" + core::format_timestamp(last.bar->ts)));
    } else {
      body += "null";
    }
    if (single) {
      body += ",\"symbol\":";
      core::append_json_string(body, *single);
    }
    return Reply{200, body + "}", "application/json", {}};
  }

  // Headers every Alpaca response carries (rate limit, request id) unless a canned reply has them.
  void decorate(Reply& reply) {
    ++served;
    const auto has = [&](std::string_view name) {
      return std::any_of(reply.headers.begin(), reply.headers.end(),
                         [&](const auto& header) { return lower(header.first) == lower(name); });
    };
    char id[33];
    std::snprintf(id, sizeof id, "%032llx",
                  static_cast<unsigned long long>(served) * 0x9e3779b97f4a7c15ULL);
    if (!has("X-Request-Id")) reply.headers.emplace_back("X-Request-Id", id);
    const auto reset = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() +
                       60;
    if (!has("X-RateLimit-Limit"))
      reply.headers.emplace_back("X-RateLimit-Limit", std::to_string(kRateLimit));
    if (!has("X-RateLimit-Remaining")) {
      reply.headers.emplace_back("X-RateLimit-Remaining",
                                 std::to_string(std::max(0, kRateLimit - served)));
    }
    if (!has("X-RateLimit-Reset"))
      reply.headers.emplace_back("X-RateLimit-Reset", std::to_string(reset));
  }

  void accept();

  AlpacaDoubleOptions options;
  // Declared first, destroyed last: the sessions that pending handlers own go with it.
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::optional<ssl::context> tls;
  std::uint16_t port = 0;
  std::thread thread;
  std::vector<std::shared_ptr<void>> held;  // hung sessions; server thread only

  mutable std::mutex mutex;  // guards everything below
  std::map<std::string, std::vector<StoredBar>> market;
  std::deque<CannedResponse> canned;
  std::vector<RecordedRequest> recorded;
  bool hang = false;
  bool keep_alive = true;
  bool drop_idle = false;
  bool free_plan = false;
  int accepted = 0;
  int served = 0;
};

// One accepted connection: [TLS handshake,] then request, response, request, ... until either
// side closes. Plain and TLS differ only in the stream type.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Server& server, Stream stream, int id)
      : server_(server), stream_(std::move(stream)), id_(id) {}

  void start() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      read();
    } else {
      stream_.async_handshake(
          ssl::stream_base::server, [self = this->shared_from_this()](error_code ec) {
            if (ec) return self->close();  // e.g. the client refused our certificate
            const char* name =
                SSL_get_servername(self->stream_.native_handle(), TLSEXT_NAMETYPE_host_name);
            self->server_name_ = name != nullptr ? name : "";
            self->read();
          });
    }
  }

 private:
  void read() {
    request_ = {};
    http::async_read(
        stream_, buffer_, request_, [self = this->shared_from_this()](error_code ec, std::size_t) {
          if (ec) return self->close();
          auto reply = self->server_.answer(self->request_, self->id_, self->server_name_);
          if (!reply) {
            self->server_.held.push_back(self);  // hang: keep the connection open, say nothing
            return;
          }
          self->write(std::move(*reply));
        });
  }

  void write(Reply reply) {
    bool keep_alive = false;
    {
      const std::lock_guard lock(server_.mutex);
      keep_alive = server_.keep_alive && request_.keep_alive();
      drop_ = server_.drop_idle;
    }
    response_ = {};
    response_.version(request_.version());
    response_.result(static_cast<unsigned>(reply.status));
    response_.set(http::field::server, "alpaca-double");
    response_.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) response_.set(name, value);
    response_.body() = std::move(reply.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive() || self->drop_) {
                          return self->close();
                        }
                        self->read();
                      });
  }

  void close() {
    error_code ignored;
    auto& socket = [&]() -> tcp::socket& {
      if constexpr (std::is_same_v<Stream, tcp::socket>) {
        return stream_;
      } else {
        return stream_.next_layer();
      }
    }();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  Server& server_;
  Stream stream_;
  int id_;
  std::string server_name_;
  bool drop_ = false;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

void Server::accept() {
  acceptor.async_accept(io, [this](error_code ec, tcp::socket socket) {
    if (ec) return;  // the acceptor was closed: the double is stopping
    int id = 0;
    {
      const std::lock_guard lock(mutex);
      id = ++accepted;
    }
    if (tls) {
      std::make_shared<Session<ssl::stream<tcp::socket>>>(
          *this, ssl::stream<tcp::socket>(std::move(socket), *tls), id)
          ->start();
    } else {
      std::make_shared<Session<tcp::socket>>(*this, std::move(socket), id)->start();
    }
    accept();
  });
}

}  // namespace

struct AlpacaDouble::Impl : Server {
  using Server::Server;
};

AlpacaDouble::AlpacaDouble(AlpacaDoubleOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

AlpacaDouble::~AlpacaDouble() {
  impl_->io.stop();
  impl_->thread.join();
  impl_->held.clear();
}

std::uint16_t AlpacaDouble::port() const noexcept { return impl_->port; }

std::string AlpacaDouble::base_url(std::string_view host) const {
  return (impl_->tls ? "https://" : "http://") + std::string(host) + ":" +
         std::to_string(impl_->port);
}

const AlpacaDoubleOptions& AlpacaDouble::options() const noexcept { return impl_->options; }

void AlpacaDouble::add_bars(const std::string& symbol, std::vector<DoubleBar> bars) {
  const std::lock_guard lock(impl_->mutex);
  auto& stored = impl_->market[symbol];
  for (DoubleBar& bar : bars) {
    const auto ts = parse_time(bar.t);
    if (!ts) throw std::invalid_argument("AlpacaDouble: bad bar time '" + bar.t + "'");
    stored.push_back(StoredBar{*ts, std::move(bar)});
  }
  std::stable_sort(stored.begin(), stored.end(),
                   [](const StoredBar& a, const StoredBar& b) { return a.ts < b.ts; });
}

void AlpacaDouble::enqueue(CannedResponse response) {
  const std::lock_guard lock(impl_->mutex);
  impl_->canned.push_back(std::move(response));
}

void AlpacaDouble::enqueue_rate_limit(int count, std::optional<int> retry_after_seconds) {
  CannedResponse response{429,
                          "{\"message\":\"too many requests\"}",
                          "application/json",
                          {{"X-RateLimit-Remaining", "0"}}};
  if (retry_after_seconds)
    response.headers.emplace_back("Retry-After", std::to_string(*retry_after_seconds));
  for (int i = 0; i < count; ++i) enqueue(response);
}

void AlpacaDouble::set_hang(bool hang) {
  const std::lock_guard lock(impl_->mutex);
  impl_->hang = hang;
}

void AlpacaDouble::set_keep_alive(bool keep_alive) {
  const std::lock_guard lock(impl_->mutex);
  impl_->keep_alive = keep_alive;
}

void AlpacaDouble::set_drop_idle_connections(bool drop) {
  const std::lock_guard lock(impl_->mutex);
  impl_->drop_idle = drop;
}

void AlpacaDouble::set_free_plan(bool free_plan) {
  const std::lock_guard lock(impl_->mutex);
  impl_->free_plan = free_plan;
}

std::vector<RecordedRequest> AlpacaDouble::requests() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->recorded;
}

int AlpacaDouble::connections() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}

}  // namespace trader::testing
