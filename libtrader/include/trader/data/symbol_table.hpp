#pragma once
// The symbols of one run, each interned once; a Bar carries only its SymbolId. Not global: two
// runs in one process have their own tables.

#include <algorithm>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <trader/data/bar.hpp>

namespace trader::data {

class SymbolTable {
 public:
  SymbolTable() = default;

  // Ids in alphabetical order of the names, so (timestamp, id) order is (timestamp, symbol).
  [[nodiscard]] static SymbolTable sorted(std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    SymbolTable table;
    table.names_ = std::move(names);
    return table;
  }

  // The id of `name`, adding it when new (ids then follow insertion order).
  SymbolId intern(std::string_view name) {
    if (const auto id = find(name)) return *id;
    names_.emplace_back(name);
    return SymbolId{static_cast<std::uint32_t>(names_.size() - 1)};
  }

  [[nodiscard]] std::optional<SymbolId> find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return SymbolId{static_cast<std::uint32_t>(i)};
    }
    return std::nullopt;
  }

  [[nodiscard]] const std::string& name(SymbolId id) const { return names_.at(index_of(id)); }
  [[nodiscard]] std::size_t size() const noexcept { return names_.size(); }
  [[nodiscard]] std::span<const std::string> names() const noexcept { return names_; }

 private:
  std::vector<std::string> names_;
};

}  // namespace trader::data
