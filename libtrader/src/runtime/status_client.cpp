#include <trader/runtime/status_client.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/core.h>

#include <optional>

namespace trader::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::uint64_t kMaxReplyBytes = std::uint64_t{8} * 1024 * 1024;

std::string address_text(std::string_view host, int port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string seconds_text(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0) return fmt::format("{} s", timeout.count() / 1000);
  return fmt::format("{} ms", timeout.count());
}

}  // namespace

std::string reachable_host(std::string_view bind_host) {
  if (bind_host == "0.0.0.0" || bind_host.empty()) return "127.0.0.1";
  if (bind_host == "::" || bind_host == "[::]") return "::1";
  return std::string(bind_host);
}

StatusReply status_request(std::string_view host_in, int port, std::string_view method,
                           std::string_view target, std::chrono::milliseconds timeout) {
  const std::string host = reachable_host(host_in);
  const std::string where = address_text(host, port);
  if (port < 1 || port > 65535) {
    throw StatusClientError(
        fmt::format("trader-run's address {} has no valid port (ALGO_WEB__PORT: 1..65535)", where));
  }
  const http::verb verb = method == "POST" ? http::verb::post : http::verb::get;

  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::string_body> request{verb, std::string(target), 11};
  request.set(http::field::host, where);
  request.set(http::field::user_agent, "trader-run");
  request.keep_alive(false);
  request.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);

  // The first failure, by stage: what the message says went wrong.
  std::optional<std::pair<std::string_view, error_code>> failure;
  const auto fail = [&](std::string_view stage, error_code ec) {
    if (!failure) failure.emplace(stage, ec);
  };

  error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints =
      resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_service, ec);
  if (ec) {
    throw StatusClientError(fmt::format(
        "trader-run's address {} does not resolve (ALGO_WEB__HOST): {}", where, ec.message()));
  }
  bool done = false;
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](error_code connect_ec, const tcp::endpoint&) {
    if (connect_ec) {
      fail("connect", connect_ec);
      return;
    }
    http::async_write(stream, request, [&](error_code write_ec, std::size_t) {
      if (write_ec) {
        fail("send", write_ec);
        return;
      }
      http::async_read(stream, buffer, parser, [&](error_code read_ec, std::size_t) {
        if (read_ec) {
          fail("read", read_ec);
        } else {
          done = true;
        }
      });
    });
  });
  io.run();
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  if (!done) {
    const auto [stage, error] =
        failure.value_or(std::pair<std::string_view, error_code>{"read", {}});
    if (error == beast::error::timeout) {
      throw StatusClientError(
          fmt::format("trader-run at {} did not answer within {}", where, seconds_text(timeout)));
    }
    if (stage == "connect" &&
        (error == asio::error::connection_refused || error == asio::error::host_unreachable ||
         error == asio::error::network_unreachable)) {
      throw NotRunningError(
          fmt::format("trader-run is not running at {} ({})", where, error.message()));
    }
    throw StatusClientError(fmt::format("{} {} to trader-run at {} failed ({}): {}", method, target,
                                        where, stage, error.message()));
  }
  const auto& response = parser.get();
  StatusReply reply;
  reply.status = static_cast<int>(response.result_int());
  reply.content_type = std::string(response[http::field::content_type]);
  reply.body = response.body();
  return reply;
}

StatusReply fetch_status(std::string_view host, int port, std::chrono::milliseconds timeout) {
  return status_request(host, port, "GET", "/status", timeout);
}

StatusReply fetch_health(std::string_view host, int port, std::chrono::milliseconds timeout) {
  return status_request(host, port, "GET", "/healthz", timeout);
}

StatusReply request_shutdown(std::string_view host, int port, std::chrono::milliseconds timeout) {
  return status_request(host, port, "POST", "/shutdown", timeout);
}

}  // namespace trader::runtime
