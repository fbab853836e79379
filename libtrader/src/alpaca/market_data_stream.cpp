#include <trader/alpaca/market_data_stream.hpp>

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <trader/alpaca/error.hpp>
#include <trader/log/log.hpp>
#include <trader/net/backoff.hpp>
#include <trader/net/timers.hpp>
#include <trader/net/websocket_client.hpp>

#include "alpaca/exact_json.hpp"
#include "core/json_write.hpp"

namespace trader::alpaca {
namespace {

namespace json = boost::json;
using detail::JsonValue;

std::string field(const JsonValue& object, std::string_view key) {
  const JsonValue* value = object.find(key);
  return value == nullptr || value->is(JsonValue::Kind::null) ? std::string() : value->text();
}

core::Decimal number(const JsonValue& object, std::string_view key) {
  const JsonValue* value = object.find(key);
  if (value == nullptr || !value->is(JsonValue::Kind::number)) {
    throw ParseError("a number in \"" + std::string(key) + "\"",
                     value == nullptr ? std::string() : value->text());
  }
  return detail::decimal_from_json_number(value->text());
}

}  // namespace

MarketDataStreamOptions market_data_stream_options(const config::Settings& settings) {
  MarketDataStreamOptions options;
  const std::string base = settings.broker.data_stream_url.empty()
                               ? std::string("wss://stream.data.alpaca.markets/v2")
                               : settings.broker.data_stream_url;
  options.url = base + "/" + settings.broker.feed;
  options.api_key = settings.broker.api_key;
  options.secret_key = settings.broker.secret_key;
  options.symbols = settings.watchlist;
  return options;
}

struct MarketDataStream::Impl {
  Impl(boost::asio::io_context& context, MarketDataStreamOptions opts, BarHandler handler)
      : io(context), options(std::move(opts)), on_bar(std::move(handler)) {
    if (options.api_key.empty() || options.secret_key.empty()) {
      throw AuthError("Alpaca market-data stream", 0,
                      "no API key: set ALGO_BROKER__API_KEY and ALGO_BROKER__SECRET_KEY");
    }
    if (options.timers == nullptr) {
      own_timers = net::steady_timers(io);
      timers = own_timers.get();
    } else {
      timers = options.timers;
    }
    net::WebSocketOptions ws;
    ws.url = options.url;
    ws.ca_file = options.ca_file;
    ws.ping_interval = options.ping_interval;
    ws.stale_after = options.stale_after;
    ws.staleness_applies = options.in_session;
    ws.secrets = {options.api_key, options.secret_key};
    ws.timers = timers;
    net::WebSocketHandlers handlers;
    handlers.on_open = [this] { is_subscribed = false; };
    handlers.on_message = [this](net::FrameType, std::string_view payload) { on_message(payload); };
    handlers.on_close = [this](const net::CloseInfo& info) { on_close(info); };
    client = std::make_unique<net::WebSocketClient>(io, std::move(ws), std::move(handlers));
  }

  void send(const json::object& message) const {
    client->send(net::FrameType::text, core::detail::to_json(json::value(message)));
  }

  void authenticate() const {
    json::object auth;
    auth["action"] = "auth";
    auth["key"] = options.api_key.reveal();
    auth["secret"] = options.secret_key.reveal();
    send(auth);
  }

  void subscribe() const {
    json::array symbols;
    for (const auto& symbol : options.symbols) symbols.emplace_back(symbol);
    json::object message;
    message["action"] = "subscribe";
    message["bars"] = symbols;
    message["updatedBars"] = symbols;
    send(message);
  }

  void stop_fatally(int code, const std::string& msg) {
    fatal = "Alpaca market-data stream refused the subscription (" + std::to_string(code) + " " +
            msg + "): check ALGO_BROKER__API_KEY (" + options.api_key.masked() +
            "), ALGO_BROKER__SECRET_KEY and ALGO_BROKER__FEED";
    log::error("alpaca_data_stream_stopped", {{"message", fatal}});
    stopped = true;
    client->close();
  }

  void on_error(const JsonValue& message) {
    ++error_count;
    const std::string code_text = field(message, "code");
    const std::string msg = field(message, "msg");
    const int code = code_text.empty() ? 0 : std::stoi(code_text);
    log::warning("alpaca_data_stream_error", {{"code", code_text}, {"msg", msg}});
    switch (code) {
      case 401:  // not authenticated
      case 402:  // auth failed
      case 403:  // already authenticated
      case 409:  // insufficient subscription (e.g. sip without the plan)
        stop_fatally(code, msg);
        return;
      case 406:  // connection limit exceeded: another session holds the slot; back off
      case 404:  // auth timeout
        client->close();
        return;
      default:  // 400 invalid syntax, 405 symbol limit, 410 invalid subscribe: logged
        return;
    }
  }

  void on_bar_message(const JsonValue& message, bool updated) const {
    const std::string symbol = field(message, "S");
    data::Bar bar;
    bar.ts = core::parse_timestamp(field(message, "t"));
    bar.open = number(message, "o");
    bar.high = number(message, "h");
    bar.low = number(message, "l");
    bar.close = number(message, "c");
    const core::Decimal volume = number(message, "v");
    bar.volume = volume.units() / core::Decimal::kScale;
    if (options.symbol_id) bar.symbol = options.symbol_id(symbol);
    if (on_bar) on_bar(symbol, bar, updated);
  }

  void on_message(std::string_view payload) {
    JsonValue doc;
    try {
      doc = detail::parse_json(payload);
    } catch (const Error& e) {
      ++malformed_count;
      log::warning("alpaca_data_stream_malformed", {{"error", e.what()}});
      return;
    }
    if (!doc.is(JsonValue::Kind::array)) {
      ++malformed_count;
      log::warning("alpaca_data_stream_malformed", {{"error", "not an array"}});
      return;
    }
    for (const JsonValue& message : doc.items()) {
      if (stopped) return;
      try {
        const std::string type = field(message, "T");
        if (type == "success") {
          const std::string msg = field(message, "msg");
          if (msg == "connected") authenticate();
          if (msg == "authenticated") subscribe();
        } else if (type == "subscription") {
          is_subscribed = true;
          ++subscription_count;
          backoff.reset();
        } else if (type == "error") {
          on_error(message);
        } else if (type == "b") {
          on_bar_message(message, false);
        } else if (type == "u") {
          on_bar_message(message, true);
        }
      } catch (const Error& e) {
        ++malformed_count;
        log::warning("alpaca_data_stream_skipped", {{"error", e.what()}});
      }
    }
  }

  void on_close(const net::CloseInfo& info) {
    is_subscribed = false;
    if (stopped) return;
    log::warning("alpaca_data_stream_closed",
                 {{"kind", std::string(net::close_kind_name(info.kind))}, {"reason", info.reason}});
    reconnect = timers->start(backoff.next(), [this] {
      if (!stopped) client->connect();
    });
  }

  boost::asio::io_context& io;
  MarketDataStreamOptions options;
  BarHandler on_bar;
  std::unique_ptr<net::TimerSource> own_timers;
  net::TimerSource* timers = nullptr;
  std::unique_ptr<net::WebSocketClient> client;
  net::Backoff backoff{net::BackoffOptions{}};
  net::TimerHandle reconnect;
  bool stopped = true;
  bool is_subscribed = false;
  int subscription_count = 0;
  int error_count = 0;
  int malformed_count = 0;
  std::string fatal;
};

MarketDataStream::MarketDataStream(boost::asio::io_context& io, MarketDataStreamOptions options,
                                   BarHandler on_bar)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(on_bar))) {}

MarketDataStream::~MarketDataStream() = default;

void MarketDataStream::start() {
  if (!impl_->fatal.empty()) return;
  impl_->stopped = false;
  impl_->client->connect();
}

void MarketDataStream::stop() {
  impl_->stopped = true;
  impl_->reconnect.cancel();
  impl_->client->close();
}

bool MarketDataStream::subscribed() const noexcept { return impl_->is_subscribed; }
int MarketDataStream::subscriptions() const noexcept { return impl_->subscription_count; }
int MarketDataStream::errors() const noexcept { return impl_->error_count; }
int MarketDataStream::malformed() const noexcept { return impl_->malformed_count; }
const std::string& MarketDataStream::fatal_error() const noexcept { return impl_->fatal; }

}  // namespace trader::alpaca
