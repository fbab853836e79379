#pragma once
// A prepared sqlite3 statement for the bar store's hot paths (BLOBs, many rows), where going
// through SOCI's type conversions would cost more than the work itself.

#include <cstdint>
#include <string>
#include <string_view>

#include "store/sqlite_handle.hpp"

namespace trader::store::detail {

// SQLITE_TRANSIENT, spelled without the macro (its cast names a type SOCI hides in sqlite_api).
inline const sqlite::sqlite3_destructor_type kTransient =
    reinterpret_cast<sqlite::sqlite3_destructor_type>(-1);  // NOLINT

class Statement {
 public:
  Statement(Database& db, std::string_view sql) : db_(&db) {
    if (sqlite::sqlite3_prepare_v3(native_handle(db), sql.data(), static_cast<int>(sql.size()),
                                   SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      raise_native_error(db, "preparing a statement");
    }
  }
  ~Statement() { sqlite::sqlite3_finalize(stmt_); }
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value) {
    check(sqlite::sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  Statement& bind(int index, std::string_view text) {
    check(sqlite::sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                    kTransient));
    return *this;
  }
  Statement& bind_blob(int index, const std::string& bytes) {
    check(sqlite::sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                                      nullptr));  // SQLITE_STATIC
    return *this;
  }
  // True while there is a row; false when done. Throws on errors.
  bool step() {
    const int rc = sqlite::sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    raise_native_error(*db_, doing_);
  }
  void reset() {
    sqlite::sqlite3_reset(stmt_);
    sqlite::sqlite3_clear_bindings(stmt_);
  }
  [[nodiscard]] std::int64_t int64(int column) const {
    return sqlite::sqlite3_column_int64(stmt_, column);
  }
  [[nodiscard]] std::string_view text(int column) const {
    const auto* p = sqlite::sqlite3_column_text(stmt_, column);
    return p ? std::string_view(
                   reinterpret_cast<const char*>(p),
                   static_cast<std::size_t>(sqlite::sqlite3_column_bytes(stmt_, column)))
             : std::string_view();
  }
  [[nodiscard]] const void* blob(int column) const {
    return sqlite::sqlite3_column_blob(stmt_, column);
  }
  [[nodiscard]] std::size_t blob_size(int column) const {
    return static_cast<std::size_t>(sqlite::sqlite3_column_bytes(stmt_, column));
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) raise_native_error(*db_, doing_);
  }

  Database* db_;
  const char* doing_ = "reading or writing bars";
  sqlite::sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace trader::store::detail
