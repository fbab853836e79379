// The status endpoint over real sockets on 127.0.0.1: the four routes through the blocking
// client, 404/405, malformed, oversized and slow requests, keep-alive, a port in use, stop, and
// the client's errors when nothing listens.
#include <trader/runtime/status_server.hpp>

#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <trader/runtime/status_client.hpp>

namespace trader::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A StatusServer on its own io_context thread (as the runtime's loop would run it); the test's
// thread is the client. Handlers run on the server thread: shared state is atomic.
class ServerFixture {
 public:
  explicit ServerFixture(runtime::StatusServerOptions options = quick()) {
    runtime::StatusHandlers handlers;
    handlers.health = [this] {
      return healthy.load() ? runtime::HealthVerdict{true, {}}
                            : runtime::HealthVerdict{false, "market_data is disconnected"};
    };
    handlers.status_json = [this] {
      if (fail_status.load()) throw std::runtime_error("snapshot unavailable");
      return std::string("{\"state\":\"running\"}");
    };
    handlers.metrics_text = [] { return std::string("trader_bars_processed_total 7\n"); };
    handlers.shutdown = [this] { ++shutdowns; };
    server = std::make_unique<runtime::StatusServer>(io_, std::move(options), std::move(handlers));
    work_ = std::thread([this] { io_.run(); });
  }
  ~ServerFixture() {
    asio::post(io_, [this] { server.reset(); });
    work_.join();  // run() returns once the server is gone and nothing else is left
  }
  ServerFixture(const ServerFixture&) = delete;
  ServerFixture& operator=(const ServerFixture&) = delete;

  static runtime::StatusServerOptions quick() {
    runtime::StatusServerOptions options;
    options.port = 0;
    options.max_request_bytes = 2048;
    options.request_timeout = 2s;
    return options;
  }

  [[nodiscard]] int port() const { return server->port(); }

  // Runs `fn` on the server's thread and waits for it.
  template <class Fn>
  auto on_server(Fn fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  std::atomic<bool> healthy{true};
  std::atomic<bool> fail_status{false};
  std::atomic<int> shutdowns{0};
  std::unique_ptr<runtime::StatusServer> server;

 private:
  asio::io_context io_;
  std::thread work_;
};

// Raw bytes to the server; everything it answers until it closes (or `timeout`).
std::string raw_exchange(int port, const std::string& bytes, std::chrono::seconds timeout = 20s) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port)));
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(bytes), ec);
  std::string answer;
  const auto guard = std::chrono::steady_clock::now() + timeout;
  std::array<char, 4096> chunk{};
  socket.non_blocking(true);
  while (std::chrono::steady_clock::now() < guard) {
    const auto n = socket.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(5ms);
      continue;
    }
    if (ec) break;  // closed by the server
    answer.append(chunk.data(), n);
  }
  return answer;
}

TEST_SUITE("runtime") {
  TEST_CASE("the status endpoint answers /healthz, /status, /metrics and /shutdown") {
    ServerFixture fixture;
    REQUIRE(fixture.port() > 0);
    CHECK(fixture.server->address() == "127.0.0.1:" + std::to_string(fixture.port()));

    auto reply = runtime::fetch_health("127.0.0.1", fixture.port());
    CHECK(reply.status == 200);
    CHECK(reply.body == "ok\n");
    fixture.healthy = false;
    reply = runtime::fetch_health("127.0.0.1", fixture.port());
    CHECK(reply.status == 503);
    CHECK(reply.body == "market_data is disconnected\n");
    CHECK_FALSE(reply.ok());

    reply = runtime::fetch_status("127.0.0.1", fixture.port());
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "application/json");
    CHECK(reply.body == "{\"state\":\"running\"}\n");

    reply = runtime::status_request("127.0.0.1", fixture.port(), "GET", "/metrics?x=1");
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(reply.body == "trader_bars_processed_total 7\n");

    // The wildcard address a container binds is reached on the loopback.
    reply = runtime::request_shutdown("0.0.0.0", fixture.port());
    CHECK(reply.status == 202);
    CHECK(reply.body == "shutting down\n");
    // The callback runs once the answer is written: wait for it by condition.
    const auto guard = std::chrono::steady_clock::now() + 20s;
    while (fixture.shutdowns.load() == 0 && std::chrono::steady_clock::now() < guard) {
      std::this_thread::sleep_for(5ms);
    }
    CHECK(fixture.shutdowns.load() == 1);
  }

  TEST_CASE("the status endpoint: 404, 405, a throwing handler, a bad request, keep-alive") {
    ServerFixture fixture;
    auto reply = runtime::status_request("127.0.0.1", fixture.port(), "GET", "/nothing");
    CHECK(reply.status == 404);
    reply = runtime::status_request("127.0.0.1", fixture.port(), "POST", "/status");
    CHECK(reply.status == 405);
    reply = runtime::status_request("127.0.0.1", fixture.port(), "GET", "/shutdown");
    CHECK(reply.status == 405);
    CHECK(fixture.shutdowns.load() == 0);  // a GET never shuts down

    fixture.fail_status = true;
    reply = runtime::fetch_status("127.0.0.1", fixture.port());
    CHECK(reply.status == 500);
    CHECK(reply.body == "error: snapshot unavailable\n");
    fixture.fail_status = false;

    // Not HTTP at all: a 400 and the connection closed.
    auto answer = raw_exchange(fixture.port(), "HELLO THERE\r\n\r\n");
    CHECK(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);

    // Two requests on one connection (keep-alive), the second closing it.
    answer = raw_exchange(fixture.port(),
                          "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                          "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(answer.find("HTTP/1.1 200 OK") == 0);
    CHECK(answer.find("\r\n\r\nok\n") != std::string::npos);
    CHECK(answer.find("{\"state\":\"running\"}") != std::string::npos);
    CHECK(answer.find("Allow:") == std::string::npos);

    // The server still answers after all that.
    CHECK(runtime::fetch_health("127.0.0.1", fixture.port()).status == 200);
  }

  TEST_CASE("the status endpoint bounds a request's size and time") {
    ServerFixture fixture;
    // A header larger than the limit: 413, closed.
    const std::string big(4096, 'a');
    auto answer = raw_exchange(fixture.port(),
                               "GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n");
    CHECK(answer.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0) == 0);
    // A body larger than the limit.
    answer =
        raw_exchange(fixture.port(),
                     "POST /shutdown HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + big);
    CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(fixture.shutdowns.load() == 0);
    // Half a request, then silence: closed after the request timeout (2 s here), no answer.
    answer = raw_exchange(fixture.port(), "GET /sta", 30s);
    CHECK(answer.empty());
    CHECK(runtime::fetch_health("127.0.0.1", fixture.port()).status == 200);
  }

  TEST_CASE("a port in use is an error naming ALGO_WEB__HOST and ALGO_WEB__PORT") {
    ServerFixture fixture;
    asio::io_context io;
    runtime::StatusServerOptions options;
    options.host = "127.0.0.1";
    options.port = fixture.port();
    try {
      runtime::StatusServer second(io, options, {});
      FAIL("a second server bound the same port");
    } catch (const runtime::StatusServerError& e) {
      const std::string what = e.what();
      CAPTURE(what);
      CHECK(what.find("127.0.0.1:" + std::to_string(fixture.port())) != std::string::npos);
      CHECK(what.find("ALGO_WEB__HOST") != std::string::npos);
      CHECK(what.find("ALGO_WEB__PORT") != std::string::npos);
      CHECK(what.find("in use") != std::string::npos);
    }
    options.host = "not a host name";
    CHECK_THROWS_AS(runtime::StatusServer(io, options, {}), runtime::StatusServerError);
    options.host = "127.0.0.1";
    options.port = 70000;
    CHECK_THROWS_AS(runtime::StatusServer(io, options, {}), runtime::StatusServerError);
  }

  TEST_CASE("the status client: nothing listening is 'not running', a silent server a timeout") {
    int free_port = 0;
    {
      ServerFixture fixture;
      free_port = fixture.port();
      fixture.on_server([&] {
        fixture.server->stop();
        return 0;
      });
      // Stopped: the port is closed.
      try {
        static_cast<void>(runtime::fetch_status("127.0.0.1", free_port));
        FAIL("a stopped server answered");
      } catch (const runtime::NotRunningError& e) {
        CHECK(std::string(e.what()) == "trader-run is not running at 127.0.0.1:" +
                                           std::to_string(free_port) + " (Connection refused)");
      }
    }
    CHECK_THROWS_AS(static_cast<void>(runtime::request_shutdown("127.0.0.1", free_port)),
                    runtime::NotRunningError);

    // A listener that accepts and never answers: the deadline ends the wait.
    asio::io_context io;
    tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const int port = silent.local_endpoint().port();
    try {
      static_cast<void>(runtime::fetch_status("127.0.0.1", port, 300ms));
      FAIL("a silent server answered");
    } catch (const runtime::NotRunningError&) {
      FAIL("a listening server is running");
    } catch (const runtime::StatusClientError& e) {
      CHECK(std::string(e.what()) ==
            "trader-run at 127.0.0.1:" + std::to_string(port) + " did not answer within 300 ms");
    }
    CHECK(runtime::reachable_host("0.0.0.0") == "127.0.0.1");
    CHECK(runtime::reachable_host("::") == "::1");
    CHECK(runtime::reachable_host("10.1.2.3") == "10.1.2.3");
    CHECK_THROWS_AS(static_cast<void>(runtime::fetch_status("127.0.0.1", 0)),
                    runtime::StatusClientError);
  }
}

}  // namespace
}  // namespace trader::testing
