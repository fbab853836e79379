#include <trader/orders/client_order_ids.hpp>

#include <atomic>
#include <chrono>
#include <random>

namespace trader::orders {
namespace {

void append_base36(std::string& out, std::uint64_t value, int min_digits) {
  constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  char buffer[16];
  int n = 0;
  do {
    buffer[n++] = kDigits[value % 36];
    value /= 36;
  } while (value != 0 || n < min_digits);
  while (n > 0) out += buffer[--n];
}

// The last start time handed out in this process: two runs started within one microsecond still
// get different times.
std::atomic<std::int64_t> g_last_start{0};

}  // namespace

ClientOrderIds ClientOrderIds::deterministic(std::string prefix) {
  return ClientOrderIds(std::move(prefix));
}

ClientOrderIds ClientOrderIds::unique_run() {
  std::random_device device;
  const std::uint64_t entropy =
      (static_cast<std::uint64_t>(device()) << 32U) ^ static_cast<std::uint64_t>(device());
  return unique_run(
      std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now()), entropy);
}

ClientOrderIds ClientOrderIds::unique_run(core::Timestamp start, std::uint64_t entropy) {
  std::int64_t micros = core::to_unix_micros(start);
  std::int64_t last = g_last_start.load();
  do {
    micros = std::max(micros, last + 1);
  } while (!g_last_start.compare_exchange_weak(last, micros));
  std::string prefix;
  prefix.reserve(20);
  append_base36(prefix, static_cast<std::uint64_t>(micros), 1);
  constexpr std::uint64_t kRandomRange = 36ULL * 36 * 36 * 36 * 36;  // five digits, ~25.8 bits
  append_base36(prefix, entropy % kRandomRange, 5);
  prefix += '-';
  return ClientOrderIds(std::move(prefix));
}

std::string ClientOrderIds::next() { return prefix_ + std::to_string(++issued_); }

}  // namespace trader::orders
