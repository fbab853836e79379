// The control endpoint: POST /_control/<switch>?name=value... scripts a venue that runs in
// another process (the paper-venue executable) the way the C++ API scripts one in the test's own
// process. No auth; answers {"ok":true,...} or 400 {"message":...}. GET /_control/state reports
// the clock and the connections.

#include <fmt/core.h>

#include <stdexcept>

#include <trader/core/error.hpp>

#include "support/paper_venue_impl.hpp"
#include "support/paper_venue_json.hpp"

namespace trader::testing {
namespace {

using core::Decimal;
using venue::JsonObject;

RestReply ok(JsonObject body = {}) {
  RestReply reply;
  reply.body = body.boolean("ok", true).str();
  return reply;
}

RestReply bad(std::string_view message) {
  RestReply reply;
  reply.status = 400;
  reply.body = JsonObject{}.string("message", message).str();
  return reply;
}

Stream stream_of(const std::string& name) {
  if (name == "data" || name == "market_data") return Stream::market_data;
  if (name == "trade" || name == "trade_updates") return Stream::trade_updates;
  throw std::invalid_argument("stream must be data or trade, not '" + name + "'");
}

BusinessError business_error(const std::string& name) {
  static const std::map<std::string, BusinessError> kErrors{
      {"insufficient_buying_power", BusinessError::insufficient_buying_power},
      {"insufficient_qty", BusinessError::insufficient_qty},
      {"wash_trade", BusinessError::wash_trade},
      {"wash_trade_422", BusinessError::wash_trade_422},
      {"pattern_day_trader", BusinessError::pattern_day_trader},
  };
  const auto found = kErrors.find(name);
  if (found == kErrors.end()) throw std::invalid_argument("unknown error '" + name + "'");
  return found->second;
}

}  // namespace

RestReply PaperVenue::Impl::control(const RestRequest& request) {
  const std::string name = request.path.substr(std::string_view("/_control/").size());
  const auto number = [&](const std::string& key, int fallback) {
    const std::string text = request.param(key);
    return text.empty() ? fallback : std::stoi(text);
  };
  const auto flag = [&](const std::string& key) {
    const std::string text = request.param(key, "1");
    return text == "1" || text == "true" || text == "on";
  };
  PaperVenue& venue = *owner;
  try {
    if (name == "state") {
      return ok(JsonObject{}
                    .string("now", core::format_timestamp(now()))
                    .integer("minutes_left", static_cast<long long>(venue.minutes_left()))
                    .integer("data_connections", venue.data_connections())
                    .integer("data_subscribers", venue.data_subscribers())
                    .integer("trade_listeners", venue.trade_listeners())
                    .integer("trade_updates_sent", updates_sent)
                    .integer("orders", static_cast<long long>(book.orders().size())));
    }
    if (request.method != "POST") return bad("control switches are POST requests");
    if (name == "publish") {
      const int count = number("count", 1);
      int published_now = 0;
      std::optional<core::Timestamp> last;
      for (int i = 0; i < count; ++i) {
        const auto minute = publish_next();
        if (!minute) break;
        last = minute;
        ++published_now;
      }
      JsonObject body;
      body.integer("published", published_now).time("last", last);
      return ok(std::move(body));
    }
    if (name == "publish_until") {
      return ok(JsonObject{}.integer(
          "published", venue.publish_until(core::parse_timestamp(request.param("end")))));
    }
    if (name == "play") {
      venue.play(std::chrono::milliseconds(number("interval_ms", 100)));
      return ok();
    }
    if (name == "pause") {
      venue.pause();
      return ok();
    }
    if (name == "bars") {
      const std::string symbol = request.param("symbol");
      if (symbol.empty()) return bad("bars needs symbol=");
      auto bars = bars_from_csv(request.body);
      const auto count = static_cast<long long>(bars.size());
      venue.add_bars(symbol, std::move(bars));
      return ok(JsonObject{}.integer("added", count));
    }
    if (name == "updated_bar") {
      const VenueBar bar{
          core::parse_timestamp(request.param("t")), Decimal::parse(request.param("o")),
          Decimal::parse(request.param("h")),        Decimal::parse(request.param("l")),
          Decimal::parse(request.param("c")),        number("v", 100)};
      venue.send_updated_bar(request.param("symbol"), bar);
      return ok();
    }
    if (name == "end_session") {
      venue.end_session();
      return ok();
    }
    if (name == "set_now") {
      venue.set_now(core::parse_timestamp(request.param("t")));
      return ok();
    }
    if (name == "reject_next") {
      venue.reject_next_order(business_error(request.param("error")));
      return ok();
    }
    if (name == "partial_fill_next") {
      venue.partial_fill_next(Decimal::parse(request.param("qty")));
      return ok();
    }
    if (name == "execute") {
      if (!venue.execute(request.param("id"), Decimal::parse(request.param("qty")),
                         Decimal::parse(request.param("price")))) {
        return bad("cannot execute that");
      }
      return ok();
    }
    if (name == "reject_order") {
      if (!venue.reject_order(request.param("id"))) return bad("no open order with that id");
      return ok();
    }
    if (name == "announce") {
      if (!venue.announce(request.param("id"), request.param("event"))) return bad("unknown order");
      return ok();
    }
    if (name == "fail") {
      std::optional<int> retry_after;
      if (!request.param("retry_after").empty()) retry_after = number("retry_after", 1);
      venue.fail_next_requests(number("count", 1), number("status", 500), retry_after);
      return ok();
    }
    if (name == "delay") {
      venue.delay_next_responses(number("count", 1), std::chrono::milliseconds(number("ms", 1000)));
      return ok();
    }
    if (name == "swallow") {
      venue.swallow_next_responses(number("count", 1));
      return ok();
    }
    if (name == "forbidden") {
      venue.set_forbidden(flag("on"));
      return ok();
    }
    if (name == "refuse_upgrades") {
      venue.refuse_next_upgrades(number("count", 1), number("status", 429));
      return ok();
    }
    if (name == "drop") {
      venue.drop_connections(stream_of(request.param("stream")));
      return ok();
    }
    if (name == "silent") {
      venue.set_silent(stream_of(request.param("stream")), flag("on"));
      return ok();
    }
    if (name == "data_slot_taken") {
      venue.set_data_slot_taken(flag("on"));
      return ok();
    }
    if (name == "ghost_after_drop") {
      venue.set_ghost_after_drop(std::chrono::milliseconds(number("ms", 0)));
      return ok();
    }
    if (name == "data_error") {
      venue.send_data_error(number("code", 500));
      return ok();
    }
    if (name == "malformed") {
      venue.send_malformed(stream_of(request.param("stream")));
      return ok();
    }
    if (name == "trade_error") {
      venue.send_trade_stream_error(request.param("message", "internal server error"));
      return ok();
    }
    if (name == "frames") {
      const std::string mode = request.param("mode");
      if (mode != "text" && mode != "binary") return bad("frames mode must be text or binary");
      venue.set_trade_frames(mode == "text" ? Frames::text : Frames::binary);
      return ok();
    }
    if (name == "updates") {
      const std::string mode = request.param("mode");
      if (mode == "deliver") {
        venue.set_update_delivery(UpdateDelivery::deliver);
      } else if (mode == "hold") {
        venue.set_update_delivery(UpdateDelivery::hold);
      } else if (mode == "drop") {
        venue.set_update_delivery(UpdateDelivery::drop);
      } else {
        return bad("updates mode must be deliver, hold or drop");
      }
      return ok();
    }
    if (name == "release") {
      venue.release_trade_updates();
      return ok();
    }
    return bad("unknown control switch '" + name + "'");
  } catch (const std::exception& error) {
    return bad(error.what());
  }
}

}  // namespace trader::testing
