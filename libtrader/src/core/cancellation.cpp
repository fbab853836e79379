#include <trader/core/cancellation.hpp>

namespace trader {

Interrupted::Interrupted(int reason) : Error("interrupted"), reason_(reason) {}

}  // namespace trader
