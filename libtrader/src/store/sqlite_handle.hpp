#pragma once
// The raw sqlite3 handle under a SOCI session, for what SOCI does not offer: multi-statement
// scripts (migrations), the online backup API, and the bar store's BLOB fast path.

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <string>

#include <trader/store/database.hpp>

namespace trader::store::detail {

// SOCI includes sqlite3.h inside namespace sqlite_api, so the C API is reached through it.
namespace sqlite = ::sqlite_api;

inline sqlite::sqlite3* native_handle(Database& db) {
  return static_cast<soci::sqlite3_session_backend*>(db.session().get_backend())->conn_;
}

// Runs a script of several statements; throws StoreError with SQLite's message.
void execute_script(Database& db, const std::string& sql);

}  // namespace trader::store::detail
