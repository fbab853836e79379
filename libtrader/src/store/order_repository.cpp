// order_state + order_event through prepared SOCI statements; decimals and timestamps as TEXT.
#include <soci/soci.h>

#include <fmt/core.h>

#include <trader/store/repositories.hpp>

#include "store/sqlite_handle.hpp"

namespace trader::store {
namespace {

using orders::OrderEventRecord;
using orders::OrderRecord;

// Text columns with their null indicators: what SOCI binds.
struct Text {
  std::string value;
  soci::indicator ind = soci::i_null;

  void set(const std::optional<std::string>& v) {
    value = v.value_or("");
    ind = v ? soci::i_ok : soci::i_null;
  }
  void set(const std::optional<core::Decimal>& v) {
    value = v ? v->to_string() : "";
    ind = v ? soci::i_ok : soci::i_null;
  }
};

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

class SqlOrderRepository final : public orders::OrderRepository {
 public:
  explicit SqlOrderRepository(Database& db)
      : db_(db),
        insert_order_(db.session()),
        update_order_(db.session()),
        insert_event_(db.session()) {
    soci::session& sql = db.session();
    insert_order_ =
        (sql.prepare << "INSERT INTO order_state (local_id, client_order_id, broker_id, "
                        "correlation_id, symbol, side, order_type, time_in_force, qty_requested, "
                        "qty_filled, avg_fill_price, limit_price, stop_price, planned_stop_price, "
                        "state, version, parent_id, submit_attempts, last_error, created_at, "
                        "updated_at, order_role, strategy) VALUES (:local_id, :client_order_id, "
                        ":broker_id, :correlation_id, :symbol, :side, :order_type, :tif, :qty, "
                        ":qty_filled, :avg, :limit_price, :stop_price, :planned, :state, 0, "
                        ":parent, :attempts, :last_error, :created, :updated, :role, :strategy)",
         soci::use(o_.local_id, "local_id"), soci::use(o_.client_order_id, "client_order_id"),
         soci::use(o_.broker_id.value, o_.broker_id.ind, "broker_id"),
         soci::use(o_.correlation_id, "correlation_id"), soci::use(o_.symbol, "symbol"),
         soci::use(o_.side, "side"), soci::use(o_.type, "order_type"), soci::use(o_.tif, "tif"),
         soci::use(o_.qty, "qty"), soci::use(o_.qty_filled, "qty_filled"),
         soci::use(o_.avg.value, o_.avg.ind, "avg"),
         soci::use(o_.limit_price.value, o_.limit_price.ind, "limit_price"),
         soci::use(o_.stop_price.value, o_.stop_price.ind, "stop_price"),
         soci::use(o_.planned.value, o_.planned.ind, "planned"), soci::use(o_.state, "state"),
         soci::use(o_.parent.value, o_.parent.ind, "parent"), soci::use(o_.attempts, "attempts"),
         soci::use(o_.last_error.value, o_.last_error.ind, "last_error"),
         soci::use(o_.created, "created"), soci::use(o_.updated, "updated"),
         soci::use(o_.role, "role"), soci::use(o_.strategy.value, o_.strategy.ind, "strategy"));
    update_order_ =
        (sql.prepare << "UPDATE order_state SET broker_id = :broker_id, state = :state, "
                        "qty_requested = :qty, qty_filled = :qty_filled, avg_fill_price = :avg, "
                        "limit_price = :limit_price, stop_price = :stop_price, "
                        "planned_stop_price = :planned, submit_attempts = :attempts, "
                        "last_error = :last_error, updated_at = :updated, version = version + 1 "
                        "WHERE local_id = :local_id AND version = :version",
         soci::use(o_.broker_id.value, o_.broker_id.ind, "broker_id"), soci::use(o_.state, "state"),
         soci::use(o_.qty, "qty"), soci::use(o_.qty_filled, "qty_filled"),
         soci::use(o_.avg.value, o_.avg.ind, "avg"),
         soci::use(o_.limit_price.value, o_.limit_price.ind, "limit_price"),
         soci::use(o_.stop_price.value, o_.stop_price.ind, "stop_price"),
         soci::use(o_.planned.value, o_.planned.ind, "planned"), soci::use(o_.attempts, "attempts"),
         soci::use(o_.last_error.value, o_.last_error.ind, "last_error"),
         soci::use(o_.updated, "updated"), soci::use(o_.local_id, "local_id"),
         soci::use(o_.version, "version"));
    insert_event_ =
        (sql.prepare << "INSERT INTO order_event (order_local_id, event_type, old_state, "
                        "new_state, qty_filled, fill_price, broker_id, detail, recorded_at) "
                        "VALUES (:local_id, :type, :old, :new, :qty, :price, :broker, :detail, "
                        ":recorded)",
         soci::use(e_.local_id, "local_id"), soci::use(e_.type, "type"),
         soci::use(e_.old_state.value, e_.old_state.ind, "old"), soci::use(e_.new_state, "new"),
         soci::use(e_.qty.value, e_.qty.ind, "qty"),
         soci::use(e_.price.value, e_.price.ind, "price"),
         soci::use(e_.broker.value, e_.broker.ind, "broker"),
         soci::use(e_.detail.value, e_.detail.ind, "detail"), soci::use(e_.recorded, "recorded"));
  }

  void insert(const OrderRecord& order, const OrderEventRecord& event) override {
    bind(order);
    bind(event);
    try {
      Transaction tx(db_);
      insert_order_.execute(true);
      insert_event_.execute(true);
      tx.commit();
    } catch (const soci::soci_error& e) {
      detail::raise_soci_error(db_, e, "inserting order " + order.local_id);
    }
  }

  void update(OrderRecord& order, const OrderEventRecord& event) override {
    bind(order);
    bind(event);
    try {
      Transaction tx(db_);
      update_order_.execute(true);
      if (update_order_.get_affected_rows() != 1) {
        throw orders::ConcurrentUpdateError(
            fmt::format("order {} changed since it was read (expected version {})", order.local_id,
                        order.version));
      }
      insert_event_.execute(true);
      tx.commit();
    } catch (const soci::soci_error& e) {
      detail::raise_soci_error(db_, e, "updating order " + order.local_id);
    }
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

  void bind(const OrderRecord& o) {
    o_.local_id = o.local_id;
    o_.client_order_id = o.client_order_id;
    o_.broker_id.set(o.broker_id);
    o_.correlation_id = o.correlation_id;
    o_.symbol = o.symbol;
    o_.side = std::string(to_string(o.side));
    o_.type = std::string(to_string(o.type));
    o_.tif = std::string(to_string(o.time_in_force));
    o_.role = std::string(to_string(o.role));
    o_.state = std::string(to_string(o.state));
    o_.qty = o.qty_requested.to_string();
    o_.qty_filled = o.qty_filled.to_string();
    o_.avg.set(o.avg_fill_price);
    o_.limit_price.set(o.limit_price);
    o_.stop_price.set(o.stop_price);
    o_.planned.set(o.planned_stop_price);
    o_.parent.set(o.parent_id);
    o_.strategy.set(o.strategy);
    o_.last_error.set(o.last_error);
    o_.attempts = o.submit_attempts;
    o_.version = o.version;
    o_.created = core::format_timestamp_micros(o.created_at);
    o_.updated = core::format_timestamp_micros(o.updated_at);
  }

  void bind(const OrderEventRecord& e) {
    e_.local_id = e.order_local_id;
    e_.type = e.event_type;
    e_.old_state.set(e.old_state ? std::optional<std::string>(std::string(to_string(*e.old_state)))
                                 : std::nullopt);
    e_.new_state = std::string(to_string(e.new_state));
    e_.qty.set(e.qty_filled);
    e_.price.set(e.fill_price);
    e_.broker.set(e.broker_id);
    e_.detail.set(e.detail);
    e_.recorded = core::format_timestamp_micros(e.recorded_at);
  }

  Database& db_;
  // Buffers the prepared statements are bound to.
  struct {
    std::string local_id, client_order_id, correlation_id, symbol, side, type, tif, role, state;
    std::string qty, qty_filled, created, updated;
    Text broker_id, avg, limit_price, stop_price, planned, parent, strategy, last_error;
    int attempts = 0;
    int version = 0;
  } o_;
  struct {
    std::string local_id, type, new_state, recorded;
    Text old_state, qty, price, broker, detail;
  } e_;
  soci::statement insert_order_;
  soci::statement update_order_;
  soci::statement insert_event_;
};

}  // namespace

std::unique_ptr<orders::OrderRepository> make_order_repository(Database& db) {
  return std::make_unique<SqlOrderRepository>(db);
}

}  // namespace trader::store
