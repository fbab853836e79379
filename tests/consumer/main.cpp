// A separate program that knows libtrader only through `pkg-config --cflags --libs libtrader`.
#include <trader/calendar/nyse.hpp>
#include <trader/core/decimal.hpp>

#include <cstdio>

int main() {
  using trader::core::Decimal;
  const Decimal risk = Decimal::parse("250");
  const Decimal distance = Decimal::parse("0.50");
  const auto shares = trader::core::trunc_div(risk, distance);
  const auto open = trader::calendar::session_open(std::chrono::year{2025} / 3 / 10);
  const auto text = trader::core::format_timestamp(open);
  std::printf("%lld %s\n", static_cast<long long>(shares), text.c_str());
  return shares == 500 && text == "2025-03-10T13:30:00Z" ? 0 : 1;
}
