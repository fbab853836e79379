#include <trader/alpaca/error.hpp>

namespace trader::alpaca {
namespace {

std::string describe(const std::string& request, int status, const std::string& message) {
  std::string out = request;
  if (status != 0) out += ": HTTP " + std::to_string(status);
  return out + ": " + message;
}

}  // namespace

AlpacaError::AlpacaError(std::string request, int status, std::string message,
                         std::string request_id)
    : Error(describe(request, status, message)),
      request_(std::move(request)),
      message_(std::move(message)),
      request_id_(std::move(request_id)),
      status_(status) {}

}  // namespace trader::alpaca
