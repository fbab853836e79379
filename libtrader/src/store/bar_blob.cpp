#include "store/bar_blob.hpp"

#include <trader/store/database.hpp>

namespace trader::store::detail {

BlobView view_blob(const void* data, std::size_t size, const std::string& where) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (size < kBlobHeader || bytes[0] != 'T' || bytes[1] != 'B') {
    throw DatabaseCorruptError("corrupt bar data for " + where + ": bad header");
  }
  if (bytes[2] != kBlobFormat) {
    throw StoreError("bar data for " + where + " has format " + std::to_string(bytes[2]) +
                     ", this program reads format " + std::to_string(kBlobFormat));
  }
  BlobView view;
  view.data = bytes;
  view.flags = bytes[3];
  std::memcpy(&view.count, bytes + 4, sizeof view.count);
  std::size_t expected = kBlobHeader + std::size_t{view.count} * kBlobRecord;
  if (view.flags & kHasVwap) expected += std::size_t{view.count} * 8;
  if (view.flags & kHasTradeCount) expected += std::size_t{view.count} * 8;
  if (size != expected) {
    throw DatabaseCorruptError("corrupt bar data for " + where + ": wrong size");
  }
  return view;
}

void encode_blob(std::span<const data::BarRecord> records, std::string& out) {
  std::uint8_t flags = 0;
  for (const auto& r : records) {
    if (r.has_vwap()) flags |= kHasVwap;
    if (r.has_trade_count()) flags |= kHasTradeCount;
  }
  const auto count = static_cast<std::uint32_t>(records.size());
  std::size_t size = kBlobHeader + records.size() * kBlobRecord;
  if (flags & kHasVwap) size += records.size() * 8;
  if (flags & kHasTradeCount) size += records.size() * 8;
  out.assign(size, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = 'T';
  p[1] = 'B';
  p[2] = kBlobFormat;
  p[3] = flags;
  std::memcpy(p + 4, &count, sizeof count);
  unsigned char* rec = p + kBlobHeader;
  for (const auto& r : records) {
    const std::int64_t v[6] = {core::to_unix_micros(r.bar.ts),
                               r.bar.open.units(),
                               r.bar.high.units(),
                               r.bar.low.units(),
                               r.bar.close.units(),
                               r.bar.volume};
    std::memcpy(rec, v, sizeof v);
    rec += kBlobRecord;
  }
  if (flags & kHasVwap) {
    for (const auto& r : records) {
      const std::int64_t v = r.vwap.units();
      std::memcpy(rec, &v, 8);
      rec += 8;
    }
  }
  if (flags & kHasTradeCount) {
    for (const auto& r : records) {
      std::memcpy(rec, &r.trade_count, 8);
      rec += 8;
    }
  }
}

void decode_records(const BlobView& view, data::SymbolId symbol, data::BarRecord* out) noexcept {
  for (std::uint32_t i = 0; i < view.count; ++i) {
    decode_bars(BlobView{view.data + std::size_t{i} * kBlobRecord, 1, view.flags}, symbol,
                &out[i].bar);
    out[i].vwap = core::Decimal{};
    out[i].trade_count = -1;
  }
  const unsigned char* extra = view.data + kBlobHeader + std::size_t{view.count} * kBlobRecord;
  if (view.flags & kHasVwap) {
    for (std::uint32_t i = 0; i < view.count; ++i, extra += 8) {
      std::int64_t v = 0;
      std::memcpy(&v, extra, 8);
      out[i].vwap = core::Decimal::from_units(v);
    }
  }
  if (view.flags & kHasTradeCount) {
    for (std::uint32_t i = 0; i < view.count; ++i, extra += 8) {
      std::memcpy(&out[i].trade_count, extra, 8);
    }
  }
}

}  // namespace trader::store::detail
