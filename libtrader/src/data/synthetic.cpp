#include <trader/data/synthetic.hpp>

#include <algorithm>  // clamp, max, min
#include <bit>        // bit_cast, rotl
#include <cmath>      // sqrt: IEEE-exact, unlike log and exp

#include <trader/calendar/nyse.hpp>
#include <trader/core/symbol.hpp>

// Reproducibility rests on using only operations IEEE 754 defines exactly (+ - * / sqrt, and
// conversions) in a fixed order, with no fused multiply-add (the build has -ffp-contract=off).
// Changing any constant or step below changes every generated bar: the golden values in
// tests/data/synthetic_test.cpp say so.

namespace trader::data {
namespace {

constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  state += 0x9E3779B97F4A7C15U;
  std::uint64_t z = state;
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9U;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBU;
  return z ^ (z >> 31U);
}

// FNV-1a: a fixed hash of the symbol text (std::hash may differ between standard libraries).
constexpr std::uint64_t symbol_hash(std::string_view text) noexcept {
  std::uint64_t hash = 0xCBF29CE484222325U;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001B3U;
  }
  return hash;
}

// Natural logarithm of a positive normal double from its exponent and an atanh series, since
// std::log may round differently between C libraries. Accurate to about 1e-12, plenty for a
// random walk; the terms are grouped (Estrin) so they do not wait on each other.
inline double portable_log(double x) noexcept {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  int exponent = static_cast<int>((bits >> 52U) & 0x7FFU) - 1023;
  double mantissa = std::bit_cast<double>((bits & 0x000FFFFFFFFFFFFFU) | 0x3FF0000000000000U);
  if (mantissa > 1.4142135623730951) {  // keep the series argument small: m in [0.707, 1.414]
    mantissa *= 0.5;
    ++exponent;
  }
  const double z = (mantissa - 1.0) / (mantissa + 1.0);
  // ln(m) = 2 atanh(z) = 2 (z + z^3/3 + z^5/5 + ...), |z| <= 0.172, so z^2 <= 0.0295.
  const double z2 = z * z;
  const double z4 = z2 * z2;
  const double z8 = z4 * z4;
  const double low = (1.0 + z2 * (1.0 / 3.0)) + z4 * (1.0 / 5.0 + z2 * (1.0 / 7.0));
  const double high = (1.0 / 9.0 + z2 * (1.0 / 11.0)) + z4 * (1.0 / 13.0 + z2 * (1.0 / 15.0));
  constexpr double kLn2 = 0x1.62e42fefa39efp-1;
  return static_cast<double>(exponent) * kLn2 + 2.0 * z * (low + z8 * high);
}

using detail::SyntheticRandom;

// xoshiro256** (Blackman and Vigna).
inline std::uint64_t next_random(SyntheticRandom& random) noexcept {
  auto& s = random.words;
  const std::uint64_t result = std::rotl(s[1] * 5, 7) * 9;
  const std::uint64_t t = s[1] << 17U;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = std::rotl(s[3], 45);
  return result;
}

// [0, 1) in steps of 2^-53.
inline double next_uniform(SyntheticRandom& random) noexcept {
  return static_cast<double>(next_random(random) >> 11U) * 0x1.0p-53;
}

constexpr double kMaxAbsNormal = 6.0;  // a clamp far in the tail, so a return stays sane

// Marsaglia's polar method: exact arithmetic plus sqrt and our own log. Normals come in pairs.
inline double next_normal(SyntheticRandom& random) noexcept {
  if (random.has_spare_normal) {
    random.has_spare_normal = false;
    return random.spare_normal;
  }
  double u = 0;
  double v = 0;
  double s = 0;
  do {
    u = 2.0 * next_uniform(random) - 1.0;
    v = 2.0 * next_uniform(random) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * portable_log(s) / s);
  random.spare_normal = std::clamp(v * factor, -kMaxAbsNormal, kMaxAbsNormal);
  random.has_spare_normal = true;
  return std::clamp(u * factor, -kMaxAbsNormal, kMaxAbsNormal);
}

// Round half up; x >= 0.
// (x + 0.5 truncated, not llround: the generator's output is pinned by its reproducibility tests.)
inline std::int64_t rounded(double x) noexcept {
  return static_cast<std::int64_t>(x + 0.5);  // NOLINT(bugprone-incorrect-roundings)
}

constexpr std::int64_t kUnitsPerCent = core::Decimal::kScale / 100;
constexpr std::int64_t kFloorCents = 100;  // $1.00: the $0.01 tick holds from there up (F3)
constexpr double kFloorDollars = 1.0;
constexpr double kCeilingDollars = 1e7;
constexpr double kMaxMinuteReturn = 0.2;
constexpr double kMaxGap = 0.5;
// Overnight pull toward the start price per unit of log distance (half-life ~ 230 sessions).
constexpr double kPullPerSession = 0.003;

[[noreturn]] void refuse(const std::string& problem) {
  throw SyntheticSpecError("synthetic bars: " + problem);
}

}  // namespace

SyntheticBarGenerator::Profile SyntheticBarGenerator::make_profile(std::size_t minutes) {
  // U shapes over the session, y = -1 at the open and +1 at the close.
  Profile profile;
  double sigma_square_sum = 0;
  double volume_sum = 0;
  for (std::size_t i = 0; i < minutes; ++i) {
    const double y = 2.0 * (static_cast<double>(i) + 0.5) / static_cast<double>(minutes) - 1.0;
    const double y2 = y * y;
    profile.sigma[i] = 0.55 + 1.35 * y2;
    double volume = 0.45 + 2.2 * y2;
    if (i == 0) volume *= 1.5;            // the opening cross
    if (i + 1 == minutes) volume *= 1.8;  // the closing cross
    profile.volume[i] = volume;
    sigma_square_sum += profile.sigma[i] * profile.sigma[i];
    volume_sum += volume;
  }
  // A full session's variance is 1 (times daily_volatility^2); a shorter one's proportionally
  // less. Volume shares add up to the session's part of a full day's volume.
  const double part_of_day =
      static_cast<double>(minutes) / static_cast<double>(kFullSessionMinutes);
  const double sigma_scale = std::sqrt(part_of_day / sigma_square_sum);
  const double volume_scale = part_of_day / volume_sum;
  for (std::size_t i = 0; i < minutes; ++i) {
    profile.sigma[i] *= sigma_scale;
    profile.volume[i] *= volume_scale;
  }
  return profile;
}

SyntheticBarGenerator::SyntheticBarGenerator(SyntheticSpec spec, SymbolTable& symbols)
    : spec_(std::move(spec)),
      full_profile_(make_profile(kFullSessionMinutes)),
      early_profile_(make_profile(kEarlySessionMinutes)) {
  if (!core::is_valid_symbol(spec_.symbol)) {
    refuse("symbol '" + spec_.symbol + "' is not a ticker like AAPL or BRK.B");
  }
  if (!spec_.first.ok() || !spec_.last.ok() || spec_.last < spec_.first) {
    refuse("the range " + core::format_date(spec_.first) + ".." + core::format_date(spec_.last) +
           " is not a range of valid dates, first <= last");
  }
  const auto in_calendar = [](core::Date d) {
    const int y = static_cast<int>(d.year());
    return y >= calendar::kFirstYear && y <= calendar::kLastYear;
  };
  if (!in_calendar(spec_.first) || !in_calendar(spec_.last)) {
    refuse("the range " + core::format_date(spec_.first) + ".." + core::format_date(spec_.last) +
           " leaves the calendar's years " + std::to_string(calendar::kFirstYear) + ".." +
           std::to_string(calendar::kLastYear));
  }
  if (spec_.start_price.units() < kFloorCents * kUnitsPerCent ||
      spec_.start_price.units() % kUnitsPerCent != 0) {
    refuse("start price " + spec_.start_price.to_string() + " is not a whole cent of at least 1");
  }
  // Negated comparisons so that NaN is refused too.
  if (!(spec_.daily_volatility > 0 && spec_.daily_volatility <= 0.5)) {
    refuse("daily volatility " + std::to_string(spec_.daily_volatility) + " is not in (0, 0.5]");
  }
  if (!(spec_.overnight_volatility >= 0 && spec_.overnight_volatility <= 0.5)) {
    refuse("overnight volatility " + std::to_string(spec_.overnight_volatility) +
           " is not in [0, 0.5]");
  }
  if (spec_.daily_volume < 1 || spec_.daily_volume > 1'000'000'000'000) {
    refuse("daily volume " + std::to_string(spec_.daily_volume) + " is not in 1..1e12");
  }
  symbol_ = symbols.intern(spec_.symbol);

  // The symbol is mixed in after one step of the seed, so seeds 1 and 2 with one symbol do not
  // line up with one seed and two symbols.
  std::uint64_t mix = spec_.seed;
  mix = splitmix64(mix) ^ symbol_hash(spec_.symbol);
  for (std::uint64_t& word : random_.words) word = splitmix64(mix);

  next_day_ = std::chrono::sys_days{spec_.first};
  // Whole cents (the start price is on the tick), then dollars.
  const std::int64_t start_cents = spec_.start_price.units() / kUnitsPerCent;
  start_dollars_ = static_cast<double>(start_cents) / 100.0;
  price_ = start_dollars_;
}

bool SyntheticBarGenerator::start_next_session() {
  const std::chrono::sys_days last{spec_.last};
  while (next_day_ <= last) {
    const core::Date day{next_day_};
    next_day_ += std::chrono::days{1};
    const auto session = calendar::find_session(day);
    if (!session) continue;
    if (started_) {
      // The overnight gap, pulled gently toward the start price in log terms.
      const double pull = kPullPerSession * portable_log(price_ / start_dollars_);
      const double gap = spec_.overnight_volatility * next_normal(random_) - pull;
      price_ *= 1.0 + std::clamp(gap, -kMaxGap, kMaxGap);
      price_ = std::clamp(price_, kFloorDollars, kCeilingDollars);
    }
    started_ = true;
    // Some sessions are busier and more volatile than others.
    const double volatility_level = std::clamp(1.0 + 0.25 * next_normal(random_), 0.4, 2.0);
    const double volume_level = std::clamp(1.0 + 0.3 * next_normal(random_), 0.3, 2.5);
    session_sigma_ = spec_.daily_volatility * volatility_level;
    session_volume_ = static_cast<double>(spec_.daily_volume) * volume_level;
    early_close_ = session->early_close;
    session_minutes_ = early_close_ ? kEarlySessionMinutes : kFullSessionMinutes;
    minute_index_ = 0;
    minute_ = session->open;
    close_cents_ = std::max(rounded(price_ * 100.0), kFloorCents);  // the first bar's open
    return true;
  }
  return false;
}

namespace {

// The generated fields of either output type.
Bar& bar_of(Bar& bar) noexcept { return bar; }
Bar& bar_of(BarRecord& record) noexcept {
  record.vwap = Decimal{};
  record.trade_count = -1;
  return record.bar;
}

}  // namespace

std::size_t SyntheticBarGenerator::read(std::span<Bar> out) { return fill(out); }
std::size_t SyntheticBarGenerator::read(std::span<BarRecord> out) { return fill(out); }

template <typename Record>
std::size_t SyntheticBarGenerator::fill(std::span<Record> out) {
  std::size_t filled = 0;
  while (filled < out.size()) {
    if (minute_index_ == session_minutes_ && !start_next_session()) break;
    const Profile& profile = early_close_ ? early_profile_ : full_profile_;
    const std::size_t stop = std::min(session_minutes_, minute_index_ + (out.size() - filled));
    for (; minute_index_ < stop; ++minute_index_, ++filled) {
      const double sigma = session_sigma_ * profile.sigma[minute_index_];
      const double z = next_normal(random_);
      const double minute_return = std::clamp(sigma * z, -kMaxMinuteReturn, kMaxMinuteReturn);
      price_ = std::clamp(price_ * (1.0 + minute_return), kFloorDollars, kCeilingDollars);

      const std::int64_t open = close_cents_;
      const std::int64_t close = std::max(rounded(price_ * 100.0), kFloorCents);
      // Wicks beyond the body: u^2 * 1.2 sigma, so 0.4 sigma on average each side. Three
      // 21-bit uniforms from one draw are plenty for wick and volume noise.
      const std::uint64_t bits = next_random(random_);
      constexpr std::uint64_t kMask21 = (std::uint64_t{1} << 21U) - 1;
      const double u_high = static_cast<double>(bits >> 43U) * 0x1.0p-21;
      const double u_low = static_cast<double>((bits >> 22U) & kMask21) * 0x1.0p-21;
      const double u_volume = static_cast<double>((bits >> 1U) & kMask21) * 0x1.0p-21;
      const double sigma_cents = price_ * 100.0 * sigma * 1.2;
      const std::int64_t high = std::max(open, close) + rounded(sigma_cents * u_high * u_high);
      const std::int64_t low =
          std::max(std::min(open, close) - rounded(sigma_cents * u_low * u_low), kFloorCents);
      // Busier minutes move more: volume grows with the size of the move (mean factor ~1).
      const double activity = 0.8 + 0.25 * (z < 0 ? -z : z);
      const std::int64_t volume =
          rounded(session_volume_ * profile.volume[minute_index_] * (0.5 + u_volume) * activity);

      Bar& bar = bar_of(out[filled]);
      bar.ts = minute_;
      bar.open = Decimal::from_units(open * kUnitsPerCent);
      bar.high = Decimal::from_units(high * kUnitsPerCent);
      bar.low = Decimal::from_units(low * kUnitsPerCent);
      bar.close = Decimal::from_units(close * kUnitsPerCent);
      bar.volume = volume;
      bar.symbol = symbol_;
      close_cents_ = close;
      minute_ += std::chrono::minutes{1};
    }
  }
  return filled;
}

}  // namespace trader::data
