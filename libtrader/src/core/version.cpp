#include <trader/core/version.hpp>

namespace trader::core {

std::string_view version() noexcept { return TRADER_VERSION; }

}  // namespace trader::core
