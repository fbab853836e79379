#pragma once
#include <span>

#include <trader/store/migrations.hpp>

namespace trader::store::detail {

// The program's migrations in version order; their SQL is in schema.cpp.
[[nodiscard]] std::span<const Migration> schema_migrations();

}  // namespace trader::store::detail
