// The schema, as an ordered list of migration steps. Never edit a step that has shipped: add a
// new one. Tables and their triggers are created in the same step (F13), because a table rebuild
// silently drops triggers (the reference's Alembic batch-mode lesson).
#include "store/schema.hpp"

#include <string>
#include <vector>

#include "store/bar_blob.hpp"
#include "store/sqlite_statement.hpp"

namespace trader::store::detail {
namespace {

// Version 1: the reference schema (table names singular) with the F15
// additions on order_state: client order id, unique broker id, time in force, limit/stop price
// and the planned stop; CHECKs on every enum column.
constexpr const char* kTradingSchema = R"SQL(
CREATE TABLE order_state (
  id INTEGER PRIMARY KEY,
  local_id TEXT NOT NULL UNIQUE,
  client_order_id TEXT NOT NULL UNIQUE,
  broker_id TEXT,
  correlation_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CONSTRAINT ck_order_state_side CHECK (side IN ('buy', 'sell')),
  order_type TEXT NOT NULL CONSTRAINT ck_order_state_type
    CHECK (order_type IN ('market', 'limit', 'stop', 'stop_limit', 'trailing_stop')),
  time_in_force TEXT NOT NULL DEFAULT 'day' CONSTRAINT ck_order_state_tif
    CHECK (time_in_force IN ('day', 'gtc', 'ioc')),
  qty_requested TEXT NOT NULL,
  qty_filled TEXT NOT NULL DEFAULT '0',
  avg_fill_price TEXT,
  limit_price TEXT,
  stop_price TEXT,
  planned_stop_price TEXT,
  state TEXT NOT NULL DEFAULT 'pending_submit' CONSTRAINT ck_order_state_state
    CHECK (state IN ('pending_submit', 'submitted', 'accepted', 'partially_filled', 'filled',
                     'canceled', 'expired', 'rejected', 'submit_failed')),
  version INTEGER NOT NULL DEFAULT 0,
  parent_id TEXT,
  submit_attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  order_role TEXT NOT NULL DEFAULT 'entry' CONSTRAINT ck_order_state_role
    CHECK (order_role IN ('entry', 'stop_loss', 'exit_market')),
  strategy TEXT
);
CREATE UNIQUE INDEX ix_order_state_broker_id ON order_state (broker_id);
CREATE INDEX ix_order_state_correlation_id ON order_state (correlation_id);
CREATE INDEX ix_order_state_state ON order_state (state);
CREATE INDEX ix_order_state_symbol_created ON order_state (symbol, created_at);
CREATE INDEX ix_order_state_parent_id ON order_state (parent_id);

CREATE TABLE order_event (
  id INTEGER PRIMARY KEY,
  order_local_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  old_state TEXT,
  new_state TEXT NOT NULL,
  qty_filled TEXT,
  fill_price TEXT,
  broker_id TEXT,
  detail TEXT,
  recorded_at TEXT NOT NULL
);
CREATE INDEX ix_order_event_local_id ON order_event (order_local_id);
CREATE INDEX ix_order_event_recorded ON order_event (recorded_at);
CREATE TRIGGER no_update_order_event BEFORE UPDATE ON order_event
BEGIN SELECT RAISE(ABORT, 'order_event is immutable'); END;
CREATE TRIGGER no_delete_order_event BEFORE DELETE ON order_event
BEGIN SELECT RAISE(ABORT, 'order_event is immutable'); END;

CREATE TABLE trade (
  id INTEGER PRIMARY KEY,
  trade_id TEXT NOT NULL UNIQUE,
  correlation_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CONSTRAINT ck_trade_side CHECK (side IN ('long', 'short')),
  qty TEXT NOT NULL,
  entry_price TEXT NOT NULL,
  exit_price TEXT NOT NULL,
  entry_at TEXT NOT NULL,
  exit_at TEXT NOT NULL,
  pnl TEXT NOT NULL,
  pnl_pct TEXT NOT NULL,
  strategy TEXT NOT NULL,
  duration_seconds INTEGER NOT NULL,
  commission TEXT NOT NULL DEFAULT '0'
);
CREATE INDEX ix_trade_symbol_exit ON trade (symbol, exit_at);
-- F15: one trade per correlation, so a repeated fill can never record a second one.
CREATE UNIQUE INDEX ix_trade_correlation ON trade (correlation_id);
CREATE INDEX ix_trade_strategy_exit ON trade (strategy, exit_at);
CREATE TRIGGER no_update_trade BEFORE UPDATE ON trade
BEGIN SELECT RAISE(ABORT, 'trade is immutable'); END;
CREATE TRIGGER no_delete_trade BEFORE DELETE ON trade
BEGIN SELECT RAISE(ABORT, 'trade is immutable'); END;

CREATE TABLE trade_note (
  id INTEGER PRIMARY KEY,
  trade_id TEXT NOT NULL REFERENCES trade (trade_id),
  note TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE backtest_run (
  id INTEGER PRIMARY KEY,
  strategy TEXT NOT NULL,
  symbols TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  initial_capital TEXT NOT NULL,
  params TEXT NOT NULL,
  total_return TEXT,
  win_rate TEXT,
  profit_factor TEXT,
  sharpe_ratio TEXT,
  max_drawdown TEXT,
  total_trades INTEGER,
  equity_curve TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE backtest_trade (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES backtest_run (id),
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  qty TEXT NOT NULL,
  entry_price TEXT NOT NULL,
  exit_price TEXT NOT NULL,
  entry_at TEXT NOT NULL,
  exit_at TEXT NOT NULL,
  pnl TEXT NOT NULL,
  duration_seconds INTEGER NOT NULL
);
CREATE INDEX ix_backtest_trade_run ON backtest_trade (run_id);

CREATE TABLE settings_override (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  previous_value TEXT
);
)SQL";

constexpr const char* kDropTradingSchema = R"SQL(
DROP TABLE settings_override;
DROP TABLE backtest_trade;
DROP TABLE backtest_run;
DROP TABLE trade_note;
DROP TABLE trade;
DROP TABLE order_event;
DROP TABLE order_state;
)SQL";

// Version 2 (F5): what it takes to repeat a backtest run, and per-trade exit reason and costs.
constexpr const char* kRunReproduction = R"SQL(
ALTER TABLE backtest_run ADD COLUMN settings TEXT;
ALTER TABLE backtest_run ADD COLUMN data_source TEXT;
ALTER TABLE backtest_run ADD COLUMN bars_fingerprint TEXT;
ALTER TABLE backtest_run ADD COLUMN program_version TEXT;
ALTER TABLE backtest_run ADD COLUMN metrics TEXT;
ALTER TABLE backtest_run ADD COLUMN bar_count INTEGER;
ALTER TABLE backtest_trade ADD COLUMN exit_reason TEXT;
ALTER TABLE backtest_trade ADD COLUMN costs TEXT NOT NULL DEFAULT '0';
)SQL";

constexpr const char* kDropRunReproduction = R"SQL(
ALTER TABLE backtest_trade DROP COLUMN costs;
ALTER TABLE backtest_trade DROP COLUMN exit_reason;
ALTER TABLE backtest_run DROP COLUMN bar_count;
ALTER TABLE backtest_run DROP COLUMN metrics;
ALTER TABLE backtest_run DROP COLUMN program_version;
ALTER TABLE backtest_run DROP COLUMN bars_fingerprint;
ALTER TABLE backtest_run DROP COLUMN data_source;
ALTER TABLE backtest_run DROP COLUMN settings;
)SQL";

// Version 3 (F14): the bar store. One row per (symbol, session) with the session's bars packed
// in a BLOB (format in bar_blob.hpp); the rows present are the coverage.
constexpr const char* kBarStore = R"SQL(
CREATE TABLE bar_symbol (
  id INTEGER PRIMARY KEY,
  symbol TEXT NOT NULL UNIQUE
);
CREATE TABLE bar_day (
  symbol_id INTEGER NOT NULL REFERENCES bar_symbol (id),
  session_date TEXT NOT NULL,
  source TEXT NOT NULL,
  bar_count INTEGER NOT NULL CHECK (bar_count > 0),
  expected_bars INTEGER NOT NULL,
  first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  bars BLOB NOT NULL,
  written_at TEXT NOT NULL,
  PRIMARY KEY (symbol_id, session_date)
) WITHOUT ROWID;
CREATE INDEX ix_bar_day_date ON bar_day (session_date);
)SQL";

constexpr const char* kDropBarStore = R"SQL(
DROP TABLE bar_day;
DROP TABLE bar_symbol;
)SQL";

// Version 4: a checksum of each session's BLOB, verified on every read (a damaged session is
// reported with its symbol and date instead of being traded on).
constexpr const char* kBarChecksum = R"SQL(
ALTER TABLE bar_day ADD COLUMN checksum INTEGER NOT NULL DEFAULT 0;
)SQL";

constexpr const char* kDropBarChecksum = R"SQL(
ALTER TABLE bar_day DROP COLUMN checksum;
)SQL";

// The sessions stored before version 4 get their checksum now.
void checksum_stored_sessions(Database& db) {
  struct Row {
    std::int64_t symbol_id;
    std::string date;
    std::int64_t checksum;
  };
  std::vector<Row> rows;  // collected first: rows are not updated under an open cursor
  Statement select(db, "SELECT symbol_id, session_date, bars FROM bar_day");
  while (select.step()) {
    rows.push_back(Row{select.int64(0), std::string(select.text(1)),
                       stored_checksum(select.blob(2), select.blob_size(2))});
  }
  Statement update(db,
                   "UPDATE bar_day SET checksum = ?1 WHERE symbol_id = ?2 AND session_date = ?3");
  for (const Row& row : rows) {
    update.reset();
    update.bind(1, row.checksum).bind(2, row.symbol_id).bind(3, row.date);
    update.step();
  }
}

// Version 5 (issue 15): parameter sweeps. A sweep with what it takes to repeat any of its
// combinations (the settings, the data, the fingerprints), and one row per combination with its
// parameters and exact metrics (JSON written by the sweep driver).
constexpr const char* kSweeps = R"SQL(
CREATE TABLE sweep (
  id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  strategy TEXT NOT NULL,
  symbols TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  objective TEXT NOT NULL,
  axes TEXT NOT NULL,
  settings TEXT NOT NULL,
  data_source TEXT NOT NULL,
  bars_fingerprint TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  bar_count INTEGER NOT NULL,
  combinations INTEGER NOT NULL CHECK (combinations >= 0),
  program_version TEXT NOT NULL
);
CREATE TABLE sweep_result (
  sweep_id INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,
  combination INTEGER NOT NULL CHECK (combination > 0),
  params TEXT NOT NULL,
  metrics TEXT NOT NULL,
  objective_value REAL,
  total_trades INTEGER NOT NULL,
  PRIMARY KEY (sweep_id, combination)
) WITHOUT ROWID;
)SQL";

constexpr const char* kDropSweeps = R"SQL(
DROP TABLE sweep_result;
DROP TABLE sweep;
)SQL";

std::vector<Migration> make_migrations() {
  return {
      Migration{1,
                "trading schema: orders, events, trades, notes, backtests, settings overrides",
                kTradingSchema,
                kDropTradingSchema,
                {"order_state", "order_event", "trade", "trade_note", "backtest_run",
                 "backtest_trade", "settings_override"},
                {}},
      Migration{2,
                "backtest run reproduction (F5)",
                kRunReproduction,
                kDropRunReproduction,
                {"backtest_run"},
                {}},
      Migration{3,
                "bar store: one-minute bars per symbol and session (F14)",
                kBarStore,
                kDropBarStore,
                {"bar_day", "bar_symbol"},
                {}},
      Migration{4,
                "bar store: a checksum per session, verified on read",
                kBarChecksum,
                kDropBarChecksum,
                {},
                checksum_stored_sessions},
      Migration{5,
                "parameter sweeps: sweep and sweep_result",
                kSweeps,
                kDropSweeps,
                {"sweep", "sweep_result"},
                {}},
  };
}

}  // namespace

std::span<const Migration> schema_migrations() {
  static const std::vector<Migration> migrations = make_migrations();  // immutable
  return migrations;
}

}  // namespace trader::store::detail
