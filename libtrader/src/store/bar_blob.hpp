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

// A 64-bit checksum of a blob's bytes, stored beside it (bar_day.checksum) and verified on
// every read, so damage that leaves the header intact (prices like -9409, years like 16713) is
// found instead of traded on. Four independent multiply-rotate lanes over 8-byte words keep it
// at a few cycles per bar; a final avalanche spreads every input bit over the result. Not a
// cryptographic hash: it detects accidents, not forgery.
[[nodiscard]] inline std::uint64_t blob_checksum(const void* data, std::size_t size) noexcept {
  constexpr std::uint64_t kA = 0x9E3779B185EBCA87ULL;
  constexpr std::uint64_t kB = 0xC2B2AE3D27D4EB4FULL;
  const auto* p = static_cast<const unsigned char*>(data);
  const auto word = [](const unsigned char* at) {
    std::uint64_t w = 0;
    std::memcpy(&w, at, sizeof w);
    return w;
  };
  const auto round = [](std::uint64_t lane, std::uint64_t w) {
    return std::rotl(lane + w * kB, 31) * kA;
  };
  std::uint64_t lanes[4] = {kA + kB + size, kB, size, ~kA};
  std::size_t i = 0;
  for (; i + 32 <= size; i += 32) {
    lanes[0] = round(lanes[0], word(p + i));
    lanes[1] = round(lanes[1], word(p + i + 8));
    lanes[2] = round(lanes[2], word(p + i + 16));
    lanes[3] = round(lanes[3], word(p + i + 24));
  }
  std::uint64_t h = std::rotl(lanes[0], 1) + std::rotl(lanes[1], 7) + std::rotl(lanes[2], 12) +
                    std::rotl(lanes[3], 18);
  for (; i + 8 <= size; i += 8) h = std::rotl(h ^ round(0, word(p + i)), 27) * kA + kB;
  for (; i < size; ++i) h = std::rotl(h ^ (p[i] * kA), 11) * kB;
  h ^= h >> 33;
  h *= kB;
  h ^= h >> 29;
  h *= kA;
  h ^= h >> 32;
  return h;
}

// The checksum as SQLite stores it (a signed 64-bit integer with the same bits).
[[nodiscard]] inline std::int64_t stored_checksum(const void* data, std::size_t size) noexcept {
  return std::bit_cast<std::int64_t>(blob_checksum(data, size));
}

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

// The time of a view's first bar (its count must be above 0), without decoding the rest.
[[nodiscard]] inline core::Timestamp first_time(const BlobView& view) noexcept {
  std::int64_t ts = 0;
  std::memcpy(&ts, view.data + kBlobHeader, sizeof ts);
  return core::from_unix_micros(ts);
}

}  // namespace trader::store::detail
