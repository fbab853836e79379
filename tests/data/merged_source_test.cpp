// Issue 12 item 6: one merge of several symbols' bars into (timestamp, symbol) order, shared by
// the store's reader and synthetic bars (data::DayMerger, data::MergedBarSource).
#include <trader/data/merged_source.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <random>

#include <trader/core/error.hpp>
#include <trader/data/synthetic.hpp>

using trader::core::Decimal;
using trader::core::parse_timestamp;
using trader::data::Bar;
using trader::data::BarRecord;
using trader::data::BarSource;
using trader::data::MergedBarSource;
using trader::data::SpanBarSource;
using trader::data::SymbolId;

namespace {

Bar bar(std::uint32_t symbol, const char* ts, std::int64_t volume = 1) {
  Bar b;
  b.ts = parse_timestamp(ts);
  b.open = b.high = b.low = b.close = Decimal::from_integer(10);
  b.volume = volume;
  b.symbol = SymbolId{symbol};
  return b;
}

// Reads everything, in batches of `batch`.
std::vector<Bar> drain(BarSource& source, std::size_t batch = 7) {
  std::vector<Bar> out;
  std::vector<Bar> buffer(batch);
  for (std::size_t n; (n = source.read(buffer)) > 0;)
    out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

// The reference order: every bar, stably sorted by (timestamp, symbol).
std::vector<Bar> expected(std::vector<std::vector<Bar>> inputs) {
  std::vector<Bar> all;
  for (const auto& input : inputs) all.insert(all.end(), input.begin(), input.end());
  std::stable_sort(all.begin(), all.end(), trader::data::earlier);
  return all;
}

// A source that hands out at most `chunk` bars per read, as a slow input would.
class Trickle final : public BarSource {
 public:
  Trickle(std::vector<Bar> bars, std::size_t chunk) : bars_(std::move(bars)), chunk_(chunk) {}
  std::size_t read(std::span<Bar> out) override {
    const std::size_t n = std::min({out.size(), chunk_, bars_.size() - at_});
    std::copy_n(bars_.begin() + static_cast<std::ptrdiff_t>(at_), n, out.begin());
    at_ += n;
    return n;
  }

 private:
  std::vector<Bar> bars_;
  std::size_t chunk_;
  std::size_t at_ = 0;
};

MergedBarSource merged(const std::vector<std::vector<Bar>>& inputs, std::size_t chunk = 1000) {
  std::vector<std::unique_ptr<BarSource>> sources;
  for (const auto& input : inputs) sources.push_back(std::make_unique<Trickle>(input, chunk));
  return MergedBarSource(std::move(sources));
}

}  // namespace

TEST_SUITE("data/merged_source") {
  TEST_CASE("several symbols come out in (timestamp, symbol) order, day after day") {
    const std::vector<std::vector<Bar>> inputs{
        {bar(0, "2025-06-02T14:30:00Z"), bar(0, "2025-06-02T14:32:00Z"),
         bar(0, "2025-06-03T14:30:00Z")},
        {bar(1, "2025-06-02T14:31:00Z"), bar(1, "2025-06-02T14:32:00Z"),
         bar(1, "2025-06-04T19:59:00Z")},
        {},  // a symbol without bars
        {bar(3, "2025-06-02T14:30:00Z"), bar(3, "2025-06-03T14:29:00Z")},
    };
    for (const std::size_t chunk : {1, 2, 1000}) {
      CAPTURE(chunk);
      auto source = merged(inputs, chunk);
      const auto out = drain(source);
      CHECK(out == expected(inputs));
      CHECK(out.size() == 8);
    }
  }

  TEST_CASE("a tie (the same minute in two inputs) goes to the input given first") {
    const std::vector<std::vector<Bar>> inputs{{bar(0, "2025-06-02T14:30:00Z", 1)},
                                               {bar(1, "2025-06-02T14:30:00Z", 2)}};
    auto source = merged(inputs);
    const auto out = drain(source);
    REQUIRE(out.size() == 2);
    CHECK(out[0].volume == 1);
    CHECK(out[1].volume == 2);
  }

  TEST_CASE("times off the whole minute are still ordered (a stable sort, not the buckets)") {
    const std::vector<std::vector<Bar>> inputs{
        {bar(0, "2025-06-02T14:30:10Z"), bar(0, "2025-06-02T14:30:50Z")},
        {bar(1, "2025-06-02T14:30:30Z"), bar(1, "2025-06-02T14:30:50Z")}};
    auto source = merged(inputs);
    CHECK(drain(source) == expected(inputs));
  }

  TEST_CASE("a day longer than the first buffer (many sub-minute bars) is merged whole") {
    std::vector<std::vector<Bar>> inputs(2);
    const auto start = parse_timestamp("2025-06-02T13:00:00Z");
    for (int i = 0; i < 3000; ++i) {
      inputs[0].push_back(bar(0, "2025-06-02T13:00:00Z"));
      inputs[0].back().ts = start + std::chrono::seconds{i * 2};
      inputs[1].push_back(bar(1, "2025-06-02T13:00:00Z"));
      inputs[1].back().ts = start + std::chrono::seconds{i * 3};
    }
    auto source = merged(inputs, 500);
    CHECK(drain(source, 4096) == expected(inputs));
  }

  TEST_CASE("synthetic bars of several symbols, merged, equal a sort of them all") {
    trader::data::SymbolTable table = trader::data::SymbolTable::sorted({"AAA", "BBB", "CCC"});
    std::vector<std::vector<Bar>> inputs;
    std::vector<std::unique_ptr<BarSource>> generators;
    for (const auto& name : std::vector<std::string>{"AAA", "BBB", "CCC"}) {
      trader::data::SyntheticSpec spec;
      spec.seed = 5;
      spec.symbol = name;
      spec.first = trader::core::parse_date("2025-11-24");
      spec.last = trader::core::parse_date("2025-12-05");
      trader::data::SyntheticBarGenerator generator(spec, table);
      inputs.push_back(drain(generator, 4096));
      generators.push_back(std::make_unique<trader::data::SyntheticBarGenerator>(spec, table));
    }
    MergedBarSource source(std::move(generators));
    const auto out = drain(source, 8192);
    CHECK(out.size() == inputs[0].size() * 3);
    CHECK(out == expected(inputs));
  }

  TEST_CASE("one input is read straight through") {
    const std::vector<Bar> bars{bar(0, "2025-06-02T14:30:00Z"), bar(0, "2025-06-02T14:31:00Z")};
    std::vector<std::unique_ptr<BarSource>> sources;
    sources.push_back(std::make_unique<SpanBarSource>(bars));
    MergedBarSource source(std::move(sources));
    CHECK(drain(source) == bars);
    std::vector<Bar> buffer(4);
    CHECK(source.read(buffer) == 0);
  }

  TEST_CASE("records merge the same way a day at a time (DayMerger<BarRecord>)") {
    std::vector<BarRecord> a{{bar(0, "2025-06-02T14:31:00Z"), Decimal::from_integer(9), 5},
                             {bar(0, "2025-06-03T14:30:00Z"), Decimal{}, -1}};
    std::vector<BarRecord> b{{bar(1, "2025-06-02T14:30:00Z"), Decimal{}, 7}};
    const auto input = [](std::vector<BarRecord>& records) {
      return [&records, at = std::size_t{0}](std::span<BarRecord> out) mutable {
        const std::size_t n = std::min(out.size(), records.size() - at);
        std::copy_n(records.begin() + static_cast<std::ptrdiff_t>(at), n, out.begin());
        at += n;
        return n;
      };
    };
    trader::data::DayMerger<BarRecord> merger({input(a), input(b)});
    std::vector<BarRecord> day;
    REQUIRE(merger.next(day));
    REQUIRE(day.size() == 2);
    CHECK(day[0] == b[0]);
    CHECK(day[1] == a[0]);  // vwap and trade count travel with the bar
    REQUIRE(merger.next(day));
    CHECK(day == std::vector<BarRecord>{a[1]});
    CHECK_FALSE(merger.next(day));
  }

  TEST_CASE("an input that goes back in time is an error, not a wrong order") {
    const std::vector<std::vector<Bar>> inputs{
        {bar(0, "2025-06-03T14:30:00Z"), bar(0, "2025-06-02T14:30:00Z")},
        {bar(1, "2025-06-03T14:31:00Z")}};
    auto source = merged(inputs);
    CHECK_THROWS_AS(drain(source), trader::Error);
  }

  // Issue 12 (backtest speed): whole-minute days of inputs in time order go out minute by minute
  // straight from the inputs' buffers into the reader's span (resuming where a span filled up);
  // other days take the counting sort. Either way the order is the reference's.
  TEST_CASE("property: dense, sparse, off-minute and disordered days in any read size") {
    std::mt19937_64 rng(1202);
    for (const std::size_t symbols : {2U, 3U, 17U, 60U}) {
      CAPTURE(symbols);
      std::vector<std::vector<Bar>> inputs(symbols);
      const auto first = parse_timestamp("2025-06-02T13:30:00Z");
      for (int day = 0; day < 6; ++day) {
        const auto open = first + std::chrono::days{day};
        for (std::uint32_t s = 0; s < symbols; ++s) {
          std::vector<Bar> bars;
          for (int minute = 0; minute < 390; ++minute) {
            const bool keep = day % 3 == 1 ? rng() % 50 == 0 : rng() % 10 != 0;  // sparse/dense
            if (!keep) continue;
            Bar b = bar(s, "2025-06-02T13:30:00Z", static_cast<std::int64_t>(rng() % 1000));
            b.ts = open + std::chrono::minutes{minute};
            if (day == 2 && rng() % 20 == 0)
              b.ts += std::chrono::seconds{static_cast<int>(rng() % 60)};
            bars.push_back(b);
            if (rng() % 30 == 0) bars.push_back(b);  // the same time twice in one input
          }
          if (day == 4 && s % 2 == 0 && bars.size() > 3) {
            std::swap(bars[1], bars[bars.size() - 2]);  // back in time within the day
          }
          inputs[s].insert(inputs[s].end(), bars.begin(), bars.end());
        }
      }
      const auto want = expected(inputs);
      for (const std::size_t batch : {1U, 5U, 389U, 8192U}) {
        CAPTURE(batch);
        auto source = merged(inputs, 1 + rng() % 600);
        CHECK(drain(source, batch) == want);
      }
      // A day at a time, through DayMerger::next.
      std::vector<trader::data::DayMerger<Bar>::Input> pulls;
      for (const auto& input : inputs) {
        pulls.emplace_back([&input, at = std::size_t{0}](std::span<Bar> out) mutable {
          const std::size_t n = std::min(out.size(), input.size() - at);
          std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(at), n, out.begin());
          at += n;
          return n;
        });
      }
      trader::data::DayMerger<Bar> merger(std::move(pulls));
      std::vector<Bar> all;
      std::vector<Bar> day;
      while (merger.next(day)) {
        REQUIRE_FALSE(day.empty());
        CHECK(trader::core::utc_date(day.front().ts) == trader::core::utc_date(day.back().ts));
        all.insert(all.end(), day.begin(), day.end());
      }
      CHECK(all == want);

      // Inputs that tell their next item's time (as the store's cursors do): exactly, or early
      // (the start of its day, or of the day before). The same order either way.
      for (const std::size_t chunk : {1U, 37U, 600U}) {
        CAPTURE(chunk);
        std::vector<trader::data::DayMerger<Bar>::PeekingInput> told;
        for (std::size_t s = 0; s < inputs.size(); ++s) {
          auto at = std::make_shared<std::size_t>(0);
          const std::vector<Bar>& input = inputs[s];
          told.push_back({[&input, at, chunk](std::span<Bar> out) {
                            const std::size_t n = std::min({out.size(), chunk, input.size() - *at});
                            std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(*at), n,
                                        out.begin());
                            *at += n;
                            return n;
                          },
                          [&input, at, s]() -> std::optional<trader::core::Timestamp> {
                            if (*at == input.size()) return std::nullopt;
                            const auto ts = input[*at].ts;
                            if (s % 3 == 0) return ts;
                            const auto midnight = std::chrono::floor<std::chrono::days>(ts);
                            return s % 3 == 1 ? midnight : midnight - std::chrono::days{1};
                          }});
        }
        MergedBarSource source(std::move(told));
        CHECK(drain(source, 389) == want);
      }
    }
  }

  TEST_CASE("an input that tells of a next bar it never gives does not stall the merge") {
    const std::vector<Bar> bars{bar(1, "2025-06-02T14:30:00Z"), bar(1, "2025-06-03T14:30:00Z")};
    std::vector<trader::data::DayMerger<Bar>::PeekingInput> inputs;
    inputs.push_back({[](std::span<Bar>) { return std::size_t{0}; },
                      []() -> std::optional<trader::core::Timestamp> {
                        return parse_timestamp("2025-06-02T14:00:00Z");
                      }});
    inputs.push_back({[&bars, at = std::size_t{0}](std::span<Bar> out) mutable {
                        const std::size_t n = std::min(out.size(), bars.size() - at);
                        std::copy_n(bars.begin() + static_cast<std::ptrdiff_t>(at), n, out.begin());
                        at += n;
                        return n;
                      },
                      {}});
    MergedBarSource source(std::move(inputs));
    CHECK(drain(source) == bars);
  }

  TEST_CASE("an input that tells its next time is read a day at a time, never a day ahead") {
    // Two symbols, three days each, every read handing out at most one day (as a stored
    // session is): by the time a day comes out, neither input has given anything later.
    std::vector<std::vector<Bar>> days(2);
    for (std::uint32_t s = 0; s < 2; ++s) {
      for (const char* ts : {"2025-06-02T14:30:00Z", "2025-06-02T14:31:00Z", "2025-06-03T14:30:00Z",
                             "2025-06-05T19:59:00Z"}) {
        days[s].push_back(bar(s, ts));
      }
    }
    std::vector<trader::core::Timestamp> latest(2, trader::core::Timestamp::min());
    std::vector<trader::data::DayMerger<Bar>::PeekingInput> told;
    for (std::uint32_t s = 0; s < 2; ++s) {
      auto at = std::make_shared<std::size_t>(0);
      const std::vector<Bar>& input = days[s];
      told.push_back({[&input, &latest, at, s](std::span<Bar> out) {
                        std::size_t n = 0;
                        while (*at < input.size() && n < out.size() &&
                               (n == 0 || trader::core::utc_date(input[*at].ts) ==
                                              trader::core::utc_date(out[0].ts))) {
                          out[n++] = input[(*at)++];
                        }
                        if (n > 0) latest[s] = out[n - 1].ts;
                        return n;
                      },
                      [&input, at]() -> std::optional<trader::core::Timestamp> {
                        if (*at == input.size()) return std::nullopt;
                        return input[*at].ts;
                      }});
    }
    trader::data::DayMerger<Bar> merger(std::move(told));
    std::vector<Bar> day;
    std::size_t given = 0;
    while (merger.next(day)) {
      const auto end = std::chrono::floor<std::chrono::days>(day.front().ts) + std::chrono::days{1};
      CHECK(latest[0] < end);
      CHECK(latest[1] < end);
      given += day.size();
    }
    CHECK(given == 8);
  }
}
