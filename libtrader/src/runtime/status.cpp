#include <trader/runtime/status.hpp>

#include <fmt/core.h>

#include <cmath>
#include <string_view>
#include <utility>

#include <trader/core/json_text.hpp>

namespace trader::runtime {
namespace {

// A small writer for one object: `"name":value` pairs with the commas between them.
class Object {
 public:
  explicit Object(std::string& out) : out_(out) { out_ += '{'; }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  ~Object() { out_ += '}'; }

  std::string& key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    core::append_json_string(out_, name);
    out_ += ':';
    return out_;
  }
  void text(std::string_view name, std::string_view value) {
    core::append_json_string(key(name), value);
  }
  // An empty text is null (no error, no reason).
  void text_or_null(std::string_view name, std::string_view value) {
    if (value.empty()) {
      key(name) += "null";
    } else {
      text(name, value);
    }
  }
  void boolean(std::string_view name, bool value) { key(name) += value ? "true" : "false"; }
  void integer(std::string_view name, std::int64_t value) { key(name) += std::to_string(value); }
  // Three decimals: ages and uptimes to the millisecond; not finite is null.
  void seconds(std::string_view name, std::optional<double> value) {
    if (value && std::isfinite(*value)) {
      key(name) += fmt::format("{:.3f}", *value);
    } else {
      key(name) += "null";
    }
  }
  // Money and prices as exact decimal strings, never a JSON number (a reader's double would
  // round them).
  void money(std::string_view name, std::optional<core::Decimal> value) {
    if (value) {
      text(name, value->to_string());
    } else {
      key(name) += "null";
    }
  }
  void instant(std::string_view name, core::Timestamp value) {
    if (value == core::Timestamp{}) {
      key(name) += "null";
    } else {
      text(name, core::format_timestamp(value));
    }
  }

 private:
  std::string& out_;
  bool first_ = true;
};

template <class T, class Write>
void array(Object& object, std::string_view name, const std::vector<T>& items, Write write) {
  std::string& out = object.key(name);
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    Object item(out);
    write(item, items[i]);
  }
  out += ']';
}

}  // namespace

StreamStatus stream_status(std::string name, const FeedHealth& health, core::Timestamp now,
                           bool expect_messages) {
  StreamStatus status;
  status.name = std::move(name);
  status.connected = health.connected;
  if (health.last_message != core::Timestamp{}) {
    status.last_message_age_seconds =
        std::chrono::duration<double>(now - health.last_message).count();
  }
  status.reconnects = health.reconnects;
  status.fatal_error = health.fatal_error;
  status.expect_messages = expect_messages;
  return status;
}

std::string to_json(const StatusSnapshot& s) {
  std::string out;
  out.reserve(1024);
  {
    Object root(out);
    root.text("state", s.state);
    root.text("mode", s.mode);
    root.boolean("simulated_clock", s.simulated_clock);
    root.instant("clock", s.clock);
    root.instant("started_at", s.started_at);
    root.seconds("uptime_seconds", s.uptime_seconds);
    root.text_or_null("strategy", s.strategy);
    array(root, "streams", s.streams, [](Object& o, const StreamStatus& stream) {
      o.text("name", stream.name);
      o.boolean("connected", stream.connected);
      o.seconds("last_message_age_seconds", stream.last_message_age_seconds);
      o.integer("reconnects", stream.reconnects);
      o.text_or_null("fatal_error", stream.fatal_error);
    });
    array(root, "positions", s.positions, [](Object& o, const PositionStatus& position) {
      o.text("symbol", position.symbol);
      o.integer("quantity", position.quantity);
      o.money("entry_price", position.entry_price);
      o.instant("opened_at", position.opened_at);
      o.money("stop_price", position.stop_price);
      o.text_or_null("stop_order_id", position.stop_order_id);
      o.text_or_null("strategy", position.strategy);
    });
    array(root, "pending_orders", s.pending_orders, [](Object& o, const OrderStatus& order) {
      o.text("client_order_id", order.client_order_id);
      o.text_or_null("broker_order_id", order.broker_order_id);
      o.text("symbol", order.symbol);
      o.text("side", orders::to_string(order.side));
      o.text("type", orders::to_string(order.type));
      o.text("role", orders::to_string(order.role));
      o.text("state", orders::to_string(order.state));
      o.integer("quantity", order.quantity);
      o.integer("filled_quantity", order.filled_quantity);
      o.money("limit_price", order.limit_price);
      o.money("stop_price", order.stop_price);
      o.instant("submitted_at", order.submitted_at);
    });
    root.money("realized_pnl_today", s.realized_pnl_today);
    root.money("equity", s.equity);
    {
      Object breaker(root.key("circuit_breaker"));
      breaker.boolean("tripped", s.circuit_breaker.tripped);
      breaker.text_or_null("reason", s.circuit_breaker.reason);
      breaker.integer("consecutive_losses", s.circuit_breaker.consecutive_losses);
      breaker.money("start_of_day_equity", s.circuit_breaker.start_of_day_equity);
    }
    root.integer("bars_processed", s.bars_processed);
    root.integer("supervision_failures", s.supervision_failures);
    root.integer("stream_gaps", s.stream_gaps);
  }
  return out;
}

HealthVerdict assess_health(const StatusSnapshot& snapshot, std::chrono::seconds stale_after) {
  if (snapshot.state != "running") return {false, "state is " + snapshot.state};
  for (const auto& stream : snapshot.streams) {
    if (!stream.fatal_error.empty()) {
      return {false, stream.name + " stopped: " + stream.fatal_error};
    }
    if (!stream.connected) return {false, stream.name + " is disconnected"};
    // No message yet is not judged: right after the open, the first bar is a minute away.
    if (!stream.expect_messages || !stream.last_message_age_seconds) continue;
    if (*stream.last_message_age_seconds > static_cast<double>(stale_after.count())) {
      return {false, fmt::format("{} silent for {:.0f} s (limit {} s)", stream.name,
                                 *stream.last_message_age_seconds, stale_after.count())};
    }
  }
  return {true, {}};
}

}  // namespace trader::runtime
