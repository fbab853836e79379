#include <trader/alpaca/client_options.hpp>

namespace trader::alpaca {

ClientOptions market_data_options(const config::Settings& settings) {
  ClientOptions options;
  options.base_url = settings.broker.data_url;
  options.api_key = settings.broker.api_key;
  options.secret_key = settings.broker.secret_key;
  return options;
}

}  // namespace trader::alpaca
