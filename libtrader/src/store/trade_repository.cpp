// trade (live/paper round trips) through SOCI.
#include <soci/soci.h>

#include <fmt/core.h>

#include <trader/store/repositories.hpp>

#include "store/sqlite_handle.hpp"

namespace trader::store {
namespace {

using detail::integer;
using orders::TradeRecord;

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

}  // namespace

std::unique_ptr<orders::TradeRepository> make_trade_repository(Database& db) {
  return std::make_unique<SqlTradeRepository>(db);
}

}  // namespace trader::store
