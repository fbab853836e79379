// backtest_run and backtest_trade through SOCI (the records: trader/store/run_repository.hpp).
#include <soci/soci.h>

#include <fmt/core.h>

#include <algorithm>

#include <boost/json/array.hpp>
#include <trader/store/repositories.hpp>

#include "core/json_write.hpp"
#include "store/sqlite_handle.hpp"

namespace trader::store {
namespace {

using detail::integer;

// The reference stored ratios as the text of the double's shortest repr ("0.6666666666666666").
std::string double_text(double value) { return fmt::format("{}", value); }

double double_from(const std::string& text) { return std::stod(text); }

std::string symbols_json(const std::vector<std::string>& symbols) {
  boost::json::array array;
  for (const auto& s : symbols) array.emplace_back(s);
  return core::detail::to_json(array);
}

std::vector<std::string> symbols_from(const std::string& text, long long run_id) {
  const auto value = core::detail::parse_json(text, fmt::format("the symbols of run {}", run_id));
  std::vector<std::string> out;
  if (const auto* array = value.if_array()) {
    for (const auto& element : *array) {
      if (const auto* s = element.if_string()) out.emplace_back(s->data(), s->size());
    }
  }
  return out;
}

// The stored spelling of an exit reason back to the enum; runs stored before F5 have none (they
// also have no settings, so nothing repeats them) and read as stop_loss.
engine::ExitReason exit_reason_from(std::string_view text) {
  for (const auto reason : {engine::ExitReason::stop_loss, engine::ExitReason::strategy_exit,
                            engine::ExitReason::session_close}) {
    if (engine::to_string(reason) == text) return reason;
  }
  return engine::ExitReason::stop_loss;
}

class SqlRunRepository final : public RunRepository {
 public:
  explicit SqlRunRepository(Database& db) : db_(db) {}

  std::int64_t insert(const StoredRun& run, std::span<const engine::Trade> trades) override {
    soci::session& sql = db_.session();
    // A backtest run can be recomputed, so it need not wait for the disk (fsync) at commit:
    // with WAL, synchronous=NORMAL still never corrupts the file, it may only lose the newest
    // commits on a power failure. Live trading records keep the default, FULL.
    struct RelaxedSync {
      explicit RelaxedSync(soci::session& s) : sql(s) { sql << "PRAGMA synchronous = NORMAL"; }
      ~RelaxedSync() {
        try {
          sql << "PRAGMA synchronous = FULL";
        } catch (const soci::soci_error&) {
          // The connection is failing anyway; the next statement will say why.
        }
      }
      soci::session& sql;
    } relaxed(sql);
    try {
      Transaction tx(db_);
      const std::string symbols = symbols_json(run.symbols);
      const std::string start = core::format_date(run.start_date);
      const std::string end = core::format_date(run.end_date);
      const std::string capital = run.initial_capital.to_string();
      const std::string total_return = run.total_return.to_string();
      const std::string win_rate = double_text(run.win_rate);
      const std::string profit_factor = double_text(run.profit_factor);
      const std::string sharpe = double_text(run.sharpe_ratio);
      const std::string drawdown = double_text(run.max_drawdown);
      const long long total_trades = run.total_trades;
      const long long bar_count = run.bar_count;
      const std::string created = core::format_timestamp_micros(run.created_at);
      sql << "INSERT INTO backtest_run (strategy, symbols, start_date, end_date, initial_capital, "
             "params, total_return, win_rate, profit_factor, sharpe_ratio, max_drawdown, "
             "total_trades, equity_curve, created_at, settings, data_source, bars_fingerprint, "
             "program_version, metrics, bar_count) VALUES (:strategy, :symbols, :start, :end, "
             ":capital, :params, :ret, :wr, :pf, :sharpe, :dd, :n, :curve, :created, :settings, "
             ":source, :fingerprint, :version, :metrics, :bars)",
          soci::use(run.strategy), soci::use(symbols), soci::use(start), soci::use(end),
          soci::use(capital), soci::use(run.params_json), soci::use(total_return),
          soci::use(win_rate), soci::use(profit_factor), soci::use(sharpe), soci::use(drawdown),
          soci::use(total_trades), soci::use(run.equity_curve_json), soci::use(created),
          soci::use(run.settings_json), soci::use(run.data_source), soci::use(run.bars_fingerprint),
          soci::use(run.program_version), soci::use(run.metrics_json), soci::use(bar_count);
      long long id = 0;
      sql << "SELECT last_insert_rowid()", soci::into(id);
      // The trades go through one prepared statement bound to these buffers.
      std::string symbol, side, qty, entry, exit, entry_at, exit_at, pnl, reason, costs;
      long long duration = 0;
      soci::statement insert_trade =
          (sql.prepare << "INSERT INTO backtest_trade (run_id, symbol, side, qty, entry_price, "
                          "exit_price, entry_at, exit_at, pnl, duration_seconds, exit_reason, "
                          "costs) VALUES (:run, :symbol, :side, :qty, :entry, :exit, :entry_at, "
                          ":exit_at, :pnl, :duration, :reason, :costs)",
           soci::use(id), soci::use(symbol), soci::use(side), soci::use(qty), soci::use(entry),
           soci::use(exit), soci::use(entry_at), soci::use(exit_at), soci::use(pnl),
           soci::use(duration), soci::use(reason), soci::use(costs));
      for (const auto& t : trades) {
        symbol = run.symbols.at(data::index_of(t.symbol));
        side = "buy";  // long only
        qty = std::to_string(t.qty);
        entry = t.entry_price.to_string();
        exit = t.exit_price.to_string();
        entry_at = core::format_timestamp(t.entry_at);
        exit_at = core::format_timestamp(t.exit_at);
        pnl = t.pnl.to_string();
        // NOLINTNEXTLINE(clang-analyzer-deadcode.DeadStores): soci::use reads it at execute
        duration = t.duration_seconds;
        reason = engine::to_string(t.exit_reason);
        costs = t.costs.to_string();
        insert_trade.execute(true);
      }
      tx.commit();
      return id;
    } catch (const soci::soci_error& e) {
      detail::raise_soci_error(db_, e, "storing the backtest run");
    }
  }

  std::vector<StoredRun> list(int limit) override {
    return select("ORDER BY id DESC LIMIT " + std::to_string(limit));
  }

  std::optional<StoredRun> find(std::int64_t id) override {
    auto runs = select("WHERE id = " + std::to_string(id));
    if (runs.empty()) return std::nullopt;
    return std::move(runs.front());
  }

  std::vector<engine::Trade> trades(std::int64_t run_id) override {
    const auto run = find(run_id);
    if (!run) return {};
    const long long id = run_id;
    soci::rowset<soci::row> rows =
        (db_.session().prepare << "SELECT symbol, side, qty, entry_price, exit_price, entry_at, "
                                  "exit_at, pnl, duration_seconds, exit_reason, costs FROM "
                                  "backtest_trade WHERE run_id = :id ORDER BY id",
         soci::use(id));
    std::vector<engine::Trade> out;
    for (const auto& row : rows) {
      engine::Trade t;
      const std::string symbol = row.get<std::string>(0);
      const auto at = std::find(run->symbols.begin(), run->symbols.end(), symbol);
      if (at == run->symbols.end()) {
        throw StoreError(
            fmt::format("a trade of run {} names {}, which is not among the run's "
                        "symbols in {}",
                        run_id, symbol, db_.path().string()));
      }
      t.symbol = data::SymbolId{static_cast<std::uint32_t>(at - run->symbols.begin())};
      t.qty = std::stoll(row.get<std::string>(2));
      t.entry_price = core::Decimal::parse(row.get<std::string>(3));
      t.exit_price = core::Decimal::parse(row.get<std::string>(4));
      t.entry_at = core::parse_timestamp(row.get<std::string>(5));
      t.exit_at = core::parse_timestamp(row.get<std::string>(6));
      t.pnl = core::Decimal::parse(row.get<std::string>(7));
      t.duration_seconds = integer(row, 8);
      t.exit_reason =
          exit_reason_from(row.get_indicator(9) == soci::i_null ? "" : row.get<std::string>(9));
      t.costs = core::Decimal::parse(row.get<std::string>(10));
      out.push_back(t);
    }
    return out;
  }

 private:
  std::vector<StoredRun> select(const std::string& tail) {
    soci::rowset<soci::row> rows =
        (db_.session().prepare
         << "SELECT id, strategy, symbols, start_date, end_date, initial_capital, params, "
            "total_return, win_rate, profit_factor, sharpe_ratio, max_drawdown, total_trades, "
            "equity_curve, created_at, settings, data_source, bars_fingerprint, program_version, "
            "metrics, bar_count FROM backtest_run " +
                tail);
    std::vector<StoredRun> out;
    const auto text = [](const soci::row& row, std::size_t i) {
      return row.get_indicator(i) == soci::i_null ? std::string() : row.get<std::string>(i);
    };
    for (const auto& row : rows) {
      StoredRun r;
      r.id = integer(row, 0);
      r.strategy = row.get<std::string>(1);
      r.symbols = symbols_from(row.get<std::string>(2), r.id);
      r.start_date = core::parse_date(row.get<std::string>(3));
      r.end_date = core::parse_date(row.get<std::string>(4));
      r.initial_capital = core::Decimal::parse(row.get<std::string>(5));
      r.params_json = row.get<std::string>(6);
      if (const auto v = text(row, 7); !v.empty()) r.total_return = core::Decimal::parse(v);
      if (const auto v = text(row, 8); !v.empty()) r.win_rate = double_from(v);
      if (const auto v = text(row, 9); !v.empty()) r.profit_factor = double_from(v);
      if (const auto v = text(row, 10); !v.empty()) r.sharpe_ratio = double_from(v);
      if (const auto v = text(row, 11); !v.empty()) r.max_drawdown = double_from(v);
      r.total_trades = row.get_indicator(12) == soci::i_null ? 0 : integer(row, 12);
      r.equity_curve_json = text(row, 13);
      r.created_at = core::parse_timestamp(row.get<std::string>(14));
      r.settings_json = text(row, 15);
      r.data_source = text(row, 16);
      r.bars_fingerprint = text(row, 17);
      r.program_version = text(row, 18);
      r.metrics_json = text(row, 19);
      r.bar_count = row.get_indicator(20) == soci::i_null ? 0 : integer(row, 20);
      out.push_back(std::move(r));
    }
    return out;
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<RunRepository> make_run_repository(Database& db) {
  return std::make_unique<SqlRunRepository>(db);
}

}  // namespace trader::store
