// Issue 13 (transport): the asynchronous HTTP(S) client over real sockets on 127.0.0.1, plain
// and TLS: keep-alive, timeouts, each row of the retry table, keys never in a message, and a loop
// that is never blocked while a response is slow.
#include <trader/net/http_client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "support/http_test_server.hpp"
#include "support/process.hpp"
#include "support/tls_material.hpp"

namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using trader::config::Secret;
using trader::net::Failure;
using trader::net::HttpClient;
using trader::net::HttpOptions;
using trader::net::HttpRequest;
using trader::net::HttpResult;
using trader::net::Method;
using trader::net::Repeat;
using trader::net::RetryPolicy;
using trader::testing::HttpExchange;
using trader::testing::HttpReply;
using trader::testing::HttpTestServer;
using trader::testing::TestCertificateAuthority;

constexpr const char* kKey = "PKNETTEST00000000001";
constexpr const char* kSecret = "net-secret-00000000000000000000000000001";

// Records every wait asked for and lets it pass at once (from the loop, never inline).
class RecordingTimers final : public trader::net::TimerSource {
 public:
  explicit RecordingTimers(asio::io_context& io) : io_(io) {}
  trader::net::TimerHandle start(milliseconds delay, std::function<void()> callback) override {
    delays.push_back(delay);
    auto cancelled = std::make_shared<bool>(false);
    asio::post(io_, [cancelled, callback = std::move(callback)] {
      if (!*cancelled) callback();
    });
    return trader::net::TimerHandle([cancelled] { *cancelled = true; });
  }
  std::vector<milliseconds> delays;

 private:
  asio::io_context& io_;
};

struct Fixture {
  asio::io_context io;
  RecordingTimers timers{io};

  HttpOptions options(const HttpTestServer& server) {
    HttpOptions out;
    out.base_url = server.base_url();
    out.api_key = Secret(kKey);
    out.secret_key = Secret(kSecret);
    out.connect_timeout = milliseconds{5'000};
    out.request_timeout = milliseconds{5'000};
    out.timers = &timers;
    return out;
  }

  // Sends one request and runs the loop until its callback.
  HttpResult send(HttpClient& client, HttpRequest request) {
    bool done = false;
    HttpResult out;
    client.request(std::move(request), [&](HttpResult result) {
      out = std::move(result);
      done = true;
    });
    trader::net::run_until(io, done);
    REQUIRE(done);
    return out;
  }
};

HttpRequest get(std::string target) {
  HttpRequest request;
  request.target = std::move(target);
  return request;
}

HttpRequest submit(std::string body) {
  HttpRequest request;
  request.method = Method::post;
  request.target = "/v2/orders";
  request.body = std::move(body);
  request.label = "submit";
  request.repeat = Repeat::safe;  // F22: the same client_order_id on every copy
  request.retry = RetryPolicy::submit_order();
  return request;
}

HttpReply status(int code, std::string body = "{}") {
  HttpReply reply;
  reply.status = code;
  reply.body = std::move(body);
  return reply;
}

void check_no_keys(const std::string& text) {
  CHECK(text.find(kKey) == std::string::npos);
  CHECK(text.find(kSecret) == std::string::npos);
}

}  // namespace

TEST_SUITE("net") {
  TEST_CASE("keep-alive: requests one after the other share one connection; keys are sent") {
    HttpTestServer server;
    Fixture f;
    HttpClient client(f.io, f.options(server));

    for (int i = 0; i < 3; ++i) {
      const HttpResult result = f.send(client, get("/v2/account?n=" + std::to_string(i)));
      CHECK(result.ok());
      CHECK(result.status == 200);
      CHECK(result.body == "{}");
      CHECK(result.attempts == 1);
      CHECK(result.connection_id == 1);
    }
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    for (const HttpExchange& request : requests) CHECK(request.connection == 1);
    CHECK(requests[2].target == "/v2/account?n=2");
    CHECK(requests[0].header("APCA-API-KEY-ID") == kKey);
    CHECK(requests[0].header("APCA-API-SECRET-KEY") == kSecret);
    CHECK(server.connections() == 1);
    CHECK(client.connections_opened() == 1);
  }

  TEST_CASE("methods and JSON bodies: POST, PATCH, DELETE arrive as sent") {
    HttpTestServer server;
    Fixture f;
    HttpClient client(f.io, f.options(server));
    HttpRequest patch;
    patch.method = Method::patch;
    patch.target = "/v2/orders/abc";
    patch.body = R"({"qty":"5"})";
    HttpRequest cancel;
    cancel.method = Method::del;
    cancel.target = "/v2/orders/abc";

    CHECK(f.send(client, submit(R"({"client_order_id":"x-1"})")).ok());
    CHECK(f.send(client, patch).ok());
    CHECK(f.send(client, cancel).ok());

    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].body == R"({"client_order_id":"x-1"})");
    CHECK(requests[0].header("Content-Type") == "application/json");
    CHECK(requests[1].method == "PATCH");
    CHECK(requests[1].body == R"({"qty":"5"})");
    CHECK(requests[2].method == "DELETE");
    CHECK(requests[2].body.empty());
  }

  TEST_CASE("several requests at once use several connections, at most max_connections") {
    HttpTestServer server([](const HttpExchange&) {
      HttpReply reply;
      reply.delay = milliseconds{100};
      return reply;
    });
    Fixture f;
    HttpOptions options = f.options(server);
    options.max_connections = 2;
    HttpClient client(f.io, options);
    int answered = 0;
    for (int i = 0; i < 5; ++i) {
      client.request(get("/v2/clock"), [&](const HttpResult& result) {
        CHECK(result.ok());
        ++answered;
      });
    }
    CHECK(client.pending() == 5);
    while (answered < 5 && f.io.run_one() != 0) {
    }
    CHECK(answered == 5);
    CHECK(server.connections() == 2);
    CHECK(client.pending() == 0);
  }

  TEST_CASE("timeout: a server that never answers fails after the request's timeout") {
    HttpTestServer server([](const HttpExchange&) {
      HttpReply reply;
      reply.action = HttpReply::Action::hang;
      return reply;
    });
    Fixture f;
    HttpClient client(f.io, f.options(server));
    HttpRequest request = get("/v2/account");
    request.timeout = milliseconds{200};
    request.retry = RetryPolicy::none();

    const HttpResult result = f.send(client, request);

    CHECK(result.failure == Failure::timeout);
    CHECK(result.status == 0);
    CHECK(result.message == "no complete response from 127.0.0.1:" + std::to_string(server.port()) +
                                " within 200 ms");
    CHECK(result.attempts == 1);
  }

  TEST_CASE("retry table, 429: Retry-After is honoured, then the request succeeds") {
    int calls = 0;
    HttpTestServer server([&calls](const HttpExchange&) {
      if (++calls > 1) return status(200, R"({"ok":true})");
      HttpReply reply = status(429, R"({"code":42910000,"message":"too many requests"})");
      reply.headers = {{"Retry-After", "2"}};
      return reply;
    });
    Fixture f;
    HttpClient client(f.io, f.options(server));

    const HttpResult result = f.send(client, submit(R"({"client_order_id":"x-2"})"));

    CHECK(result.ok());
    CHECK(result.attempts == 2);
    CHECK(f.timers.delays == std::vector<milliseconds>{milliseconds{2'000}});
  }

  TEST_CASE("retry table, 429 without Retry-After: waits until X-RateLimit-Reset") {
    int calls = 0;
    HttpTestServer server([&calls](const HttpExchange&) {
      if (++calls > 2) return status(200);
      HttpReply reply = status(429, R"({"message":"too many requests"})");
      // The first names a reset 4 s ahead of the client's clock, the second one already past.
      reply.headers = {{"X-RateLimit-Reset", calls == 1 ? "1700000004" : "1699999990"}};
      return reply;
    });
    Fixture f;
    HttpOptions options = f.options(server);
    options.wall_clock = [] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
    };
    HttpClient client(f.io, options);

    const HttpResult result = f.send(client, get("/v2/account"));

    CHECK(result.ok());
    CHECK(result.attempts == 3);
    // A reset in the past falls back to the policy's backoff (query: 1 s, then 2 s).
    CHECK(f.timers.delays == std::vector<milliseconds>{milliseconds{4'000}, milliseconds{2'000}});
  }

  TEST_CASE("retry table, 429 on submit: tried once more, then reported as rate limited") {
    HttpTestServer server([](const HttpExchange&) { return status(429); });
    Fixture f;
    HttpClient client(f.io, f.options(server));

    const HttpResult result = f.send(client, submit(R"({"client_order_id":"x-3"})"));

    CHECK(result.failure == Failure::rate_limit);
    CHECK(result.attempts == 2);
    CHECK(result.message.find("(gave up after 2 attempts)") != std::string::npos);
    CHECK(server.requests().size() == 2);
  }

  TEST_CASE("retry table, submit: a 5xx is retried twice, 1 s apart, with the same body (F22)") {
    HttpTestServer server(
        [](const HttpExchange&) { return status(503, R"({"message":"service unavailable"})"); });
    Fixture f;
    HttpClient client(f.io, f.options(server));
    const std::string body = R"({"client_order_id":"bt-0007","symbol":"AAPL","qty":"10"})";

    const HttpResult result = f.send(client, submit(body));

    CHECK(result.failure == Failure::server);
    CHECK(result.status == 503);
    CHECK(result.attempts == 3);
    CHECK(result.message == "service unavailable (gave up after 3 attempts)");
    CHECK(f.timers.delays == std::vector<milliseconds>{milliseconds{1'000}, milliseconds{1'000}});
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    for (const HttpExchange& request : requests) CHECK(request.body == body);
  }

  TEST_CASE("retry table, submit: a timeout is retried with the same body; then it fails") {
    HttpTestServer server([](const HttpExchange&) {
      HttpReply reply;
      reply.action = HttpReply::Action::hang;
      return reply;
    });
    Fixture f;
    HttpClient client(f.io, f.options(server));
    HttpRequest request = submit(R"({"client_order_id":"bt-0008"})");
    request.timeout = milliseconds{100};

    const HttpResult result = f.send(client, request);

    CHECK(result.failure == Failure::timeout);
    CHECK(result.attempts == 3);
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[1].body == requests[0].body);
    CHECK(requests[2].body == requests[0].body);
  }

  TEST_CASE("5xx, timeouts and lost connections: a POST not marked safe is never repeated") {
    HttpTestServer server([](const HttpExchange& request) {
      if (request.target == "/drop") {
        HttpReply reply;
        reply.action = HttpReply::Action::drop;
        return reply;
      }
      return status(500);
    });
    Fixture f;
    HttpClient client(f.io, f.options(server));
    HttpRequest post = submit("{}");
    post.repeat = Repeat::if_idempotent;
    HttpRequest dropped = post;
    dropped.target = "/drop";

    const HttpResult server_error = f.send(client, post);
    const HttpResult lost = f.send(client, dropped);

    CHECK(server_error.failure == Failure::server);
    CHECK(server_error.attempts == 1);
    CHECK(lost.failure == Failure::connection);
    CHECK(lost.attempts == 1);
    CHECK(server.requests().size() == 2);
    CHECK(f.timers.delays.empty());
  }

  TEST_CASE("retry table, cancel: DELETE is retried three times, 1 s apart, lost connections too") {
    int calls = 0;
    HttpTestServer server([&calls](const HttpExchange&) {
      ++calls;
      if (calls == 1) {  // on a new connection: a lost attempt, counted
        HttpReply reply;
        reply.action = HttpReply::Action::drop;
        return reply;
      }
      return status(calls == 4 ? 204 : 502, calls == 4 ? "" : "<title>502 Bad Gateway</title>");
    });
    Fixture f;
    HttpClient client(f.io, f.options(server));
    HttpRequest cancel;
    cancel.method = Method::del;
    cancel.target = "/v2/orders/abc";
    cancel.retry = RetryPolicy::cancel_order();

    const HttpResult result = f.send(client, cancel);

    CHECK(result.ok());
    CHECK(result.status == 204);
    CHECK(result.attempts == 4);
    CHECK(f.timers.delays ==
          std::vector<milliseconds>{milliseconds{1'000}, milliseconds{1'000}, milliseconds{1'000}});

    calls = 0;
    HttpTestServer failing([](const HttpExchange&) { return status(500); });
    HttpOptions options = f.options(failing);
    HttpClient other(f.io, options);
    const HttpResult failed = f.send(other, cancel);
    CHECK(failed.failure == Failure::server);
    CHECK(failed.attempts == 4);
  }

  TEST_CASE("retry table, 401: fatal at once, naming ALGO_BROKER__API_KEY, the key masked") {
    HttpTestServer server([](const HttpExchange&) {
      return status(401, std::string(R"({"message":"key )") + kKey + " secret " + kSecret +
                             R"( unauthorized."})");
    });
    Fixture f;
    HttpClient client(f.io, f.options(server));

    const HttpResult result = f.send(client, submit(R"({"client_order_id":"x-4"})"));

    CHECK(result.failure == Failure::auth);
    CHECK(result.status == 401);
    CHECK(result.attempts == 1);
    CHECK(f.timers.delays.empty());
    CHECK(result.message.find("ALGO_BROKER__API_KEY") != std::string::npos);
    CHECK(result.message.find(Secret(kKey).masked()) != std::string::npos);
    check_no_keys(result.message);
    check_no_keys(result.body);
    CHECK(server.requests().size() == 1);
  }

  TEST_CASE("retry table, 403 and other 4xx: never retried; the server's message and code") {
    HttpTestServer server([](const HttpExchange& request) {
      if (request.target == "/forbidden") {
        return status(403, R"({"code":40310000,"message":"insufficient buying power"})");
      }
      return status(422, R"({"code":40010001,"message":"client_order_id must be unique"})");
    });
    Fixture f;
    HttpClient client(f.io, f.options(server));
    HttpRequest forbidden = submit("{}");
    forbidden.target = "/forbidden";

    const HttpResult refused = f.send(client, forbidden);
    const HttpResult duplicate = f.send(client, submit("{}"));

    CHECK(refused.failure == Failure::auth);
    CHECK(refused.status == 403);
    CHECK(refused.message == "insufficient buying power (code 40310000)");
    CHECK(duplicate.failure == Failure::request);
    CHECK(duplicate.status == 422);
    CHECK(duplicate.message == "client_order_id must be unique (code 40010001)");
    CHECK(duplicate.body == R"({"code":40010001,"message":"client_order_id must be unique"})");
    CHECK(server.requests().size() == 2);
  }

  TEST_CASE("a kept-alive connection the server closed is replaced at once, not retried") {
    HttpTestServer server([](const HttpExchange&) {
      HttpReply reply;
      reply.close_after = true;  // says keep-alive, then closes: an idle timeout on its side
      return reply;
    });
    Fixture f;
    HttpClient client(f.io, f.options(server));

    for (int i = 0; i < 3; ++i) {
      const HttpResult result = f.send(client, get("/v2/clock"));
      CHECK(result.ok());
      CHECK(result.attempts == 1);
    }
    CHECK(server.requests().size() == 3);
    CHECK(server.connections() == 3);
    CHECK(f.timers.delays.empty());
  }

  TEST_CASE("TLS: verified against ca_file, SNI for a name, keep-alive over TLS") {
    const TestCertificateAuthority ca("libtrader net test CA");
    HttpTestServer server({}, ca.issue({"127.0.0.1", "localhost"}));
    const trader::testing::TempDir dir;
    trader::testing::write_file(dir / "ca.pem", ca.certificate_pem());
    Fixture f;
    HttpOptions options = f.options(server);
    options.ca_file = (dir / "ca.pem").string();
    options.base_url = server.base_url("localhost");
    HttpClient client(f.io, options);

    CHECK(f.send(client, get("/v2/account")).ok());
    CHECK(f.send(client, get("/v2/positions")).ok());
    CHECK(server.connections() == 1);

    const TestCertificateAuthority stranger("some other CA");
    trader::testing::write_file(dir / "other.pem", stranger.certificate_pem());
    options.ca_file = (dir / "other.pem").string();
    HttpClient untrusting(f.io, options);
    const HttpResult refused = f.send(untrusting, get("/v2/account"));
    CHECK(refused.failure == Failure::certificate);
    CHECK(refused.attempts == 1);
    CHECK(refused.message.find("unable to get local issuer certificate") != std::string::npos);

    options.ca_file = (dir / "missing.pem").string();
    CHECK_THROWS_AS(HttpClient(f.io, options), trader::net::TlsSetupError);
  }

  TEST_CASE("bad URLs and keys are refused when the client is made, never quoted") {
    asio::io_context io;
    HttpOptions options;
    options.base_url = "https://user:pw@paper-api.alpaca.markets";
    try {
      HttpClient client(io, options);
      FAIL("no error");
    } catch (const trader::ParseError& e) {
      CHECK(std::string(e.what()).find("pw") == std::string::npos);
    }
    options.base_url = "http://paper-api.alpaca.markets";
    CHECK_THROWS_AS(HttpClient(io, options), trader::ParseError);
    options.base_url = "https://paper-api.alpaca.markets";
    options.api_key = Secret("PK\r\nX-Injected: 1");
    CHECK_THROWS_AS(HttpClient(io, options), trader::ParseError);
  }

  TEST_CASE("destroying the client with a request in flight: no callback, no crash") {
    HttpTestServer server([](const HttpExchange&) {
      HttpReply reply;
      reply.action = HttpReply::Action::hang;
      return reply;
    });
    Fixture f;
    bool called = false;
    {
      HttpClient client(f.io, f.options(server));
      client.request(get("/v2/account"), [&](const HttpResult&) { called = true; });
      for (int i = 0; i < 20; ++i) f.io.poll();
    }
    f.io.restart();
    f.io.run_for(milliseconds{100});
    CHECK_FALSE(called);
  }

  // Issue 13 acceptance: nothing blocks the io_context while a request is slow. A 10 ms periodic
  // timer runs on the same context while a 3 s response is outstanding. A blocked loop would show
  // one gap of about 3 s; the bound is far below that but far above what a loaded 2-core machine
  // adds to a timer's lateness, so it checks responsiveness, not speed.
  TEST_CASE("a 3 s slow response does not block the io_context: a 10 ms timer keeps ticking") {
    HttpTestServer server([](const HttpExchange&) {
      HttpReply reply;
      reply.delay = milliseconds{3'000};
      return reply;
    });
    Fixture f;
    HttpClient client(f.io, f.options(server));
    bool done = false;
    client.request(get("/v2/orders"), [&](const HttpResult& result) {
      CHECK(result.ok());
      done = true;
    });
    using Clock = std::chrono::steady_clock;
    asio::steady_timer ticker(f.io);
    std::vector<Clock::duration> lateness;
    Clock::time_point due = Clock::now() + milliseconds{10};
    std::function<void()> arm = [&] {
      ticker.expires_at(due);
      ticker.async_wait([&](const boost::system::error_code& ec) {
        if (ec || done) return;
        lateness.push_back(Clock::now() - due);
        due += milliseconds{10};
        if (due < Clock::now()) due = Clock::now();  // a late tick does not bunch the next ones
        arm();
      });
    };
    arm();
    trader::net::run_until(f.io, done);
    ticker.cancel();

    REQUIRE(done);
    REQUIRE(!lateness.empty());
    std::vector<Clock::duration> sorted = lateness;
    std::sort(sorted.begin(), sorted.end());
    const auto to_ms = [](Clock::duration d) {
      return std::chrono::duration<double, std::milli>(d).count();
    };
    const double worst = to_ms(sorted.back());
    const double p99 = to_ms(sorted[sorted.size() * 99 / 100]);
    MESSAGE("ticks: " << lateness.size() << ", timer lateness p99 " << p99 << " ms, max " << worst
                      << " ms");
    CHECK(lateness.size() >= 30);  // ~300 on an idle machine; a blocked loop gives 0 or 1
    CHECK(worst < 1'000.0);        // a blocked loop: about 3,000
  }
}
