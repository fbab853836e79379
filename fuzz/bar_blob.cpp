// Fuzz target: the bar_day BLOB decoder of the bar store (libtrader/src/store/bar_blob.hpp).
// Normal outcomes: a view, or StoreError (bad header, other format, wrong size). The checksum,
// the view and both decoders must stay inside the bytes given (ASan checks); what was decoded,
// encoded again, must decode to the same records.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <trader/store/database.hpp>

#include "fuzz.hpp"
#include "store/bar_blob.hpp"

namespace {

namespace blob = trader::store::detail;
using trader::data::Bar;
using trader::data::BarRecord;
using trader::data::SymbolId;
using trader::fuzz::expect;

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A copy of exactly `size` bytes: ASan then sees any read past the blob's end.
  const std::vector<std::uint8_t> bytes(data, data + size);
  // The checksum verified on every read reads any bytes, of any length, within them.
  const std::uint64_t checksum = blob::blob_checksum(bytes.data(), bytes.size());
  expect(blob::stored_checksum(bytes.data(), bytes.size()) == static_cast<std::int64_t>(checksum),
         "the stored checksum has other bits than the checksum");
  blob::BlobView view;
  try {
    view = blob::view_blob(bytes.data(), bytes.size(), "FUZZ 2024-03-11");
  } catch (const trader::store::StoreError&) {
    return 0;
  }
  expect(view.count <= size / blob::kBlobRecord, "a view counts more records than fit");
  const SymbolId symbol{3};
  std::vector<Bar> bars(view.count);
  blob::decode_bars(view, symbol, bars.data());
  std::vector<BarRecord> records(view.count);
  blob::decode_records(view, symbol, records.data());
  for (std::size_t i = 0; i < records.size(); ++i) {
    expect(records[i].bar == bars[i], "decode_bars and decode_records disagree");
  }

  // Round trip. The encoder writes the trade-count column only when some record has a count
  // (>= 0); without it every record reads back as -1 ("none").
  const bool any_count = std::any_of(records.begin(), records.end(),
                                     [](const BarRecord& r) { return r.has_trade_count(); });
  std::string encoded;
  blob::encode_blob(records, encoded);
  const blob::BlobView again = blob::view_blob(encoded.data(), encoded.size(), "round trip");
  std::vector<BarRecord> decoded(again.count);
  blob::decode_records(again, symbol, decoded.data());
  expect(decoded.size() == records.size(), "the round trip changed the count");
  for (std::size_t i = 0; i < records.size(); ++i) {
    BarRecord expected = records[i];
    if (!any_count) expected.trade_count = -1;
    expect(decoded[i] == expected, "the round trip changed a record");
  }
  return 0;
}
