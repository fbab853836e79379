// trade (live/paper round trips) and backtest_run/backtest_trade through SOCI.
#include <soci/soci.h>

#include <fmt/core.h>

#include <trader/core/json_text.hpp>
#include <trader/store/repositories.hpp>

#include "config/flat_json.hpp"
#include "store/sqlite_handle.hpp"

namespace trader::store {
namespace {

using orders::TradeRecord;

// SOCI reports an INTEGER column as int or long long depending on its declared type and value.
long long integer(const soci::row& row, std::size_t i) {
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return row.get<int>(i);
    case soci::dt_long_long:
      return row.get<long long>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<long long>(row.get<unsigned long long>(i));
    default:
      return std::stoll(row.get<std::string>(i));
  }
}

class SqlTradeRepository final : public orders::TradeRepository {
 public:
  explicit SqlTradeRepository(Database& db) : db_(db), insert_(db.session()) {
    insert_ =
        (db.session().prepare
             << "INSERT INTO trade (trade_id, correlation_id, symbol, side, qty, entry_price, "
                "exit_price, entry_at, exit_at, pnl, pnl_pct, strategy, duration_seconds, "
                "commission) VALUES (:trade_id, :correlation_id, :symbol, :side, :qty, :entry, "
                ":exit, :entry_at, :exit_at, :pnl, :pnl_pct, :strategy, :duration, :commission) "
                "ON CONFLICT (correlation_id) DO NOTHING",
         soci::use(b_.trade_id, "trade_id"), soci::use(b_.correlation_id, "correlation_id"),
         soci::use(b_.symbol, "symbol"), soci::use(b_.side, "side"), soci::use(b_.qty, "qty"),
         soci::use(b_.entry, "entry"), soci::use(b_.exit, "exit"),
         soci::use(b_.entry_at, "entry_at"), soci::use(b_.exit_at, "exit_at"),
         soci::use(b_.pnl, "pnl"), soci::use(b_.pnl_pct, "pnl_pct"),
         soci::use(b_.strategy, "strategy"), soci::use(b_.duration, "duration"),
         soci::use(b_.commission, "commission"));
  }

  bool insert(const TradeRecord& t) override {
    b_.trade_id = t.trade_id;
    b_.correlation_id = t.correlation_id;
    b_.symbol = t.symbol;
    b_.side = t.side;
    b_.qty = t.qty.to_string();
    b_.entry = t.entry_price.to_string();
    b_.exit = t.exit_price.to_string();
    b_.entry_at = core::format_timestamp_micros(t.entry_at);
    b_.exit_at = core::format_timestamp_micros(t.exit_at);
    b_.pnl = t.pnl.to_string();
    b_.pnl_pct = t.pnl_pct.to_string();
    b_.strategy = t.strategy;
    b_.duration = static_cast<long long>(t.duration_seconds);
    b_.commission = t.commission.to_string();
    try {
      insert_.execute(true);
    } catch (const soci::soci_error& e) {
      detail::raise_soci_error(db_, e, "inserting trade " + t.trade_id);
    }
    return insert_.get_affected_rows() == 1;
  }

  std::vector<TradeRecord> closed_between(core::Timestamp from, core::Timestamp to) override {
    const std::string lo = core::format_timestamp_micros(from);
    const std::string hi = core::format_timestamp_micros(to);
    soci::rowset<soci::row> rows =
        (db_.session().prepare
             << "SELECT trade_id, correlation_id, symbol, side, qty, entry_price, exit_price, "
                "entry_at, exit_at, pnl, pnl_pct, strategy, duration_seconds, commission "
                "FROM trade WHERE exit_at >= :lo AND exit_at < :hi ORDER BY exit_at, id",
         soci::use(lo), soci::use(hi));
    std::vector<TradeRecord> out;
    for (const auto& row : rows) {
      TradeRecord t;
      t.trade_id = row.get<std::string>(0);
      t.correlation_id = row.get<std::string>(1);
      t.symbol = row.get<std::string>(2);
      t.side = row.get<std::string>(3);
      t.qty = core::Decimal::parse(row.get<std::string>(4));
      t.entry_price = core::Decimal::parse(row.get<std::string>(5));
      t.exit_price = core::Decimal::parse(row.get<std::string>(6));
      t.entry_at = core::parse_timestamp(row.get<std::string>(7));
      t.exit_at = core::parse_timestamp(row.get<std::string>(8));
      t.pnl = core::Decimal::parse(row.get<std::string>(9));
      t.pnl_pct = core::Decimal::parse(row.get<std::string>(10));
      t.strategy = row.get<std::string>(11);
      t.duration_seconds = integer(row, 12);
      t.commission = core::Decimal::parse(row.get<std::string>(13));
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  Database& db_;
  struct {
    std::string trade_id, correlation_id, symbol, side, qty, entry, exit, entry_at, exit_at, pnl,
        pnl_pct, strategy, commission;
    long long duration = 0;
  } b_;
  soci::statement insert_;
};

// The reference stored ratios as the text of the double's shortest repr ("0.6666666666666666").
std::string double_text(double value) { return fmt::format("{}", value); }

double double_from(const std::string& text) { return std::stod(text); }

std::string symbols_json(const std::vector<std::string>& symbols) {
  std::string out = "[";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i) out += ", ";
    core::append_json_string(out, symbols[i]);
  }
  return out + "]";
}

class SqlRunRepository final : public backtest::RunRepository {
 public:
  explicit SqlRunRepository(Database& db) : db_(db) {}

  std::int64_t insert(const backtest::StoredRun& run,
                      std::span<const backtest::StoredTrade> trades) override {
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
        symbol = t.symbol;
        side = t.side;
        qty = std::to_string(t.qty);
        entry = t.entry_price.to_string();
        exit = t.exit_price.to_string();
        entry_at = core::format_timestamp(t.entry_at);
        exit_at = core::format_timestamp(t.exit_at);
        pnl = t.pnl.to_string();
        // NOLINTNEXTLINE(clang-analyzer-deadcode.DeadStores): soci::use reads it at execute
        duration = t.duration_seconds;
        reason = t.exit_reason;
        costs = t.costs.to_string();
        insert_trade.execute(true);
      }
      tx.commit();
      return id;
    } catch (const soci::soci_error& e) {
      detail::raise_soci_error(db_, e, "storing the backtest run");
    }
  }

  std::vector<backtest::StoredRun> list(int limit) override {
    return select("ORDER BY id DESC LIMIT " + std::to_string(limit));
  }

  std::optional<backtest::StoredRun> find(std::int64_t id) override {
    auto runs = select("WHERE id = " + std::to_string(id));
    if (runs.empty()) return std::nullopt;
    return std::move(runs.front());
  }

  std::vector<backtest::StoredTrade> trades(std::int64_t run_id) override {
    const long long id = run_id;
    soci::rowset<soci::row> rows =
        (db_.session().prepare << "SELECT symbol, side, qty, entry_price, exit_price, entry_at, "
                                  "exit_at, pnl, duration_seconds, exit_reason, costs FROM "
                                  "backtest_trade WHERE run_id = :id ORDER BY id",
         soci::use(id));
    std::vector<backtest::StoredTrade> out;
    for (const auto& row : rows) {
      backtest::StoredTrade t;
      t.symbol = row.get<std::string>(0);
      t.side = row.get<std::string>(1);
      t.qty = std::stoll(row.get<std::string>(2));
      t.entry_price = core::Decimal::parse(row.get<std::string>(3));
      t.exit_price = core::Decimal::parse(row.get<std::string>(4));
      t.entry_at = core::parse_timestamp(row.get<std::string>(5));
      t.exit_at = core::parse_timestamp(row.get<std::string>(6));
      t.pnl = core::Decimal::parse(row.get<std::string>(7));
      t.duration_seconds = integer(row, 8);
      t.exit_reason = row.get_indicator(9) == soci::i_null ? "" : row.get<std::string>(9);
      t.costs = core::Decimal::parse(row.get<std::string>(10));
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  std::vector<backtest::StoredRun> select(const std::string& tail) {
    soci::rowset<soci::row> rows =
        (db_.session().prepare
         << "SELECT id, strategy, symbols, start_date, end_date, initial_capital, params, "
            "total_return, win_rate, profit_factor, sharpe_ratio, max_drawdown, total_trades, "
            "equity_curve, created_at, settings, data_source, bars_fingerprint, program_version, "
            "metrics, bar_count FROM backtest_run " +
                tail);
    std::vector<backtest::StoredRun> out;
    const auto text = [](const soci::row& row, std::size_t i) {
      return row.get_indicator(i) == soci::i_null ? std::string() : row.get<std::string>(i);
    };
    for (const auto& row : rows) {
      backtest::StoredRun r;
      r.id = integer(row, 0);
      r.strategy = row.get<std::string>(1);
      r.symbols = config::detail::parse_string_array(row.get<std::string>(2));
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

std::unique_ptr<orders::TradeRepository> make_trade_repository(Database& db) {
  return std::make_unique<SqlTradeRepository>(db);
}

std::unique_ptr<backtest::RunRepository> make_run_repository(Database& db) {
  return std::make_unique<SqlRunRepository>(db);
}

}  // namespace trader::store
