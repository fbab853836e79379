#pragma once
// The vocabulary of orders: enums with the exact lowercase spellings used
// on the wire and in the database. Parsing an unknown spelling is a ParseError, never a guess.

#include <cstdint>
#include <string_view>

namespace trader::orders {

enum class Side : std::uint8_t { buy, sell };
enum class OrderType : std::uint8_t { market, limit, stop, stop_limit, trailing_stop };
enum class TimeInForce : std::uint8_t { day, gtc, ioc };
enum class OrderRole : std::uint8_t { entry, stop_loss, exit_market };
enum class OrderState : std::uint8_t {
  pending_submit,
  submitted,
  accepted,
  partially_filled,
  filled,
  canceled,
  expired,
  rejected,
  submit_failed,
};

[[nodiscard]] std::string_view to_string(Side value) noexcept;
[[nodiscard]] std::string_view to_string(OrderType value) noexcept;
[[nodiscard]] std::string_view to_string(TimeInForce value) noexcept;
[[nodiscard]] std::string_view to_string(OrderRole value) noexcept;
[[nodiscard]] std::string_view to_string(OrderState value) noexcept;

[[nodiscard]] Side parse_side(std::string_view text);
[[nodiscard]] OrderType parse_order_type(std::string_view text);
[[nodiscard]] TimeInForce parse_time_in_force(std::string_view text);
[[nodiscard]] OrderRole parse_order_role(std::string_view text);
[[nodiscard]] OrderState parse_order_state(std::string_view text);

// filled, canceled, expired, rejected, submit_failed: nothing moves an order out of these.
[[nodiscard]] constexpr bool is_terminal(OrderState state) noexcept {
  return state == OrderState::filled || state == OrderState::canceled ||
         state == OrderState::expired || state == OrderState::rejected ||
         state == OrderState::submit_failed;
}

}  // namespace trader::orders
