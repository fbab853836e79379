#pragma once
// The raw sqlite3 handle under a SOCI session, for what SOCI does not offer: multi-statement
// scripts (migrations), the online backup API, and the bar store's BLOB fast path.

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <string>
#include <string_view>

#include <trader/store/database.hpp>

namespace trader::store::detail {

// SOCI includes sqlite3.h inside namespace sqlite_api, so the C API is reached through it.
namespace sqlite = ::sqlite_api;

inline sqlite::sqlite3* native_handle(Database& db) {
  return static_cast<soci::sqlite3_session_backend*>(db.session().get_backend())->conn_;
}

// Runs a script of several statements; throws StoreError with SQLite's message.
void execute_script(Database& db, const std::string& sql);

// Turns an SQLite failure into the StoreError subclass that says what happened and what to do:
// DatabaseBusyError, DatabasePermissionError, DatabaseCorruptError (marking the database
// suspect), a full disk, ... `doing` completes "while this one was ..." ("importing bars").
[[noreturn]] void raise_sqlite_error(Database& db, int code, std::string_view doing,
                                     std::string_view message);
[[noreturn]] void raise_soci_error(Database& db, const soci::soci_error& e, std::string_view doing);
// The same from the connection's last error (for the raw sqlite3 API).
[[noreturn]] void raise_native_error(Database& db, std::string_view doing);

// An INTEGER column of a row: SOCI reports it as int or long long depending on its declared
// type and value.
inline long long integer(const soci::row& row, std::size_t i) {
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

// Creates the whole schema on a new database inside the caller's transaction (F13 first use);
// returns the number of steps.
std::size_t create_schema(Database& db);

}  // namespace trader::store::detail
