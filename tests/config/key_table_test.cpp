// Issue 12 item 7: a key table declares a struct's keys (name, type, default, range, help); a
// schema combines tables with libtrader's settings for the environment, .env and JSON sections,
// with the same errors, suggestions and secret rules as libtrader's own keys.
#include <trader/config/key_table.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

#include <trader/config/load.hpp>

using trader::config::KeyTable;
using trader::config::LoadResult;
using trader::config::Schema;
using trader::config::Source;
using trader::config::Sources;
using trader::core::Decimal;

namespace {

struct Gadget {
  int period = 14;
  int interval = 5;
  double ratio = 1.5;
  Decimal buffer = Decimal::parse("0.02");
  bool active = true;
  std::string mode = "fast";
  std::string token;
};

KeyTable<Gadget> gadget_keys() {
  KeyTable<Gadget> t("ALGO_GADGET", "Gadget");
  t.integer({.name = "period", .label = "Period", .description = "Candles"}, &Gadget::period, 2,
            50);
  t.integer_choice({.name = "interval", .label = "Interval", .description = "Minutes"},
                   &Gadget::interval, {1, 5, 15});
  t.real({.name = "ratio", .label = "Ratio", .description = "A ratio"}, &Gadget::ratio, 0.5, 3.0);
  t.decimal({.name = "buffer", .label = "Buffer", .description = "Dollars"}, &Gadget::buffer,
            "0.01", "0.10");
  t.boolean({.name = "active", .label = "Active", .description = "On or off", .parameter = false},
            &Gadget::active);
  t.choice({.name = "mode", .label = "Mode", .description = "How"}, &Gadget::mode,
           {"fast", "slow"});
  t.rule("period", [](const Gadget& g) {
    return g.ratio * g.period <= 100.0 ? std::string() : std::string("times ratio must be <= 100");
  });
  return t;
}

Schema gadget_schema() {
  Schema schema;
  schema.add(gadget_keys());
  return schema;
}

Sources env(trader::config::Variables environment, trader::config::Variables dotenv = {}) {
  Sources s;
  s.environment = std::move(environment);
  s.dotenv = std::move(dotenv);
  return s;
}

const Gadget& gadget(const LoadResult& r) {
  REQUIRE(r.values.size() == 1);
  return KeyTable<Gadget>::value(r.values.front());
}

const trader::config::KeyReport& report(const LoadResult& r, std::string_view variable) {
  const auto it = std::find_if(r.keys.begin(), r.keys.end(),
                               [&](const auto& k) { return k.variable == variable; });
  REQUIRE(it != r.keys.end());
  return *it;
}

std::string only_error(const Schema& schema, const Sources& s) {
  const LoadResult r = schema.inspect(s);
  REQUIRE(r.errors.size() == 1);
  return r.errors.front().what();
}

}  // namespace

TEST_SUITE("config/key_table") {
  TEST_CASE("issue 12 item 7: a table declares variable, group, range and default of each key") {
    const auto table = gadget_keys();
    REQUIRE(table.keys().size() == 6);
    const auto& period = table.keys()[0].info;
    CHECK(period.variable == "ALGO_GADGET__PERIOD");
    CHECK(period.section == "ALGO_GADGET");
    CHECK(period.group == "Gadget");
    CHECK(period.allowed == "2..50");
    CHECK(table.keys()[0].show(table.defaults()) == "14");
    CHECK(table.keys()[1].info.allowed == "one of 1, 5, 15");
    CHECK(table.keys()[2].info.allowed == "0.5..3.0");
    CHECK(table.keys()[2].show(table.defaults()) == "1.5");
    CHECK(table.keys()[3].info.allowed == "0.01..0.10");
    CHECK(table.keys()[3].show(table.defaults()) == "0.02");
    CHECK(table.keys()[4].show(table.defaults()) == "True");
    CHECK_FALSE(table.keys()[4].info.parameter);
    CHECK(table.keys()[5].info.allowed == "one of fast, slow");
    CHECK(table.sections() == std::vector<std::string>{"ALGO_GADGET"});
  }

  TEST_CASE("issue 12 item 7: a schema reads a table's keys from every source, with sources") {
    const Schema schema = gadget_schema();
    const LoadResult defaults = schema.inspect({});
    REQUIRE(defaults.errors.empty());
    CHECK(gadget(defaults).period == 14);
    CHECK(report(defaults, "ALGO_GADGET__PERIOD").source == Source::default_value);
    CHECK(report(defaults, "ALGO_GADGET__PERIOD").group == "Gadget");
    // libtrader's settings come first, then the table's keys.
    CHECK(defaults.keys.front().variable == "ALGO_LOG_LEVEL");
    CHECK(defaults.keys.back().variable == "ALGO_GADGET__MODE");

    Sources sources = env({{"algo_gadget__period", "20"}, {"ALGO_GADGET__MODE", "SLOW"}},
                          {{"ALGO_GADGET__RATIO", "2.5"}, {"ALGO_GADGET__PERIOD", "30"}});
    sources.command_line = {{"ALGO_GADGET__BUFFER", "0.05"}};
    const LoadResult r = schema.inspect(sources);
    REQUIRE(r.errors.empty());
    CHECK(gadget(r).period == 20);
    CHECK(gadget(r).mode == "slow");
    CHECK(gadget(r).ratio == 2.5);
    CHECK(gadget(r).buffer == Decimal::parse("0.05"));
    CHECK(report(r, "ALGO_GADGET__PERIOD").source == Source::environment);
    CHECK(report(r, "ALGO_GADGET__RATIO").source == Source::dotenv);
    CHECK(report(r, "ALGO_GADGET__BUFFER").source == Source::command_line);
    CHECK(report(r, "ALGO_GADGET__INTERVAL").source == Source::default_value);
    // A table's section may be one JSON object too; the single variable wins.
    const LoadResult json = schema.inspect(
        env({{"ALGO_GADGET", R"({"period": 7, "interval": 15})"}, {"ALGO_GADGET__PERIOD", "8"}}));
    REQUIRE(json.errors.empty());
    CHECK(gadget(json).period == 8);
    CHECK(gadget(json).interval == 15);
  }

  TEST_CASE("issue 12 item 7 (issue 11 item 17): a value outside its range is refused naming it") {
    const Schema schema = gadget_schema();
    CHECK(only_error(schema, env({{"ALGO_GADGET__PERIOD", "51"}})) ==
          "ALGO_GADGET__PERIOD=51: must be an integer in 2..50");
    CHECK(only_error(schema, env({{"ALGO_GADGET__PERIOD", "x"}})) ==
          "ALGO_GADGET__PERIOD=x: must be an integer in 2..50");
    CHECK(only_error(schema, env({{"ALGO_GADGET__INTERVAL", "2"}})) ==
          "ALGO_GADGET__INTERVAL=2: interval must be one of [1, 5, 15]");
    CHECK(only_error(schema, env({{"ALGO_GADGET__RATIO", "3.01"}})) ==
          "ALGO_GADGET__RATIO=3.01: must be between 0.5..3.0");
    CHECK(only_error(schema, env({{"ALGO_GADGET__RATIO", "nan"}})) ==
          "ALGO_GADGET__RATIO=nan: must be a number");
    CHECK(only_error(schema, env({{"ALGO_GADGET__BUFFER", "0.2"}})) ==
          "ALGO_GADGET__BUFFER=0.2: must be between 0.01..0.10");
    CHECK(only_error(schema, env({{"ALGO_GADGET__ACTIVE", "maybe"}})) ==
          "ALGO_GADGET__ACTIVE=maybe: must be a boolean (true/false, 1/0, yes/no, on/off, t/f, "
          "y/n)");
    CHECK(only_error(schema, env({{"ALGO_GADGET__MODE", "medium"}})) ==
          "ALGO_GADGET__MODE=medium: must be one of fast, slow");
    // A rule between keys names the key it is reported against, with its value.
    CHECK(only_error(schema, env({{"ALGO_GADGET__PERIOD", "50"}, {"ALGO_GADGET__RATIO", "3"}})) ==
          "ALGO_GADGET__PERIOD=50: times ratio must be <= 100");
    // Inclusive bounds.
    CHECK(schema.inspect(env({{"ALGO_GADGET__PERIOD", "2"}, {"ALGO_GADGET__BUFFER", "0.10"}}))
              .errors.empty());
  }

  TEST_CASE("issue 12 item 7: an unknown name of a table's section gets a near-miss suggestion") {
    const Schema schema = gadget_schema();
    CHECK(only_error(schema, env({{"ALGO_GADGET__PERIDO", "3"}})) ==
          "ALGO_GADGET__PERIDO: unknown setting; did you mean ALGO_GADGET__PERIOD?");
    CHECK(only_error(schema, env({{"ALGO_GADGET__ZZZ", "3"}})) ==
          "ALGO_GADGET__ZZZ: unknown setting; `trader-config --env-example` lists every setting");
    CHECK(only_error(schema, env({{"ALGO_GADGET", R"({"perido": 3})"}})) ==
          "ALGO_GADGET: field 1 'perido' is not a setting; did you mean 'period'?");
    CHECK(schema.closest_variable("algo_gadget__ratoi") == "ALGO_GADGET__RATIO");
    CHECK(schema.is_setting_name("algo_gadget"));
    CHECK(schema.is_setting_name("ALGO_GADGET__MODE"));
    CHECK_FALSE(schema.is_setting_name("ALGO_GADGET__MODEX"));
    // libtrader's settings alone do not know the table: the free functions use only those.
    CHECK(only_error(Schema::core(), env({{"ALGO_GADGET__PERIOD", "3"}})) ==
          "ALGO_GADGET__PERIOD: unknown setting; `trader-config --env-example` lists every "
          "setting");
    CHECK(trader::config::inspect(env({{"ALGO_GADGET__PERIOD", "3"}})).errors.size() == 1);
    // A .env line is named when the schema knows its variable.
    const std::string text = "ALGO_GADGET__PERIOD 3\n";
    CHECK_THROWS_WITH(static_cast<void>(trader::config::parse_dotenv(text, ".env", schema)),
                      doctest::Contains("after ALGO_GADGET__PERIOD"));
    CHECK_THROWS_WITH(static_cast<void>(trader::config::parse_dotenv(text, ".env")),
                      doctest::Contains("after the name"));
  }

  TEST_CASE("issue 12 item 7: a secret in a table's section hides every value of that section") {
    KeyTable<Gadget> t("ALGO_VAULT", "Vault");
    t.integer({.name = "period", .label = "Period", .description = "Candles"}, &Gadget::period, 2,
              50);
    t.custom(
        {.name = "token", .label = "Token", .description = "A credential", .secret = true}, "",
        [](Gadget& g, std::string_view v) {
          if (v.size() < 4) throw trader::config::ValueError("must be 4 characters or more");
          g.token = std::string(v);
        },
        [](const Gadget& g) { return g.token.empty() ? "" : "****"; });
    Schema schema;
    schema.add(t);
    const std::string secret = "SECRETVALUE9876";
    const std::string e = only_error(schema, env({{"ALGO_VAULT__PERIOD", secret}}));
    CHECK(e.find(secret) == std::string::npos);
    CHECK(e ==
          "ALGO_VAULT__PERIOD: must be an integer in 2..50 (the value is not shown: it may "
          "hold secrets)");
    CHECK(only_error(schema, env({{"ALGO_VAULT__TOKEN", "ab"}})) ==
          "ALGO_VAULT__TOKEN: must be 4 characters or more (the value is not shown: it is a "
          "secret)");
    const LoadResult r = schema.inspect(env({{"ALGO_VAULT__TOKEN", secret}}));
    CHECK(report(r, "ALGO_VAULT__TOKEN").secret);
    CHECK(report(r, "ALGO_VAULT__TOKEN").shown_value == "****");
  }

  TEST_CASE("issue 12 item 7: a malformed declaration is a programming error, found at once") {
    using Table = KeyTable<Gadget>;
    CHECK_THROWS_AS(Table("GADGET", "Gadget"), std::logic_error);       // no ALGO_
    CHECK_THROWS_AS(Table("ALGO_gadget", "Gadget"), std::logic_error);  // lower case
    CHECK_THROWS_AS(Table("ALGO_A__B", "Gadget"), std::logic_error);    // "__" is the separator
    Table t("ALGO_GADGET", "Gadget");
    CHECK_THROWS_AS(t.integer({.name = "Period"}, &Gadget::period, 1, 2), std::logic_error);
    CHECK_THROWS_AS(t.integer({.name = "a__b"}, &Gadget::period, 1, 2), std::logic_error);
    t.integer({.name = "period"}, &Gadget::period, 1, 2);
    CHECK_THROWS_AS(t.integer({.name = "period"}, &Gadget::period, 1, 2), std::logic_error);
    CHECK_THROWS_AS(t.rule("nothing", [](const Gadget&) { return std::string(); }),
                    std::logic_error);
    // A schema refuses a second table in a known section, and keys outside a section.
    Schema schema;
    CHECK_THROWS_AS(
        schema.add(
            Table("ALGO_RISK", "Risk again").integer({.name = "period"}, &Gadget::period, 1, 2)),
        std::logic_error);
    CHECK_THROWS_AS(
        schema.add(Table("", "Loose").integer({.name = "period"}, &Gadget::period, 1, 2)),
        std::logic_error);
    schema.add(gadget_keys());
    CHECK_THROWS_AS(schema.add(gadget_keys()), std::logic_error);
  }
}
