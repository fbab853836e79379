#pragma once
// The packed form of one session of one symbol's bars (a bar_day BLOB). Little-endian:
//   header (16 bytes): 'T' 'B', format (1), flags (bit 0: vwap, bit 1: trade count), count (u32),
//                      8 reserved bytes (zero)
//   count x 48-byte records: ts (i64 unix microseconds), open, high, low, close (i64 Decimal
//                      units), volume (i64)
//   if flags bit 0: count x i64 vwap units; if flags bit 1: count x i64 trade counts
// The engine's read path decodes only the records; exports read the optional columns too.

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include <trader/data/bar_record.hpp>

namespace trader::store::detail {

static_assert(std::endian::native == std::endian::little, "the bar BLOB format is little-endian");

inline constexpr std::uint8_t kBlobFormat = 1;
inline constexpr std::size_t kBlobHeader = 16;
inline constexpr std::size_t kBlobRecord = 48;
inline constexpr std::uint8_t kHasVwap = 1;
inline constexpr std::uint8_t kHasTradeCount = 2;

struct BlobView {
  const unsigned char* data = nullptr;
  std::uint32_t count = 0;
  std::uint8_t flags = 0;
};

// Throws StoreError naming `where` when the bytes are not a valid blob.
[[nodiscard]] BlobView view_blob(const void* data, std::size_t size, const std::string& where);
void encode_blob(std::span<const data::BarRecord> records, std::string& out);

// Decodes `view` into out[0 .. count), stamping every bar with `symbol`.
inline void decode_bars(const BlobView& view, data::SymbolId symbol, data::Bar* out) noexcept {
  const unsigned char* p = view.data + kBlobHeader;
  for (std::uint32_t i = 0; i < view.count; ++i, p += kBlobRecord) {
    std::int64_t v[6];
    std::memcpy(v, p, sizeof v);
    data::Bar& bar = out[i];
    bar.ts = core::from_unix_micros(v[0]);
    bar.open = core::Decimal::from_units(v[1]);
    bar.high = core::Decimal::from_units(v[2]);
    bar.low = core::Decimal::from_units(v[3]);
    bar.close = core::Decimal::from_units(v[4]);
    bar.volume = v[5];
    bar.symbol = symbol;
  }
}

void decode_records(const BlobView& view, data::SymbolId symbol, data::BarRecord* out) noexcept;

}  // namespace trader::store::detail
