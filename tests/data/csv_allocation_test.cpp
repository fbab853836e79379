// The CSV reader parses rows in place: after the first batch (symbols interned, per-symbol state
// sized) reading allocates nothing per row, with quoted fields, blanks around fields and
// resampling too. Every allocation in this executable is counted.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include <trader/data/csv_reader.hpp>

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// GCC sees through std::allocator here and takes these for a free() of a new'd pointer; they are
// the matching pair of the operator new above.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// The rest of the family too: ASan supplies its own nothrow and array forms, and a block from
// them freed by ours would be an alloc-dealloc mismatch.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

using trader::data::BarRecord;
using trader::data::CsvBarReader;
using trader::data::CsvReadOptions;
using trader::data::SymbolTable;

// Rows of two symbols, every `step` seconds from 2024-03-11T13:30:00Z, in the styles a vendor
// may use: plain, quoted (RFC 4180), with blanks around fields.
std::string rows(int count, int step) {
  std::string text = "symbol,timestamp,open,high,low,close,volume,vwap,trade_count\n";
  for (int i = 0; i < count; ++i) {
    const std::string t = std::to_string(1'710'163'800 + step * (i / 2));
    const char* symbol = i % 2 == 0 ? "AAPL" : "MSFT";
    switch (i % 3) {
      case 0:
        text += std::string(symbol) + "," + t + ",100.25,101,99.5,100.75,1200,100.5,12\n";
        break;
      case 1:
        text += "\"" + std::string(symbol) + "\",\"" + t +
                "\",\"100.25\",\"101\",\"99.5\",\"100.75\",\"1200\",\"\",\"\"\r\n";
        break;
      default:
        text += " " + std::string(symbol) + " ,\t" + t + " , 100.25 ,101 ,99.5,100.75, 1200 ,,7\n";
    }
  }
  return text;
}

long allocations_after_first_batch(const std::string& text, CsvReadOptions options) {
  SymbolTable table;
  const long at_start = g_allocations.load();
  CsvBarReader reader = CsvBarReader::from_text(text, "bars.csv", std::move(options), table);
  CHECK(g_allocations.load() > at_start);  // the counter counts (the text is copied)
  std::vector<BarRecord> batch(256);
  REQUIRE(reader.read(batch) == batch.size());
  const long before = g_allocations.load();
  std::size_t total = batch.size();
  while (const std::size_t n = reader.read(batch)) total += n;
  const long during = g_allocations.load() - before;
  CHECK(total == reader.bars_delivered());
  CHECK(reader.skipped_rows() == 0);
  return during;
}

}  // namespace

TEST_SUITE("data/csv allocation") {
  TEST_CASE("no heap allocation per row: plain, quoted and blank-padded fields") {
    CsvReadOptions options;
    CHECK(allocations_after_first_batch(rows(20'000, 60), options) == 0);
  }

  TEST_CASE("no heap allocation per row while resampling 10-second bars into minutes") {
    CsvReadOptions options;
    options.resample_to_minute = true;
    CHECK(allocations_after_first_batch(rows(20'000, 10), options) == 0);
  }
}
