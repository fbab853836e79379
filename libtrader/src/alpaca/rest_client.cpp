#include "alpaca/rest_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

#include <trader/alpaca/error.hpp>
#include <trader/net/http_client.hpp>

namespace trader::alpaca::detail {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// ClientOptions::sleep as a TimerSource: the wait happens in the caller's thread (this client's
// own io_context belongs to the blocking call), then the next attempt goes on at once.
class SleepTimers final : public net::TimerSource {
 public:
  SleepTimers(asio::io_context& io, std::function<void(milliseconds)> sleep)
      : io_(io), sleep_(std::move(sleep)) {}

  net::TimerHandle start(milliseconds delay, std::function<void()> callback) override {
    sleep_(delay);
    auto cancelled = std::make_shared<bool>(false);
    asio::post(io_, [cancelled, callback = std::move(callback)] {
      if (!*cancelled) callback();
    });
    return net::TimerHandle([cancelled] { *cancelled = true; });
  }

 private:
  asio::io_context& io_;
  std::function<void(milliseconds)> sleep_;
};

// The retry table's row for historical bars as ClientOptions configures it: 429, 5xx, lost
// connections and timeouts share max_attempts, with exponential backoff.
net::RetryPolicy bars_policy(const ClientOptions& options) {
  net::RetryPolicy policy;
  policy.max_attempts = std::max(1, options.max_attempts);
  policy.transient_retries = policy.max_attempts - 1;
  policy.rate_limit_retries = policy.max_attempts - 1;
  policy.backoff_initial = options.backoff_initial;
  policy.backoff_multiplier = 2.0;
  policy.backoff_max = options.backoff_max;
  policy.retry_after_max = options.backoff_max;
  policy.use_rate_limit_reset = false;  // as before: Retry-After, else the backoff
  return policy;
}

net::HttpOptions http_options(const ClientOptions& options, net::TimerSource* timers) {
  net::HttpOptions out;
  out.base_url = options.base_url;
  out.api_key = options.api_key;
  out.secret_key = options.secret_key;
  out.connect_timeout = options.connect_timeout;
  out.request_timeout = options.read_timeout;
  out.ca_file = options.ca_file;
  out.max_connections = 1;  // pages come one after the other
  out.log_event = "alpaca_retry";
  out.timers = timers;
  return out;
}

}  // namespace

// A blocking client over the asynchronous one: its own io_context, run until each request is
// answered (the tools have no loop of their own).
struct RestClient::Impl {
  explicit Impl(const ClientOptions& options) : policy(bars_policy(options)) {
    // The keys go into header lines as they are: a line break in one would forge headers.
    for (const config::Secret* secret : {&options.api_key, &options.secret_key}) {
      const std::string& value = secret->reveal();
      if (std::any_of(value.begin(), value.end(),
                      [](char c) { return std::isgraph(static_cast<unsigned char>(c)) == 0; })) {
        throw AuthError("Alpaca market data", 0,
                        "an API key contains a space or control character: " + secret->masked());
      }
    }
    if (options.sleep) {
      timers = std::make_unique<SleepTimers>(io, options.sleep);
    } else {
      timers = net::steady_timers(io);
    }
    try {
      http.emplace(io, http_options(options, timers.get()));
    } catch (const net::TlsSetupError& e) {
      throw CertificateError("Alpaca market data", e.what());
    }
  }

  asio::io_context io{1};
  net::RetryPolicy policy;
  std::unique_ptr<net::TimerSource> timers;
  std::optional<net::HttpClient> http;
};

RestClient::RestClient(const ClientOptions& options) : impl_(std::make_unique<Impl>(options)) {}

RestClient::~RestClient() = default;

std::string RestClient::describe(std::string_view path, std::string_view label) const {
  net::HttpRequest request;
  request.target = std::string(path);
  request.label = std::string(label);
  return impl_->http->describe(request);
}

std::string RestClient::scrubbed(std::string text) const {
  return impl_->http->scrubbed(std::move(text));
}

RestResponse RestClient::get(std::string_view path, const std::vector<QueryParameter>& query,
                             std::string_view label) {
  net::HttpRequest request;
  request.method = net::Method::get;
  request.target = std::string(path);
  for (std::size_t i = 0; i < query.size(); ++i) {
    request.target += i == 0 ? '?' : '&';
    request.target += percent_encode(query[i].name) + '=' + percent_encode(query[i].value);
  }
  request.label = std::string(label);
  request.retry = impl_->policy;
  const std::string name = describe(path, label);

  bool done = false;
  net::HttpResult result;
  impl_->http->request(std::move(request), [&](net::HttpResult answer) {
    result = std::move(answer);
    done = true;
  });
  net::run_until(impl_->io, done);
  if (!done) throw ConnectionError(name, "the request was abandoned");

  switch (result.failure) {
    case net::Failure::none:
      return RestResponse{result.status, std::move(result.body), std::move(result.request_id),
                          result.attempts - 1};
    case net::Failure::timeout:
      throw TimeoutError(name, result.message);
    case net::Failure::connection:
      throw ConnectionError(name, result.message);
    case net::Failure::certificate:
      throw CertificateError(name, result.message);
    case net::Failure::auth:
      throw AuthError(name, result.status, result.message, result.request_id);
    case net::Failure::rate_limit:
      throw RateLimitError(name, result.status, result.message, result.request_id);
    case net::Failure::server:
      throw ServerError(name, result.status, result.message, result.request_id);
    case net::Failure::request:
      throw RequestError(name, result.status, result.message, result.request_id);
    case net::Failure::unexpected:
      break;
  }
  // 1xx and 3xx: Alpaca never redirects (the SDKs refuse to follow), so this is not it.
  throw ResponseError(name, result.status, result.message, result.request_id);
}

std::string percent_encode(std::string_view text) { return net::percent_encode(text); }

}  // namespace trader::alpaca::detail
