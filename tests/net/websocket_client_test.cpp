// Issue 13 (transport): the WebSocket client over real sockets on 127.0.0.1, plain and TLS:
// text and binary round trips, ping/pong both ways, staleness, a ping nobody answers, clean and
// abrupt ends, a refused upgrade, reconnecting; and the backoff helper owners reconnect with.
#include <trader/net/backoff.hpp>
#include <trader/net/websocket_client.hpp>

#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/tls_material.hpp"
#include "support/ws_test_server.hpp"

namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using trader::net::Backoff;
using trader::net::BackoffOptions;
using trader::net::CloseInfo;
using trader::net::CloseKind;
using trader::net::FrameType;
using trader::net::WebSocketClient;
using trader::net::WebSocketHandlers;
using trader::net::WebSocketOptions;
using trader::testing::TestCertificateAuthority;
using trader::testing::WsTestServer;
using trader::testing::WsTestServerOptions;

struct Received {
  FrameType type;
  std::string payload;
};

// A client with handlers that record, and a loop driven until a condition holds (or a generous
// limit passes: a hang fails the test instead of blocking the suite).
struct Session {
  asio::io_context io;
  int opened = 0;
  std::vector<Received> messages;
  std::vector<CloseInfo> closes;
  std::unique_ptr<trader::net::TimerSource> timers;
  std::unique_ptr<WebSocketClient> client;

  // speedup > 0: the client's timers run that much faster than real time.
  explicit Session(WebSocketOptions options, double speedup = 0.0) {
    if (speedup > 0.0) {
      timers = trader::net::scaled_timers(io, speedup);
      options.timers = timers.get();
    }
    WebSocketHandlers handlers;
    handlers.on_open = [this] { ++opened; };
    handlers.on_message = [this](FrameType type, std::string_view payload) {
      messages.push_back(Received{type, std::string(payload)});
    };
    handlers.on_close = [this](const CloseInfo& info) { closes.push_back(info); };
    client = std::make_unique<WebSocketClient>(io, std::move(options), std::move(handlers));
  }

  template <class Condition>
  bool run_until(Condition condition, milliseconds limit = milliseconds{20'000}) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > until) return false;
      io.restart();
      io.run_for(milliseconds{5});
    }
    return true;
  }

  bool open() {
    client->connect();
    return run_until([&] { return opened > 0 || !closes.empty(); }) && opened > 0;
  }
};

WebSocketOptions options_for(const WsTestServer& server) {
  WebSocketOptions options;
  options.url = server.url();
  options.connect_timeout = milliseconds{5'000};
  options.ping_interval = milliseconds{0};
  return options;
}

void round_trips(Session& session) {
  REQUIRE(session.client->send(FrameType::text, R"({"action":"listen"})"));
  REQUIRE(session.client->send(FrameType::binary, std::string("\x00\x01\xff", 3)));
  REQUIRE(session.client->send(FrameType::text, "binary:{\"stream\":\"trade_updates\"}"));
  REQUIRE(session.run_until([&] { return session.messages.size() >= 3; }));
  CHECK(session.messages[0].type == FrameType::text);
  CHECK(session.messages[0].payload == R"({"action":"listen"})");
  CHECK(session.messages[1].type == FrameType::binary);
  CHECK(session.messages[1].payload == std::string("\x00\x01\xff", 3));
  CHECK(session.messages[2].type == FrameType::binary);
  CHECK(session.messages[2].payload == R"({"stream":"trade_updates"})");
}

}  // namespace

TEST_SUITE("net") {
  TEST_CASE("websocket: text and binary frames round-trip; a clean close is reported once") {
    WsTestServer server;
    Session session(options_for(server));

    REQUIRE(session.open());
    CHECK(session.client->is_open());
    round_trips(session);
    session.client->close(1000, "done");
    REQUIRE(session.run_until([&] { return !session.closes.empty(); }));
    session.io.restart();
    session.io.run_for(milliseconds{50});

    REQUIRE(session.closes.size() == 1);
    CHECK(session.closes[0].kind == CloseKind::local);
    CAPTURE(session.closes[0].reason);
    CHECK(session.closes[0].code == 1000);
    CHECK_FALSE(session.client->is_open());
    CHECK_FALSE(session.client->send(FrameType::text, "late"));
    CHECK(server.targets() == std::vector<std::string>{"/stream"});
  }

  TEST_CASE("websocket over TLS: verified against ca_file, frames round-trip") {
    const TestCertificateAuthority ca("libtrader ws test CA");
    WsTestServer server(WsTestServerOptions{ca.issue({"127.0.0.1", "localhost"}), 0, {}});
    const trader::testing::TempDir dir;
    trader::testing::write_file(dir / "ca.pem", ca.certificate_pem());
    WebSocketOptions options = options_for(server);
    options.url = server.url("/v2/iex", "localhost");
    options.ca_file = (dir / "ca.pem").string();
    Session session(options);

    REQUIRE(session.open());
    round_trips(session);

    const TestCertificateAuthority stranger("some other CA");
    trader::testing::write_file(dir / "other.pem", stranger.certificate_pem());
    options.ca_file = (dir / "other.pem").string();
    Session refused(options);
    CHECK_FALSE(refused.open());
    REQUIRE(refused.closes.size() == 1);
    CHECK(refused.closes[0].kind == CloseKind::certificate);
    CHECK(refused.closes[0].reason.find("unable to get local issuer certificate") !=
          std::string::npos);
  }

  TEST_CASE("websocket: the server closes with a close frame: remote, with its code and reason") {
    WsTestServer server;
    Session session(options_for(server));
    REQUIRE(session.open());

    session.client->send(FrameType::text, "close");
    REQUIRE(session.run_until([&] { return !session.closes.empty(); }));

    CHECK(session.closes[0].kind == CloseKind::remote);
    CHECK(session.closes[0].code == 1000);
    CHECK(session.closes[0].reason.find("1000 bye") != std::string::npos);
  }

  TEST_CASE("websocket: an abrupt drop (no close frame) is reported as dropped, then reconnects") {
    WsTestServer server;
    Session session(options_for(server));
    REQUIRE(session.open());

    session.client->send(FrameType::text, "drop");
    REQUIRE(session.run_until([&] { return !session.closes.empty(); }));
    CHECK(session.closes[0].kind == CloseKind::dropped);
    CHECK(session.closes[0].code == 1006);
    CHECK_FALSE(session.client->is_open());

    // The owner reconnects (here at once; AlpacaBroker's streams wait Backoff::next() first).
    session.client->connect();
    REQUIRE(session.run_until([&] { return session.opened == 2; }));
    session.client->send(FrameType::text, "again");
    REQUIRE(session.run_until([&] { return !session.messages.empty(); }));
    CHECK(session.messages.back().payload == "again");
    CHECK(session.client->connections_opened() == 2);
    CHECK(server.connections() == 2);
  }

  TEST_CASE("websocket: pings both ways: the server's pings are answered, ours reach it") {
    WsTestServer server;
    WebSocketOptions options = options_for(server);
    options.ping_interval = milliseconds{100};
    Session session(options);
    REQUIRE(session.open());

    session.client->send(FrameType::text, "ping");
    REQUIRE(session.run_until([&] {
      return !session.messages.empty() && server.pings_received() >= 2 &&
             session.client->pongs_received() >= 2;
    }));
    CHECK(session.messages[0].payload == "pinged");
    CHECK(session.client->pings_received() == 1);
    CHECK(session.closes.empty());  // pongs keep a quiet connection alive
  }

  TEST_CASE("websocket: staleness: pings answered but no message for stale_after: stale") {
    WsTestServer server;
    WebSocketOptions options = options_for(server);
    options.ping_interval = milliseconds{100};
    options.stale_after = milliseconds{500};
    Session session(options);
    REQUIRE(session.open());

    session.client->send(FrameType::text, "silent");
    REQUIRE(session.run_until([&] { return !session.closes.empty(); }));

    CHECK(session.closes[0].kind == CloseKind::stale);
    CHECK(session.closes[0].reason.find("no message from 127.0.0.1:") == 0);
    CHECK(session.client->pongs_received() >= 1);  // it was alive, only mute
  }

  TEST_CASE("websocket: injected time: a 60 s staleness limit at speedup 100 (accelerated run)") {
    WsTestServer server;
    WebSocketOptions options = options_for(server);
    options.ping_interval = milliseconds{10'000};
    options.stale_after = milliseconds{60'000};
    Session accelerated(options, 100.0);
    REQUIRE(accelerated.open());

    accelerated.client->send(FrameType::text, "silent");
    REQUIRE(accelerated.run_until([&] { return !accelerated.closes.empty(); }));

    CHECK(accelerated.closes[0].kind == CloseKind::stale);
    CHECK(accelerated.closes[0].reason.find("for 60000 ms") != std::string::npos);
    CHECK(accelerated.client->pongs_received() >= 1);  // pings every 10 s of double time, too
    CHECK_THROWS_AS(static_cast<void>(trader::net::scaled_timers(accelerated.io, 0.0)),
                    std::invalid_argument);
  }

  TEST_CASE("websocket: a ping that gets no answer at all ends the connection as unanswered") {
    WsTestServer server;
    WebSocketOptions options = options_for(server);
    options.ping_interval = milliseconds{100};
    Session session(options);
    REQUIRE(session.open());

    session.client->send(FrameType::text, "freeze");
    REQUIRE(session.run_until([&] { return !session.closes.empty(); }));

    CHECK(session.closes[0].kind == CloseKind::unanswered);
  }

  TEST_CASE("websocket: close() with a server that never answers, and close() while connecting") {
    WsTestServer server;
    WebSocketOptions options = options_for(server);
    options.connect_timeout = milliseconds{300};  // also the closing handshake's limit
    Session session(options);
    REQUIRE(session.open());
    session.client->send(FrameType::text, "freeze");
    session.client->close(1000, "bye");
    REQUIRE(session.run_until([&] { return !session.closes.empty(); }));
    CHECK(session.closes[0].kind == CloseKind::local);
    CHECK(session.closes[0].reason.find("closed without the server's answer") == 0);

    Session early(options_for(server));
    early.client->connect();
    early.client->close();
    CHECK(early.closes.empty());  // reported from the loop, not from inside close()
    REQUIRE(early.run_until([&] { return !early.closes.empty(); }));
    early.io.restart();
    early.io.run_for(milliseconds{100});
    REQUIRE(early.closes.size() == 1);
    CHECK(early.closes[0].kind == CloseKind::local);
    CHECK(early.opened == 0);
  }

  TEST_CASE("websocket: a refused upgrade and a closed port: connect_failed, with the status") {
    WsTestServer server(WsTestServerOptions{std::nullopt, 429, {}});
    Session session(options_for(server));
    CHECK_FALSE(session.open());
    REQUIRE(session.closes.size() == 1);
    CHECK(session.closes[0].kind == CloseKind::connect_failed);
    CHECK(session.closes[0].http_status == 429);

    std::string url;
    {
      const WsTestServer gone;
      url = gone.url();
    }
    WebSocketOptions options;
    options.url = url;
    Session nobody(options);
    CHECK_FALSE(nobody.open());
    REQUIRE(nobody.closes.size() == 1);
    CHECK(nobody.closes[0].kind == CloseKind::connect_failed);
    CHECK(nobody.closes[0].reason.find("cannot connect to 127.0.0.1:") == 0);
  }

  TEST_CASE(
      "websocket: a greeting right after the upgrade arrives; destroying the client is "
      "silent") {
    WsTestServer server(WsTestServerOptions{std::nullopt, 0, R"([{"T":"success"}])"});
    auto session = std::make_unique<Session>(options_for(server));
    REQUIRE(session->open());
    REQUIRE(session->run_until([&] { return !session->messages.empty(); }));
    CHECK(session->messages[0].payload == R"([{"T":"success"}])");
    session->client.reset();
    session->io.restart();
    session->io.run_for(milliseconds{50});
    CHECK(session->closes.empty());
  }

  TEST_CASE("websocket: bad URLs are refused, never quoted; plain ws:// only to loopback") {
    asio::io_context io;
    WebSocketOptions options;
    options.url = "wss://user:pw@stream.data.alpaca.markets/v2/iex";
    try {
      WebSocketClient client(io, options, {});
      FAIL("no error");
    } catch (const trader::ParseError& e) {
      CHECK(std::string(e.what()).find("pw") == std::string::npos);
    }
    options.url = "ws://stream.data.alpaca.markets/v2/iex";
    CHECK_THROWS_AS(WebSocketClient(io, options, {}), trader::ParseError);
    options.url = "https://stream.data.alpaca.markets/v2/iex";
    CHECK_THROWS_AS(WebSocketClient(io, options, {}), trader::ParseError);
    options.url = "ws://127.0.0.1:1/stream";
    CHECK_NOTHROW(WebSocketClient(io, options, {}));
  }

  TEST_CASE("backoff: exponential, capped, with jitter from the injected random source") {
    double r = 0.0;
    Backoff backoff(BackoffOptions{milliseconds{1'000}, milliseconds{8'000}, 2.0, 0.5},
                    [&r] { return r; });
    CHECK(backoff.next() == milliseconds{1'000});
    CHECK(backoff.next() == milliseconds{2'000});
    CHECK(backoff.next() == milliseconds{4'000});
    CHECK(backoff.next() == milliseconds{8'000});
    CHECK(backoff.next() == milliseconds{8'000});
    CHECK(backoff.attempts() == 5);
    r = 0.5;  // a quarter off with jitter 0.5
    CHECK(backoff.next() == milliseconds{6'000});
    backoff.reset();
    r = 0.999;
    const milliseconds first = backoff.next();
    CHECK(first >= milliseconds{500});
    CHECK(first <= milliseconds{1'000});

    Backoff real;  // the default random source stays within [d/2, d]
    for (int i = 0; i < 100; ++i) {
      const int attempt = real.attempts();
      const milliseconds delay = real.next();
      CHECK(delay <= real.ceiling(attempt));
      CHECK(delay * 2 >= real.ceiling(attempt));
    }
    CHECK_THROWS_AS(Backoff(BackoffOptions{milliseconds{2'000}, milliseconds{1'000}, 2.0, 0.5}),
                    std::invalid_argument);
    CHECK_THROWS_AS(Backoff(BackoffOptions{milliseconds{1'000}, milliseconds{2'000}, 0.5, 0.5}),
                    std::invalid_argument);
  }
}
