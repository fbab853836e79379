#pragma once
// What the Alpaca adapters throw. One subclass per way a request can fail, so a caller decides
// by type (retry later, fix the keys, fix the query) and reads the context from fields. Keys and
// secrets never appear in any of these texts: the client scrubs them from server messages too.

#include <string>
#include <utility>  // move

#include <trader/core/error.hpp>

namespace trader::alpaca {

// Base: one request (or one attempt to reach the server) that failed. status() is the HTTP
// status, 0 when no response arrived (connection, TLS, timeout) or nothing was sent.
// what(): "GET data.alpaca.markets/v2/stocks/bars [AAPL,TSLA ...]: HTTP 422: <message>".
class AlpacaError : public Error {
 public:
  AlpacaError(std::string request, int status, std::string message, std::string request_id = {});
  [[nodiscard]] const std::string& request() const noexcept { return request_; }
  [[nodiscard]] int status() const noexcept { return status_; }
  // The server's "message" (or the page title of an HTML error), or what went wrong locally.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  // The X-Request-Id header of the response, for Alpaca support; empty without a response.
  [[nodiscard]] const std::string& request_id() const noexcept { return request_id_; }

 private:
  std::string request_, message_, request_id_;
  int status_ = 0;
};

// 401/403: missing, wrong or insufficient credentials (also a subscription that does not cover
// the request, e.g. recent SIP data on the free plan). Never retried.
class AuthError : public AlpacaError {
 public:
  using AlpacaError::AlpacaError;
};

// 400, 404, 422 and other 4xx: the request itself is wrong (a bad timeframe, symbol, date or
// parameter), or a query refused before sending (status 0). Never retried.
class RequestError : public AlpacaError {
 public:
  using AlpacaError::AlpacaError;
};

// 429 on every attempt: the rate limit did not clear within the allowed retries.
class RateLimitError : public AlpacaError {
 public:
  using AlpacaError::AlpacaError;
};

// 5xx on every attempt.
class ServerError : public AlpacaError {
 public:
  using AlpacaError::AlpacaError;
};

// A 2xx response whose body is not what the API documents (bad JSON, a missing field, a price
// that is not a number). Never retried: the same request would get the same answer.
class ResponseError : public AlpacaError {
 public:
  using AlpacaError::AlpacaError;
};

// No response: the host did not resolve, refused or dropped the connection, or TLS failed.
class ConnectionError : public AlpacaError {
 public:
  ConnectionError(std::string request, std::string message)
      : AlpacaError(std::move(request), 0, std::move(message)) {}
};

// Connecting or waiting for the response took longer than the configured timeout.
class TimeoutError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};

// The server's certificate was refused (unknown issuer, expired, wrong host name), or the CA
// file could not be loaded. Never retried: the answer would be the same.
class CertificateError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};

}  // namespace trader::alpaca
