#include <trader/orders/order_types.hpp>

#include <array>
#include <string>
#include <utility>

#include <trader/core/error.hpp>

namespace trader::orders {
namespace {

// One spelling table per enum; to_string and parse both read it, so they cannot disagree.
template <class Enum, std::size_t N>
using Spellings = std::array<std::pair<Enum, std::string_view>, N>;

constexpr Spellings<Side, 2> kSides{{{Side::buy, "buy"}, {Side::sell, "sell"}}};
constexpr Spellings<OrderType, 5> kTypes{{{OrderType::market, "market"},
                                          {OrderType::limit, "limit"},
                                          {OrderType::stop, "stop"},
                                          {OrderType::stop_limit, "stop_limit"},
                                          {OrderType::trailing_stop, "trailing_stop"}}};
constexpr Spellings<TimeInForce, 3> kTifs{
    {{TimeInForce::day, "day"}, {TimeInForce::gtc, "gtc"}, {TimeInForce::ioc, "ioc"}}};
constexpr Spellings<OrderRole, 3> kRoles{{{OrderRole::entry, "entry"},
                                          {OrderRole::stop_loss, "stop_loss"},
                                          {OrderRole::exit_market, "exit_market"}}};
constexpr Spellings<OrderState, 9> kStates{{{OrderState::pending_submit, "pending_submit"},
                                            {OrderState::submitted, "submitted"},
                                            {OrderState::accepted, "accepted"},
                                            {OrderState::partially_filled, "partially_filled"},
                                            {OrderState::filled, "filled"},
                                            {OrderState::canceled, "canceled"},
                                            {OrderState::expired, "expired"},
                                            {OrderState::rejected, "rejected"},
                                            {OrderState::submit_failed, "submit_failed"}}};

template <class Enum, std::size_t N>
std::string_view spell(const Spellings<Enum, N>& table, Enum value) noexcept {
  for (const auto& [e, text] : table) {
    if (e == value) return text;
  }
  return "?";
}

template <class Enum, std::size_t N>
Enum parse(const Spellings<Enum, N>& table, std::string_view text, const char* what) {
  for (const auto& [e, spelling] : table) {
    if (spelling == text) return e;
  }
  std::string expected = std::string("an order ") + what + " (";
  for (std::size_t i = 0; i < N; ++i) {
    if (i) expected += ", ";
    expected += table[i].second;
  }
  throw ParseError(expected + ")", std::string(text));
}

}  // namespace

std::string_view to_string(Side value) noexcept { return spell(kSides, value); }
std::string_view to_string(OrderType value) noexcept { return spell(kTypes, value); }
std::string_view to_string(TimeInForce value) noexcept { return spell(kTifs, value); }
std::string_view to_string(OrderRole value) noexcept { return spell(kRoles, value); }
std::string_view to_string(OrderState value) noexcept { return spell(kStates, value); }

Side parse_side(std::string_view text) { return parse(kSides, text, "side"); }
OrderType parse_order_type(std::string_view text) { return parse(kTypes, text, "type"); }
TimeInForce parse_time_in_force(std::string_view text) {
  return parse(kTifs, text, "time in force");
}
OrderRole parse_order_role(std::string_view text) { return parse(kRoles, text, "role"); }
OrderState parse_order_state(std::string_view text) { return parse(kStates, text, "state"); }

}  // namespace trader::orders
