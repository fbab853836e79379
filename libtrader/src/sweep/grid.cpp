#include <trader/sweep/grid.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

#include <trader/core/decimal.hpp>
#include <trader/core/text.hpp>

namespace trader::sweep {
namespace {

using core::Decimal;

// splitmix64: a small generator whose output is the same everywhere (no std:: distributions).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in 0..n-1 (n > 0); the modulo's bias is below 2^-40 for the sizes a sweep draws.
  std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }

 private:
  std::uint64_t state_;
};

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    out.emplace_back(
        config::trimmed(text.substr(start, at == std::string_view::npos ? at : at - start)));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

bool is_integer_text(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<Decimal> decimal_of(std::string_view text) {
  try {
    return Decimal::parse(text);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::optional<double> number_of(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

int fraction_digits(std::string_view text) {
  const auto dot = text.find('.');
  return dot == std::string_view::npos ? 0 : static_cast<int>(text.size() - dot - 1);
}

// "" when `value` is one the domain accepts, else what it accepts.
std::string check_value(const ParameterDomain& d, const std::string& value) {
  switch (d.kind) {
    case ParameterDomain::Kind::integer: {
      if (!is_integer_text(value)) return "must be an integer in " + d.allowed;
      const long long v = std::stoll(value);
      if (v < std::stoll(d.low) || v > std::stoll(d.high)) {
        return "is outside " + d.name + "'s declared range " + d.allowed;
      }
      return "";
    }
    case ParameterDomain::Kind::number: {
      const auto v = number_of(value);
      if (!v) return "must be a number in " + d.allowed;
      if (*v < *number_of(d.low) || *v > *number_of(d.high)) {
        return "is outside " + d.name + "'s declared range " + d.allowed;
      }
      return "";
    }
    case ParameterDomain::Kind::choice:
    case ParameterDomain::Kind::boolean:
      if (std::find(d.choices.begin(), d.choices.end(), core::to_lower(value)) == d.choices.end()) {
        return "is not one of " + d.name + "'s declared values (" + d.allowed + ")";
      }
      return "";
  }
  return "";
}

std::vector<std::string> stepped(const Axis& axis, const std::string& lo, const std::string& hi,
                                 const std::string& step, std::size_t max_values) {
  const auto refuse = [&](const std::string& why) { return GridError(axis.option + ": " + why); };
  std::vector<std::string> out;
  if (axis.domain.kind == ParameterDomain::Kind::integer) {
    if (!is_integer_text(lo) || !is_integer_text(hi) || !is_integer_text(step)) {
      throw refuse("LO:HI:STEP of the integer parameter " + axis.name + " must be integers");
    }
    const long long a = std::stoll(lo);
    const long long b = std::stoll(hi);
    const long long s = std::stoll(step);
    if (s <= 0) throw refuse("the step " + step + " must be above 0");
    if (b < a) throw refuse("the range " + lo + ":" + hi + " is empty (HI below LO)");
    if (static_cast<unsigned long long>((b - a) / s) >= max_values) {
      throw refuse(fmt::format("more than {} values", max_values));
    }
    for (long long v = a; v <= b; v += s) out.push_back(std::to_string(v));
    return out;
  }
  if (axis.domain.kind != ParameterDomain::Kind::number) {
    throw refuse(axis.name + " takes " + axis.domain.allowed + ": list the values (A,B,...)");
  }
  const auto a = decimal_of(lo);
  const auto b = decimal_of(hi);
  const auto s = decimal_of(step);
  if (!a || !b || !s) throw refuse("LO:HI:STEP must be decimal numbers (at most 8 decimals)");
  if (!(Decimal{} < *s)) throw refuse("the step " + step + " must be above 0");
  if (*b < *a) throw refuse("the range " + lo + ":" + hi + " is empty (HI below LO)");
  if (static_cast<std::uint64_t>(trunc_div(*b - *a, *s)) >= max_values) {
    throw refuse(fmt::format("more than {} values", max_values));
  }
  for (Decimal v = *a; !(*b < v); v = v + *s) out.push_back(v.to_string());
  return out;
}

}  // namespace

ParameterDomain domain_of(const strategy::ParameterInfo& parameter) {
  ParameterDomain d;
  d.name = parameter.name;
  d.allowed = parameter.allowed;
  const std::string& a = parameter.allowed;
  if (a == "true/false") {
    d.kind = ParameterDomain::Kind::boolean;
    d.choices = {"true", "false"};
    return d;
  }
  if (a.rfind("one of ", 0) == 0) {
    d.kind = ParameterDomain::Kind::choice;
    for (auto& c : split(std::string_view(a).substr(7), ','))
      d.choices.push_back(core::to_lower(c));
    return d;
  }
  const auto dots = a.find("..");
  if (dots != std::string::npos) {
    d.low = a.substr(0, dots);
    d.high = a.substr(dots + 2);
    if (is_integer_text(d.low) && is_integer_text(d.high)) {
      d.kind = ParameterDomain::Kind::integer;
      return d;
    }
    if (number_of(d.low) && number_of(d.high)) {
      d.kind = ParameterDomain::Kind::number;
      return d;
    }
  }
  throw GridError("parameter " + parameter.name + " declares '" + a +
                  "', which a sweep cannot draw values from");
}

std::vector<Axis> parse_axes(const strategy::StrategyRegistry& registry, std::string_view strategy,
                             const std::vector<std::string>& grid_options,
                             const std::vector<std::pair<std::string, std::string>>& fixed,
                             std::size_t max_values) {
  std::vector<strategy::ParameterInfo> parameters;
  for (const auto& info : registry.list()) {
    if (info.name == strategy) parameters = info.parameters;
  }
  std::vector<std::string> names;
  names.reserve(parameters.size());
  for (const auto& p : parameters) names.push_back(p.name);
  std::vector<Axis> axes;
  for (const std::string& text : grid_options) {
    Axis axis;
    axis.option = "--grid " + text;
    const auto equals = text.find('=');
    axis.name = core::to_lower(config::trimmed(text.substr(0, equals)));
    if (axis.name.empty()) throw GridError(axis.option + ": expected NAME=SPEC");
    const auto it = std::find(names.begin(), names.end(), axis.name);
    if (it == names.end()) {
      std::string nearest = core::closest(axis.name, names);
      if (core::edit_distance(axis.name, nearest) > std::max<std::size_t>(2, nearest.size() / 3)) {
        nearest.clear();
      }
      throw GridError(axis.option + ": unknown parameter " + axis.name + " of " +
                      std::string(strategy) +
                      (nearest.empty() ? "" : "; did you mean " + nearest + "?") +
                      " (see trader-backtest --list-strategies)");
    }
    axis.domain = domain_of(parameters[static_cast<std::size_t>(it - names.begin())]);
    for (const Axis& other : axes) {
      if (other.name == axis.name) {
        throw GridError(axis.option + ": " + axis.name + " is already swept (" + other.option +
                        ")");
      }
    }
    for (const auto& [name, value] : fixed) {
      if (core::to_lower(name) == axis.name) {
        throw GridError(axis.option + ": " + axis.name + " is also fixed by --param " + name + "=" +
                        value);
      }
    }
    if (equals == std::string::npos) {  // the whole declared range, for random draws
      if (axis.domain.kind == ParameterDomain::Kind::integer ||
          axis.domain.kind == ParameterDomain::Kind::number) {
        axis.low = axis.domain.low;
        axis.high = axis.domain.high;
      } else {
        axis.values = axis.domain.choices;
      }
      axes.push_back(std::move(axis));
      continue;
    }
    const std::string spec = config::trimmed(text.substr(equals + 1));
    if (spec.empty()) throw GridError(axis.option + ": no values after '='");
    const auto check = [&](const std::string& value) {
      const std::string problem = check_value(axis.domain, value);
      if (!problem.empty()) throw GridError(axis.option + ": " + value + " " + problem);
    };
    if (spec.find(':') != std::string::npos) {
      const auto parts = split(spec, ':');
      if (parts.size() > 3 ||
          std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
        throw GridError(axis.option + ": expected LO:HI:STEP (or LO:HI with --random)");
      }
      check(parts[0]);
      check(parts[1]);
      if (parts.size() == 3) {
        axis.values = stepped(axis, parts[0], parts[1], parts[2], max_values);
      } else {
        if (axis.domain.kind != ParameterDomain::Kind::integer &&
            axis.domain.kind != ParameterDomain::Kind::number) {
          throw GridError(axis.option + ": " + axis.name + " takes " + axis.domain.allowed +
                          ": list the values (A,B,...)");
        }
        if (*number_of(parts[1]) < *number_of(parts[0])) {
          throw GridError(axis.option + ": the range " + parts[0] + ":" + parts[1] +
                          " is empty (HI below LO)");
        }
        axis.low = parts[0];
        axis.high = parts[1];
      }
    } else {
      axis.values = split(spec, ',');
      if (axis.values.size() > max_values) {
        throw GridError(fmt::format("{}: more than {} values", axis.option, max_values));
      }
      std::set<std::string> seen;
      for (const auto& v : axis.values) {
        if (v.empty()) throw GridError(axis.option + ": an empty value in the list");
        if (!seen.insert(v).second) throw GridError(axis.option + ": " + v + " is listed twice");
      }
    }
    for (const auto& v : axis.values) check(v);
    axes.push_back(std::move(axis));
  }
  return axes;
}

std::vector<Combination> grid_combinations(const std::vector<Axis>& axes, std::size_t limit) {
  std::size_t total = 1;
  for (const Axis& axis : axes) {
    if (!axis.discrete()) {
      throw GridError(axis.option + ": a range without a step (LO:HI or a bare name) is for " +
                      "--random; give LO:HI:STEP or a list for a grid");
    }
    if (total > limit / axis.values.size()) {
      throw GridError(
          fmt::format("the grid has more than {} combinations; narrow it or use "
                      "--random N",
                      limit));
    }
    total *= axis.values.size();
  }
  std::vector<Combination> out;
  out.reserve(total);
  std::vector<std::size_t> at(axes.size(), 0);
  for (std::size_t n = 0; n < total; ++n) {
    Combination c;
    c.reserve(axes.size());
    for (std::size_t i = 0; i < axes.size(); ++i)
      c.emplace_back(axes[i].name, axes[i].values[at[i]]);
    out.push_back(std::move(c));
    for (std::size_t i = axes.size(); i-- > 0;) {  // the last axis varies fastest
      if (++at[i] < axes[i].values.size()) break;
      at[i] = 0;
    }
  }
  return out;
}

std::vector<Combination> random_combinations(const std::vector<Axis>& axes, std::size_t count,
                                             std::uint64_t seed) {
  if (count > kMaxCombinations) {
    throw GridError(fmt::format("--random {}: at most {} combinations", count, kMaxCombinations));
  }
  // An all-discrete space holds this many distinct combinations (capped past `count`): once
  // all have come, further draws could only repeat them.
  std::size_t space = 1;
  for (const Axis& axis : axes) {
    if (!axis.discrete()) {
      space = count + 1;
      break;
    }
    space = axis.values.size() > (count + 1) / space ? count + 1 : space * axis.values.size();
  }
  Random random(seed);
  std::vector<Combination> out;
  std::set<Combination> seen;
  for (std::size_t n = 0; n < count && seen.size() < space; ++n) {
    Combination c;
    for (const Axis& axis : axes) {
      std::string value;
      if (axis.discrete()) {
        value = axis.values[random.below(axis.values.size())];
      } else if (axis.domain.kind == ParameterDomain::Kind::integer) {
        const long long lo = std::stoll(axis.low);
        const long long hi = std::stoll(axis.high);
        value = std::to_string(
            lo + static_cast<long long>(random.below(static_cast<std::uint64_t>(hi - lo) + 1)));
      } else {
        // On a grid a hundredth of the finest declared digit: "0.05..1.0" draws 0.0001 steps.
        const int digits = std::min(
            Decimal::kFractionDigits,
            std::max(fraction_digits(axis.domain.low), fraction_digits(axis.domain.high)) + 2);
        std::int64_t unit = 1;
        for (int i = digits; i < Decimal::kFractionDigits; ++i) unit *= 10;
        const Decimal lo = Decimal::from_double(*number_of(axis.low));
        const Decimal hi = Decimal::from_double(*number_of(axis.high));
        const auto steps = static_cast<std::uint64_t>((hi - lo).units() / unit);
        const Decimal v =
            lo + Decimal::from_units(static_cast<std::int64_t>(random.below(steps + 1)) * unit);
        value = v.to_string();
      }
      c.emplace_back(axis.name, std::move(value));
    }
    if (seen.insert(c).second) out.push_back(std::move(c));
  }
  return out;
}

std::string describe(const Combination& combination) {
  std::string out;
  for (const auto& [name, value] : combination) {
    out += (out.empty() ? "" : ", ") + name + "=" + value;
  }
  return out;
}

}  // namespace trader::sweep
