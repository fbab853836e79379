#pragma once
// The simulation-only side of a broker: a simulated exchange sees the market's bars and the
// session close, which a real broker never needs to be told. Only a driver that simulates the
// market (the backtest, a replay) wires one, through engine::EngineOptions::venue; the engine
// calls it at the same points of its per-bar pipeline as it always did, so backtests keep their
// exact timing. SimBroker implements both this and Broker.

#include <trader/calendar/nyse.hpp>
#include <trader/data/bar.hpp>

namespace trader::broker {

class SimulatedVenue {
 public:
  virtual ~SimulatedVenue() = default;
  // A 1-minute bar reached the market: match the book against it (fills come back as order
  // events through the broker's listener, possibly at once, from inside this call).
  virtual void on_market_bar(const data::Bar& bar) = 0;
  // The session closed (F7): fill the market orders still open at the reference's end-of-day
  // price and cancel the rest.
  virtual void on_session_close(const calendar::Session& session) = 0;
};

}  // namespace trader::broker
