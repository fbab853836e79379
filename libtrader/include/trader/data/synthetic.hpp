#pragma once
// Synthetic one-minute bars: made-up data for tests, demos and benchmarks, never market data.
// Whoever stores or exports them must label them as synthetic (the bar store's source column);
// nothing in a Bar says where it came from.
//
// The model, per symbol: a random walk of the price through the NYSE regular sessions (holidays
// skipped, 13:00 early closes honoured), with intraday volatility and volume U-shaped over the
// session (highest at the open and the close), session-to-session changes in volatility and
// volume, and an overnight gap between sessions with a weak pull back toward the start price
// so long ranges stay plausible. Bars are valid (0 < low <= open, close <= high), prices are on
// the $0.01 tick and never below $1.00, volumes are whole shares. A bar opens at the previous
// close within a session.
//
// Reproducible: the same spec gives the same bars on every machine and compiler. The generator
// uses its own PRNG (xoshiro256** seeded through splitmix64 from the seed and the symbol) and its
// own normal variates built from IEEE-exact operations only (no std:: distributions, whose
// output differs between standard libraries, and no libm log/exp). A longer range starting on
// the same day extends a shorter one: its bars begin with the shorter range's bars.
//
// Streaming: bars are made minute by minute as they are read; nothing per range is held.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <trader/core/error.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/bar.hpp>
#include <trader/data/bar_record.hpp>
#include <trader/data/bar_source.hpp>
#include <trader/data/symbol_table.hpp>

namespace trader::data {

namespace detail {
// The generator's random source: xoshiro256** words and the spare normal of the polar method.
// Its functions live in the .cpp, where they inline into the per-bar loop.
struct SyntheticRandom {
  std::array<std::uint64_t, 4> words{};
  double spare_normal = 0;
  bool has_spare_normal = false;
};
}  // namespace detail

// A spec the generator cannot follow (bad symbol, dates, price or volatility).
class SyntheticSpecError : public Error {
 public:
  using Error::Error;
};

struct SyntheticSpec {
  std::uint64_t seed = 0;
  std::string symbol;  // a valid ticker; mixed into the seed, so symbols differ
  core::Date first{};  // first and last calendar day, both included; need not be sessions
  core::Date last{};
  Decimal start_price = Decimal::from_units(100 * Decimal::kScale);  // on the $0.01 tick, >= 1
  // Standard deviation of a regular session's open-to-close return.
  double daily_volatility = 0.02;
  // Standard deviation of the overnight gap (previous close to next open).
  double overnight_volatility = 0.01;
  // Average shares traded in a full (390-minute) session.
  std::int64_t daily_volume = 1'000'000;
};

// Bars of one symbol in time order, so it is a BarSource on its own.
class SyntheticBarGenerator final : public BarSource {
 public:
  // Interns spec.symbol in `symbols`. Throws SyntheticSpecError for a bad spec (dates outside
  // the calendar's years 1990..2099 included).
  SyntheticBarGenerator(SyntheticSpec spec, SymbolTable& symbols);

  // Fills `out` from the front; 0 after the last session of the range.
  [[nodiscard]] std::size_t read(std::span<Bar> out) override;
  // The same as records (no vwap, no trade count), as the bar store and CSV writer take them.
  [[nodiscard]] std::size_t read(std::span<BarRecord> out);

  [[nodiscard]] SymbolId symbol() const noexcept { return symbol_; }
  [[nodiscard]] const SyntheticSpec& spec() const noexcept { return spec_; }

  // The sizes of a full and an early-close session.
  static constexpr std::size_t kFullSessionMinutes = 390;
  static constexpr std::size_t kEarlySessionMinutes = 210;

 private:
  // Intraday shape of one session length: per minute, the return's standard deviation and the
  // share of the session's volume.
  struct Profile {
    std::array<double, kFullSessionMinutes> sigma{};
    std::array<double, kFullSessionMinutes> volume{};
  };
  static Profile make_profile(std::size_t minutes);

  bool start_next_session();
  template <typename Record>
  std::size_t fill(std::span<Record> out);

  SyntheticSpec spec_;
  SymbolId symbol_{};
  detail::SyntheticRandom random_;
  Profile full_profile_;
  Profile early_profile_;

  // The session being read: its next minute, how many minutes are left, and its shape.
  std::chrono::sys_days next_day_;  // the first day not yet looked at for a session
  Timestamp minute_{};
  std::size_t minute_index_ = 0;
  std::size_t session_minutes_ = 0;
  bool early_close_ = false;   // which profile the session uses
  double session_sigma_ = 0;   // the session's volatility multiplier times the per-minute scale
  double session_volume_ = 0;  // the session's expected total volume
  double price_ = 0;           // the walk, in dollars; bars carry it rounded to cents
  std::int64_t close_cents_ = 0;
  double start_dollars_ = 0;
  bool started_ = false;
};

}  // namespace trader::data
