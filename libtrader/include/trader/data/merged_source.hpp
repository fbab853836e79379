#pragma once
// Several symbols' bars as one stream in (timestamp, symbol) order: the one merge that every
// multi-symbol source uses (the store's reader, synthetic bars, anything a driver puts together).
// Each input delivers one symbol's bars (or several symbols already merged) in increasing time;
// the merge works a UTC day at a time with a stable counting sort by minute, so its cost per bar
// does not grow with the number of symbols, and its memory is one day of bars per input.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <trader/data/bar_record.hpp>
#include <trader/data/bar_source.hpp>

namespace trader::data {

[[nodiscard]] constexpr Timestamp time_of(const Bar& bar) noexcept { return bar.ts; }
[[nodiscard]] constexpr Timestamp time_of(const BarRecord& record) noexcept {
  return record.bar.ts;
}

// Merges inputs of T (Bar or BarRecord) a UTC day at a time.
template <class T>
class DayMerger {
 public:
  // Fills the span from the front and returns how many it wrote; fewer than asked is fine, 0
  // means the input is done.
  using Input = std::function<std::size_t(std::span<T>)>;
  // A time at or before the input's next item, without taking it; nullopt when it has none.
  using NextTime = std::function<std::optional<Timestamp>()>;
  // An input that can tell when its next item is (the store knows the next session's date):
  // the merge then buffers a day of it without reading into the next day to find the day's
  // end, so what it buffered never has to move to make room.
  struct PeekingInput {
    Input read;
    NextTime next_time;
  };

  // Ties (the same timestamp in two inputs) go to the input given first, so inputs come in
  // SymbolId order.
  explicit DayMerger(std::vector<Input> inputs);
  explicit DayMerger(std::vector<PeekingInput> inputs);

  // The next day's items of every input, in (timestamp, input) order; false when all inputs are
  // done. A day with timestamps off the whole minute is still ordered (a stable sort).
  [[nodiscard]] bool next(std::vector<T>& out);
  // The same order as a stream across days: fills `out` from the front and returns how many it
  // wrote, 0 when all inputs are done. Whole-minute days go from the inputs' buffers straight
  // into `out`, a minute at a time.
  [[nodiscard]] std::size_t read(std::span<T> out);

  [[nodiscard]] std::size_t inputs() const noexcept { return cursors_.size(); }

 private:
  struct Cursor {
    Input input;
    NextTime next_time;  // empty: the input cannot tell
    std::vector<T> buffer;
    std::size_t position = 0;
    std::size_t size = 0;
    std::size_t day_end = 0;  // the first buffered item of a later day
    bool done = false;
  };
  bool pull(Cursor& cursor);
  void fill_through(Cursor& cursor, Timestamp end);
  // Buffers the next day of every input and plans its order; false when all inputs are done.
  bool start_day();
  // Items of the day in progress, in order, as many as fit.
  std::size_t take(std::span<T> out);

  std::vector<Cursor> cursors_;
  std::vector<std::uint32_t> counts_;  // items per minute of the day in progress
  // The day in progress: given out a minute at a time, each minute input by input (`cursor_`
  // is the input whose items of the minute come next), or from `sorted_` when the day needed
  // sorting.
  std::size_t remaining_ = 0;  // its items not given out yet
  std::size_t left_ = 0;       // of those, in the current minute
  std::size_t next_minute_ = 0;
  std::size_t cursor_ = 0;
  Timestamp day_start_{};
  Timestamp minute_end_{};
  bool use_sorted_ = false;
  std::vector<T> sorted_;
  std::size_t sorted_position_ = 0;
};

extern template class DayMerger<Bar>;
extern template class DayMerger<BarRecord>;

// A BarSource over several BarSources (one per symbol, in SymbolId order).
class MergedBarSource final : public BarSource {
 public:
  explicit MergedBarSource(std::vector<std::unique_ptr<BarSource>> sources);
  // The same over pull functions, or pull functions that can tell their next item's time (the
  // store's cursors).
  explicit MergedBarSource(std::vector<DayMerger<Bar>::Input> inputs);
  explicit MergedBarSource(std::vector<DayMerger<Bar>::PeekingInput> inputs);

  [[nodiscard]] std::size_t read(std::span<Bar> out) override;

 private:
  std::vector<std::unique_ptr<BarSource>> owned_;
  DayMerger<Bar>::Input single_;  // one input: read straight through, nothing to merge
  DayMerger<Bar> merger_;
};

}  // namespace trader::data
