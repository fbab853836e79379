// order_state + order_event: writes on the sqlite3 API, reads through SOCI; decimals and
// timestamps as TEXT.
#include <soci/soci.h>

#include <fmt/core.h>

#include <trader/store/repositories.hpp>

#include "store/sqlite_handle.hpp"
#include "store/sqlite_statement.hpp"

namespace trader::store {
namespace {

using orders::OrderEventRecord;
using orders::OrderRecord;

std::optional<std::string> optional_text(const soci::row& row, const char* column) {
  if (row.get_indicator(column) == soci::i_null) return std::nullopt;
  return row.get<std::string>(column);
}

std::optional<core::Decimal> optional_decimal(const soci::row& row, const char* column) {
  if (auto text = optional_text(row, column)) return core::Decimal::parse(*text);
  return std::nullopt;
}

constexpr const char* kSelectOrder =
    "SELECT local_id, client_order_id, broker_id, correlation_id, symbol, side, order_type, "
    "time_in_force, order_role, state, qty_requested, qty_filled, avg_fill_price, limit_price, "
    "stop_price, planned_stop_price, parent_id, strategy, last_error, submit_attempts, version, "
    "created_at, updated_at FROM order_state ";

OrderRecord order_from(const soci::row& row) {
  OrderRecord o;
  o.local_id = row.get<std::string>("local_id");
  o.client_order_id = row.get<std::string>("client_order_id");
  o.broker_id = optional_text(row, "broker_id");
  o.correlation_id = row.get<std::string>("correlation_id");
  o.symbol = row.get<std::string>("symbol");
  o.side = orders::parse_side(row.get<std::string>("side"));
  o.type = orders::parse_order_type(row.get<std::string>("order_type"));
  o.time_in_force = orders::parse_time_in_force(row.get<std::string>("time_in_force"));
  o.role = orders::parse_order_role(row.get<std::string>("order_role"));
  o.state = orders::parse_order_state(row.get<std::string>("state"));
  o.qty_requested = core::Decimal::parse(row.get<std::string>("qty_requested"));
  o.qty_filled = core::Decimal::parse(row.get<std::string>("qty_filled"));
  o.avg_fill_price = optional_decimal(row, "avg_fill_price");
  o.limit_price = optional_decimal(row, "limit_price");
  o.stop_price = optional_decimal(row, "stop_price");
  o.planned_stop_price = optional_decimal(row, "planned_stop_price");
  o.parent_id = optional_text(row, "parent_id");
  o.strategy = optional_text(row, "strategy");
  o.last_error = optional_text(row, "last_error");
  o.submit_attempts = row.get<int>("submit_attempts");
  o.version = row.get<int>("version");
  o.created_at = core::parse_timestamp(row.get<std::string>("created_at"));
  o.updated_at = core::parse_timestamp(row.get<std::string>("updated_at"));
  return o;
}

OrderEventRecord event_from(const soci::row& row) {
  OrderEventRecord e;
  e.order_local_id = row.get<std::string>("order_local_id");
  e.event_type = row.get<std::string>("event_type");
  if (auto old_state = optional_text(row, "old_state")) {
    e.old_state = orders::parse_order_state(*old_state);
  }
  e.new_state = orders::parse_order_state(row.get<std::string>("new_state"));
  e.qty_filled = optional_decimal(row, "qty_filled");
  e.fill_price = optional_decimal(row, "fill_price");
  e.broker_id = optional_text(row, "broker_id");
  e.detail = optional_text(row, "detail");
  e.recorded_at = core::parse_timestamp(row.get<std::string>("recorded_at"));
  return e;
}

// A statement of the write path (every order transition, before the order's next action: the
// write-ahead on the way from a bar to its order) on the sqlite3 API, prepared once, its values
// bound by position: SOCI's named bindings cost a string conversion and an allocation per value.
class WriteStatement {
 public:
  WriteStatement(Database& db, const char* sql) : db_(db) {
    if (detail::sqlite::sqlite3_prepare_v3(detail::native_handle(db), sql, -1,
                                           SQLITE_PREPARE_PERSISTENT, &stmt_,
                                           nullptr) != SQLITE_OK) {
      detail::raise_native_error(db, "preparing the order statements");
    }
  }
  ~WriteStatement() { detail::sqlite::sqlite3_finalize(stmt_); }
  WriteStatement(const WriteStatement&) = delete;
  WriteStatement& operator=(const WriteStatement&) = delete;

  WriteStatement& text(int index, std::string_view value) {
    check(detail::sqlite::sqlite3_bind_text(stmt_, index, value.data(),
                                            static_cast<int>(value.size()), detail::kTransient));
    return *this;
  }
  WriteStatement& maybe_text(int index, const std::optional<std::string>& value) {
    return value ? text(index, std::string_view(*value)) : null(index);
  }
  WriteStatement& decimal(int index, const core::Decimal& value) {
    return text(index, std::string_view(value.to_string()));
  }
  WriteStatement& maybe_decimal(int index, const std::optional<core::Decimal>& value) {
    return value ? decimal(index, *value) : null(index);
  }
  WriteStatement& integer(int index, std::int64_t value) {
    check(detail::sqlite::sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  WriteStatement& null(int index) {
    check(detail::sqlite::sqlite3_bind_null(stmt_, index));
    return *this;
  }
  // Runs it; the rows it changed. Throws the StoreError SQLite's answer calls for, naming
  // `doing`.
  int run(const std::string& doing) {
    const int rc = detail::sqlite::sqlite3_step(stmt_);
    if (rc != SQLITE_DONE) {
      const std::string message = detail::sqlite::sqlite3_errmsg(detail::native_handle(db_));
      detail::sqlite::sqlite3_reset(stmt_);
      detail::raise_sqlite_error(db_, rc, doing, message);
    }
    detail::sqlite::sqlite3_reset(stmt_);
    return detail::sqlite::sqlite3_changes(detail::native_handle(db_));
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) detail::raise_native_error(db_, "binding an order's values");
  }

  Database& db_;
  detail::sqlite::sqlite3_stmt* stmt_ = nullptr;
};

class SqlOrderRepository final : public orders::OrderRepository {
 public:
  explicit SqlOrderRepository(Database& db)
      : db_(db),
        insert_order_(
            db,
            "INSERT INTO order_state (local_id, client_order_id, broker_id, correlation_id, "
            "symbol, side, order_type, time_in_force, qty_requested, qty_filled, "
            "avg_fill_price, limit_price, stop_price, planned_stop_price, state, version, "
            "parent_id, submit_attempts, last_error, created_at, updated_at, order_role, "
            "strategy) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
            "?15, 0, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"),
        update_order_(db,
                      "UPDATE order_state SET broker_id = ?1, state = ?2, qty_requested = ?3, "
                      "qty_filled = ?4, avg_fill_price = ?5, limit_price = ?6, stop_price = ?7, "
                      "planned_stop_price = ?8, submit_attempts = ?9, last_error = ?10, "
                      "updated_at = ?11, version = version + 1 WHERE local_id = ?12 AND "
                      "version = ?13"),
        insert_event_(db,
                      "INSERT INTO order_event (order_local_id, event_type, old_state, "
                      "new_state, qty_filled, fill_price, broker_id, detail, recorded_at) VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)") {}

  void insert(const OrderRecord& order, const OrderEventRecord& event) override {
    const std::string doing = "inserting order " + order.local_id;
    Transaction tx(db_);
    insert_order_.text(1, std::string_view(order.local_id))
        .text(2, order.client_order_id)
        .maybe_text(3, order.broker_id)
        .text(4, order.correlation_id)
        .text(5, order.symbol)
        .text(6, to_string(order.side))
        .text(7, to_string(order.type))
        .text(8, to_string(order.time_in_force))
        .decimal(9, order.qty_requested)
        .decimal(10, order.qty_filled)
        .maybe_decimal(11, order.avg_fill_price)
        .maybe_decimal(12, order.limit_price)
        .maybe_decimal(13, order.stop_price)
        .maybe_decimal(14, order.planned_stop_price)
        .text(15, to_string(order.state))
        .maybe_text(16, order.parent_id)
        .integer(17, order.submit_attempts)
        .maybe_text(18, order.last_error)
        .text(19, core::format_timestamp_micros(order.created_at))
        .text(20, core::format_timestamp_micros(order.updated_at))
        .text(21, to_string(order.role))
        .maybe_text(22, order.strategy);
    insert_order_.run(doing);
    add_event(event, doing);
    tx.commit();
  }

  void update(OrderRecord& order, const OrderEventRecord& event) override {
    const std::string doing = "updating order " + order.local_id;
    Transaction tx(db_);
    update_order_.maybe_text(1, order.broker_id)
        .text(2, to_string(order.state))
        .decimal(3, order.qty_requested)
        .decimal(4, order.qty_filled)
        .maybe_decimal(5, order.avg_fill_price)
        .maybe_decimal(6, order.limit_price)
        .maybe_decimal(7, order.stop_price)
        .maybe_decimal(8, order.planned_stop_price)
        .integer(9, order.submit_attempts)
        .maybe_text(10, order.last_error)
        .text(11, core::format_timestamp_micros(order.updated_at))
        .text(12, order.local_id)
        .integer(13, order.version);
    if (update_order_.run(doing) != 1) {
      throw orders::ConcurrentUpdateError(
          fmt::format("order {} changed since it was read (expected version {})", order.local_id,
                      order.version));
    }
    add_event(event, doing);
    tx.commit();
    ++order.version;
  }

  std::optional<OrderRecord> find_by_local_id(std::string_view local_id) override {
    return find_one("WHERE local_id = :key", local_id);
  }
  std::optional<OrderRecord> find_by_broker_id(std::string_view broker_id) override {
    return find_one("WHERE broker_id = :key", broker_id);
  }
  std::optional<OrderRecord> find_by_client_order_id(std::string_view id) override {
    return find_one("WHERE client_order_id = :key", id);
  }

  std::vector<OrderRecord> non_terminal() override {
    std::vector<OrderRecord> out;
    soci::rowset<soci::row> rows =
        (db_.session().prepare
         << std::string(kSelectOrder) +
                "WHERE state NOT IN ('filled', 'canceled', 'expired', 'rejected', "
                "'submit_failed') ORDER BY id");
    for (const auto& row : rows) out.push_back(order_from(row));
    return out;
  }

  std::vector<OrderRecord> open_round_trips() override {
    std::vector<OrderRecord> out;
    soci::rowset<soci::row> rows =
        (db_.session().prepare
         << std::string(kSelectOrder) +
                "WHERE correlation_id IN (SELECT correlation_id FROM order_state WHERE state NOT "
                "IN ('filled', 'canceled', 'expired', 'rejected', 'submit_failed') OR "
                "(order_role = 'entry' AND qty_filled <> '0')) AND correlation_id NOT IN "
                "(SELECT correlation_id FROM trade) ORDER BY id");
    for (const auto& row : rows) out.push_back(order_from(row));
    return out;
  }

  std::vector<OrderEventRecord> events(std::string_view local_id) override {
    std::vector<OrderEventRecord> out;
    const std::string key(local_id);
    soci::rowset<soci::row> rows =
        (db_.session().prepare << "SELECT order_local_id, event_type, old_state, new_state, "
                                  "qty_filled, fill_price, broker_id, detail, recorded_at "
                                  "FROM order_event WHERE order_local_id = :key ORDER BY id",
         soci::use(key));
    for (const auto& row : rows) out.push_back(event_from(row));
    return out;
  }

 private:
  std::optional<OrderRecord> find_one(const char* where, std::string_view value) {
    const std::string key(value);
    soci::rowset<soci::row> rows =
        (db_.session().prepare << std::string(kSelectOrder) + where, soci::use(key));
    for (const auto& row : rows) return order_from(row);
    return std::nullopt;
  }

  void add_event(const OrderEventRecord& e, const std::string& doing) {
    insert_event_.text(1, std::string_view(e.order_local_id))
        .text(2, e.event_type)
        .maybe_text(3, e.old_state
                           ? std::optional<std::string>(std::string(to_string(*e.old_state)))
                           : std::nullopt)
        .text(4, to_string(e.new_state))
        .maybe_decimal(5, e.qty_filled)
        .maybe_decimal(6, e.fill_price)
        .maybe_text(7, e.broker_id)
        .maybe_text(8, e.detail)
        .text(9, core::format_timestamp_micros(e.recorded_at));
    insert_event_.run(doing);
  }

  Database& db_;
  WriteStatement insert_order_;
  WriteStatement update_order_;
  WriteStatement insert_event_;
};

}  // namespace

std::unique_ptr<orders::OrderRepository> make_order_repository(Database& db) {
  return std::make_unique<SqlOrderRepository>(db);
}

}  // namespace trader::store
