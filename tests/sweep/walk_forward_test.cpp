// Walk-forward: windows from IN:OUT periods, and on made-up bars whose best parameter is known
// by construction, the analysis picks it in every window and reports in- and out-of-sample.
#include <trader/sweep/walk_forward.hpp>

#include <doctest/doctest.h>

#include <trader/calendar/nyse.hpp>
#include <trader/sweep/results.hpp>

namespace sw = trader::sweep;
using trader::core::Decimal;
using trader::core::parse_date;

namespace {

// Enters (buy-stop at the candle's high) on the session's candle number `entry_minute` and
// leaves at market on the next candle.
struct TimingParameters {
  int entry_minute = 0;
};

class Timing final : public trader::strategy::Strategy {
 public:
  explicit Timing(const TimingParameters& p) : p_(p) {}
  std::string_view name() const noexcept override { return "timing"; }
  int required_history() const noexcept override { return 0; }
  bool should_long(const trader::data::Bar& c, const trader::strategy::IndicatorSet&) override {
    return count(c) == p_.entry_minute;
  }
  Decimal entry_price(const trader::data::Bar& c, const trader::strategy::IndicatorSet&) override {
    return c.high;
  }
  Decimal stop_loss_price(const trader::data::Bar& c,
                          const trader::strategy::IndicatorSet&) override {
    return c.low - Decimal::from_integer(1);
  }
  std::optional<Decimal> should_update_stop(const trader::data::Bar& c,
                                            const trader::strategy::PositionView&,
                                            const trader::strategy::IndicatorSet&) override {
    static_cast<void>(count(c));
    return std::nullopt;
  }
  bool should_exit(const trader::data::Bar&, const trader::strategy::PositionView&,
                   const trader::strategy::IndicatorSet&) override {
    return true;
  }

 private:
  // The candle's number in its session (candles of one session are a minute apart here).
  int count(const trader::data::Bar& c) {
    if (c.ts == last_) return index_;
    index_ = c.ts - last_ > std::chrono::minutes{30} ? 0 : index_ + 1;
    last_ = c.ts;
    return index_;
  }
  TimingParameters p_;
  trader::core::Timestamp last_{};
  int index_ = 0;
};

const trader::config::KeyTable<TimingParameters>& timing_keys() {
  static const auto table = [] {
    trader::config::KeyTable<TimingParameters> t("ALGO_TIMING", "Timing");
    t.integer(
        {.name = "entry_minute", .label = "Entry minute", .description = "candle to enter on"},
        &TimingParameters::entry_minute, 0, 30);
    return t;
  }();
  return table;
}

// 40 one-minute bars from each session's open, flat at 100.00 except minutes 12..17 at 101.00:
// entering on candle 10 buys at 100.01 on minute 11 and sells at 100.99 on minute 12, every day;
// every other entry minute loses (the slippage, or the drop back to 100).
class StepBars final : public trader::data::BarSource {
 public:
  StepBars(trader::core::Date first, trader::core::Date last)
      : sessions_(trader::calendar::sessions_between(first, last)) {}
  std::size_t read(std::span<trader::data::Bar> out) override {
    std::size_t n = 0;
    while (n < out.size() && session_ < sessions_.size()) {
      const Decimal price = Decimal::from_integer(minute_ >= 12 && minute_ < 18 ? 101 : 100);
      out[n++] = trader::data::Bar{sessions_[session_].open + std::chrono::minutes{minute_},
                                   price,
                                   price,
                                   price,
                                   price,
                                   1000,
                                   trader::data::SymbolId{0}};
      if (++minute_ == 40) {
        minute_ = 0;
        ++session_;
      }
    }
    return n;
  }

 private:
  std::vector<trader::calendar::Session> sessions_;
  std::size_t session_ = 0;
  int minute_ = 0;
};

}  // namespace

TEST_SUITE("sweep/walk_forward") {
  TEST_CASE("IN:OUT periods and the windows they make") {
    const auto spec = sw::parse_walk_forward("2m:1m");
    CHECK(spec.in_sample.count == 2);
    CHECK(spec.out_of_sample.unit == sw::Period::Unit::months);
    CHECK(sw::advance(parse_date("2024-01-31"), {1, sw::Period::Unit::months}) ==
          parse_date("2024-02-29"));
    CHECK(sw::advance(parse_date("2024-02-29"), {1, sw::Period::Unit::years}) ==
          parse_date("2025-02-28"));
    CHECK(sw::advance(parse_date("2024-01-01"), {2, sw::Period::Unit::weeks}) ==
          parse_date("2024-01-15"));
    const auto w =
        sw::walk_forward_windows(spec, parse_date("2025-01-01"), parse_date("2025-06-15"));
    REQUIRE(w.size() == 4);
    CHECK(w[0].in_first == parse_date("2025-01-01"));
    CHECK(w[0].in_last == parse_date("2025-02-28"));
    CHECK(w[0].out_first == parse_date("2025-03-01"));
    CHECK(w[0].out_last == parse_date("2025-03-31"));
    CHECK(w[1].in_first == parse_date("2025-02-01"));
    CHECK(w[3].out_first == parse_date("2025-06-01"));
    CHECK(w[3].out_last == parse_date("2025-06-15"));  // clipped to the range
    for (const char* bad : {"6m", "6m:", "0m:1m", "6x:1m", "m:1m", "6m:1m:1m", "1001d:1d"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(static_cast<void>(sw::parse_walk_forward(bad)), trader::ParseError);
    }
    // Day periods: a window whose in-sample days are a weekend (or whose out-of-sample day is
    // a holiday) is left out; 2025-01-09 was a market holiday.
    const auto days = sw::walk_forward_windows(sw::parse_walk_forward("2d:1d"),
                                               parse_date("2025-01-01"), parse_date("2025-01-10"));
    std::vector<std::string> starts;
    for (const auto& window : days) starts.push_back(trader::core::format_date(window.in_first));
    CHECK(starts ==
          std::vector<std::string>{"2025-01-01", "2025-01-05", "2025-01-06", "2025-01-08"});
    CHECK_THROWS_WITH_AS(static_cast<void>(sw::walk_forward_windows(spec, parse_date("2025-01-01"),
                                                                    parse_date("2025-02-15"))),
                         doctest::Contains("does not fit in 2025-01-01 .. 2025-02-15"),
                         sw::SweepError);
  }

  TEST_CASE("on bars with a known best parameter, every window picks it") {
    trader::strategy::StrategyRegistry registry;
    registry.add<TimingParameters>(
        "timing", "enter on a chosen minute", timing_keys(),
        [](const TimingParameters& p) { return std::make_unique<Timing>(p); });
    const sw::SweepRunner runner(registry, {},
                                 [](trader::core::Date first, trader::core::Date last) {
                                   trader::marketdata::BarSupply supply;
                                   supply.symbols = trader::data::SymbolTable::sorted({"STEP"});
                                   supply.source = std::make_unique<StepBars>(first, last);
                                   supply.data_source = "test: step bars";
                                   supply.synthetic = true;
                                   return supply;
                                 });
    sw::SweepRequest request;
    request.strategy = "timing";
    request.symbols = {"STEP"};
    request.start_date = parse_date("2025-01-01");
    request.end_date = parse_date("2025-06-30");
    request.grid = {"entry_minute=0:20:1"};
    request.objective = sw::Objective::total_return;
    request.jobs = 2;
    // The whole range first: the sweep ranks minute 10 first.
    const auto whole = runner.run(request);
    CHECK(sw::describe(whole.ranked().front()->parameters) == "entry_minute=10");

    const auto result = sw::run_walk_forward(runner, request, sw::parse_walk_forward("2m:1m"));
    REQUIRE(result.windows.size() == 4);
    for (const auto& w : result.windows) {
      CAPTURE(trader::core::format_date(w.window.in_first));
      CHECK(w.best == 11);
      CHECK(sw::describe(w.parameters) == "entry_minute=10");
      CHECK(w.in_sample.total_trades > 30);
      CHECK(w.out_of_sample.total_trades > 10);
      CHECK(w.out_of_sample.losing_trades == 0);
      CHECK(Decimal{} < w.out_of_sample.total_return);
    }
    // Stitched: every out-of-sample day, each window continuing where the last ended.
    REQUIRE_FALSE(result.stitched_equity.empty());
    CHECK(result.stitched_equity.front().date >= parse_date("2025-03-01"));
    CHECK(result.stitched_equity.back().date == parse_date("2025-06-30"));
    Decimal sum;
    for (const auto& w : result.windows) sum = sum + w.out_of_sample.total_return;
    CHECK(result.out_of_sample_return == sum);
    CHECK(result.stitched_equity.back().equity == result.initial_capital + sum);
    for (std::size_t i = 1; i < result.stitched_equity.size(); ++i) {
      CHECK(result.stitched_equity[i - 1].equity < result.stitched_equity[i].equity);
    }
    // In- and out-of-sample side by side.
    CHECK(result.in_sample_objective > result.out_of_sample_objective);  // 2 months vs 1
    const std::string json = sw::walk_forward_json(result);
    CHECK(json.find("\"in_sample\": \"2m\", \"out_of_sample\": \"1m\", \"objective\": "
                    "\"total_return\", \"windows\": 4") != std::string::npos);
    CHECK(json.find(R"("out_of_sample": ["2025-06-01", "2025-06-30"], "combination": 11, )"
                    R"("parameters": {"entry_minute": "10"})") != std::string::npos);
    const std::string table = sw::walk_forward_table(result);
    CHECK(table.find("Gap (in - out)") != std::string::npos);
    CHECK(table.find("entry_minute=10") != std::string::npos);
    CHECK(result.sweep.warnings.empty());

    // Entering on candle 17 never fills (the buy-stop at 101.00 waits above bars back at
    // 100.00): nothing trades, and the choice in each window is said to be only the tie-break.
    request.grid = {"entry_minute=17"};
    const auto idle = sw::run_walk_forward(runner, request, sw::parse_walk_forward("2m:1m"));
    REQUIRE(idle.sweep.warnings.size() == 1);
    CHECK(idle.sweep.warnings[0].find("no combination traded in 4 of 4 in-sample windows "
                                      "(2025-01-01 .. 2025-02-28, ") != std::string::npos);
    CHECK(sw::walk_forward_table(idle).find("warning: no combination traded") != std::string::npos);
  }
}
