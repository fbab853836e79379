#pragma once
// The library's version (from meson.build), stored with every backtest run (F5).

#include <string_view>

namespace trader::core {

[[nodiscard]] std::string_view version() noexcept;

}  // namespace trader::core
