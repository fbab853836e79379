#pragma once
// GET requests to one Alpaca REST host over HTTP or HTTPS, with the keys, timeouts and retry
// policy of ClientOptions: a blocking wrapper over the asynchronous net::HttpClient (its own
// io_context, run until each request is answered), for the tools. Beast and OpenSSL stay in
// src/net/, so the clients' own files compile without them.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <trader/alpaca/client_options.hpp>

namespace trader::alpaca::detail {

struct QueryParameter {
  std::string name;
  std::string value;  // plain text: percent-encoding is the client's job
};

struct RestResponse {
  int status = 0;  // 2xx
  std::string body;
  std::string request_id;  // X-Request-Id
  int retries = 0;         // attempts repeated before this response
};

class RestClient {
 public:
  // Throws ParseError for a base_url other than http(s)://host[:port][/prefix], and
  // CertificateError for a ca_file that cannot be loaded.
  explicit RestClient(const ClientOptions& options);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // GET base_url + path + "?" + query, keeping the connection open for the next call. Retries
  // 429, 5xx, lost connections and timeouts (GET is idempotent) up to max_attempts; throws the
  // AlpacaError subclass of the last failure otherwise. `label` names the request in errors
  // and logs ("AAPL,TSLA 1Min ..., page 2").
  [[nodiscard]] RestResponse get(std::string_view path, const std::vector<QueryParameter>& query,
                                 std::string_view label);

  // "GET data.alpaca.markets/v2/stocks/bars [label]": how errors name a request.
  [[nodiscard]] std::string describe(std::string_view path, std::string_view label) const;

  // `text` with any occurrence of the key or secret replaced by its masked form.
  [[nodiscard]] std::string scrubbed(std::string text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "a%2Cb": everything but RFC 3986 unreserved characters percent-encoded.
[[nodiscard]] std::string percent_encode(std::string_view text);

}  // namespace trader::alpaca::detail
