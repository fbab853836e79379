// sweep and sweep_result through SOCI (the records: trader/store/sweep_repository.hpp).
#include <trader/store/sweep_repository.hpp>

#include <soci/soci.h>

#include <fmt/core.h>

#include <cmath>

#include "store/sqlite_handle.hpp"

namespace trader::store {
namespace {

using detail::integer;

class SqlSweepRepository final : public SweepRepository {
 public:
  explicit SqlSweepRepository(Database& db) : db_(db) {}

  std::int64_t insert(const StoredSweep& s, std::span<const StoredSweepResult> results) override {
    soci::session& sql = db_.session();
    try {
      Transaction tx(db_);
      const std::string created = core::format_timestamp_micros(s.created_at);
      const std::string start = core::format_date(s.start_date);
      const std::string end = core::format_date(s.end_date);
      const long long bars = s.bar_count;
      const long long combinations = s.combinations;
      sql << "INSERT INTO sweep (created_at, strategy, symbols, start_date, end_date, objective, "
             "axes, settings, data_source, bars_fingerprint, fingerprint, bar_count, "
             "combinations, program_version) VALUES (:created, :strategy, :symbols, :start, "
             ":end, :objective, :axes, :settings, :source, :bars_fp, :fp, :bars, :n, :version)",
          soci::use(created), soci::use(s.strategy), soci::use(s.symbols_json), soci::use(start),
          soci::use(end), soci::use(s.objective), soci::use(s.axes_json),
          soci::use(s.settings_json), soci::use(s.data_source), soci::use(s.bars_fingerprint),
          soci::use(s.fingerprint), soci::use(bars), soci::use(combinations),
          soci::use(s.program_version);
      long long id = 0;
      sql << "SELECT last_insert_rowid()", soci::into(id);
      long long combination = 0;
      long long trades = 0;
      std::string params;
      std::string metrics;
      double value = 0;
      soci::indicator value_null = soci::i_ok;
      soci::statement insert_result =
          (sql.prepare << "INSERT INTO sweep_result (sweep_id, combination, params, metrics, "
                          "objective_value, total_trades) VALUES (:id, :c, :p, :m, :v, :t)",
           soci::use(id), soci::use(combination), soci::use(params), soci::use(metrics),
           soci::use(value, value_null), soci::use(trades));
      for (const StoredSweepResult& r : results) {
        // NOLINTBEGIN(clang-analyzer-deadcode.DeadStores): soci::use reads them at execute
        combination = r.combination;
        params = r.params_json;
        metrics = r.metrics_json;
        const bool real = r.objective_value && std::isfinite(*r.objective_value);
        value = real ? *r.objective_value : 0.0;
        value_null = real ? soci::i_ok : soci::i_null;
        trades = r.total_trades;
        // NOLINTEND(clang-analyzer-deadcode.DeadStores)
        insert_result.execute(true);
      }
      tx.commit();
      return id;
    } catch (const soci::soci_error& e) {
      detail::raise_soci_error(db_, e, "storing the sweep");
    }
  }

  std::vector<StoredSweep> list(int limit) override {
    return select("ORDER BY id DESC LIMIT " + std::to_string(limit));
  }

  std::optional<StoredSweep> find(std::int64_t id) override {
    auto found = select("WHERE id = " + std::to_string(id));
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  }

  std::vector<StoredSweepResult> results(std::int64_t sweep_id) override {
    const long long id = sweep_id;
    try {
      soci::rowset<soci::row> rows =
          (db_.session().prepare << "SELECT combination, params, metrics, objective_value, "
                                    "total_trades FROM sweep_result WHERE sweep_id = :id ORDER BY "
                                    "combination",
           soci::use(id));
      std::vector<StoredSweepResult> out;
      for (const auto& row : rows) {
        StoredSweepResult r;
        r.combination = integer(row, 0);
        r.params_json = row.get<std::string>(1);
        r.metrics_json = row.get<std::string>(2);
        if (row.get_indicator(3) != soci::i_null) r.objective_value = row.get<double>(3);
        r.total_trades = integer(row, 4);
        out.push_back(std::move(r));
      }
      return out;
    } catch (const soci::soci_error& e) {
      detail::raise_soci_error(db_, e, "reading the results of a sweep");
    }
  }

 private:
  std::vector<StoredSweep> select(const std::string& tail) {
    try {
      soci::rowset<soci::row> rows =
          (db_.session().prepare
           << "SELECT id, created_at, strategy, symbols, start_date, end_date, objective, axes, "
              "settings, data_source, bars_fingerprint, fingerprint, bar_count, combinations, "
              "program_version FROM sweep " +
                  tail);
      std::vector<StoredSweep> out;
      for (const auto& row : rows) {
        StoredSweep s;
        s.id = integer(row, 0);
        s.created_at = core::parse_timestamp(row.get<std::string>(1));
        s.strategy = row.get<std::string>(2);
        s.symbols_json = row.get<std::string>(3);
        s.start_date = core::parse_date(row.get<std::string>(4));
        s.end_date = core::parse_date(row.get<std::string>(5));
        s.objective = row.get<std::string>(6);
        s.axes_json = row.get<std::string>(7);
        s.settings_json = row.get<std::string>(8);
        s.data_source = row.get<std::string>(9);
        s.bars_fingerprint = row.get<std::string>(10);
        s.fingerprint = row.get<std::string>(11);
        s.bar_count = integer(row, 12);
        s.combinations = integer(row, 13);
        s.program_version = row.get<std::string>(14);
        out.push_back(std::move(s));
      }
      return out;
    } catch (const soci::soci_error& e) {
      detail::raise_soci_error(db_, e, "reading the stored sweeps");
    }
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<SweepRepository> make_sweep_repository(Database& db) {
  return std::make_unique<SqlSweepRepository>(db);
}

}  // namespace trader::store
