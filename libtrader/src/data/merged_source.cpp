#include <trader/data/merged_source.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include <trader/core/error.hpp>

namespace trader::data {
namespace {

constexpr std::int64_t kMinute =
    std::chrono::duration_cast<core::Microseconds>(std::chrono::minutes{1}).count();
constexpr std::size_t kMinutesPerDay = std::size_t{24} * 60;
// Room for one day of one symbol and, for an input that cannot tell its next time, the start of
// the next (a regular session is 390 minutes); a longer day doubles it. Every input has one, and
// each is zeroed when made: 100 symbols with 4096 items each cost more in page faults and zeroing
// than the whole read of a month.
constexpr std::size_t kFirstBuffer = 1024;
// At most this many items per read of an input (a session of one symbol fits): the merge reads
// little ahead of the day it orders, so what it decoded is still in the cache when it sorts.
constexpr std::size_t kPullChunk = 512;

// Inputs that cannot tell their next item's time, as PeekingInputs without a next_time.
template <class T>
std::vector<typename DayMerger<T>::PeekingInput> untold(
    std::vector<typename DayMerger<T>::Input> inputs) {
  std::vector<typename DayMerger<T>::PeekingInput> out;
  out.reserve(inputs.size());
  for (auto& input : inputs) out.push_back({std::move(input), {}});
  return out;
}

}  // namespace

template <class T>
DayMerger<T>::DayMerger(std::vector<Input> inputs) : DayMerger(untold<T>(std::move(inputs))) {}

template <class T>
DayMerger<T>::DayMerger(std::vector<PeekingInput> inputs) {
  cursors_.reserve(inputs.size());
  for (auto& input : inputs) {
    Cursor cursor;
    cursor.input = std::move(input.read);
    cursor.next_time = std::move(input.next_time);
    cursors_.push_back(std::move(cursor));
  }
}

// Reads more of the input behind what is buffered; false when it gave nothing more.
template <class T>
bool DayMerger<T>::pull(Cursor& c) {
  if (c.done) return false;
  if (c.buffer.empty()) c.buffer.resize(kFirstBuffer);
  if (c.position == c.size) c.position = c.size = 0;  // all given out: start over, nothing moves
  // What is left moves to the front only when the space behind it runs short, so most items
  // are never moved (an input that cannot tell its next time leaves the next day's first items
  // here too).
  if (c.position > 0 && c.buffer.size() - c.size < c.buffer.size() / 4) {
    std::move(c.buffer.begin() + static_cast<std::ptrdiff_t>(c.position),
              c.buffer.begin() + static_cast<std::ptrdiff_t>(c.size), c.buffer.begin());
    c.size -= c.position;
    c.position = 0;
  }
  if (c.size == c.buffer.size()) c.buffer.resize(c.buffer.size() * 2);  // a long day
  const std::size_t room = std::min(kPullChunk, c.buffer.size() - c.size);
  const std::size_t n = c.input(std::span<T>(c.buffer).subspan(c.size, room));
  if (n == 0) {
    c.done = true;
    return false;
  }
  c.size += n;
  return true;
}

// Buffers every item before `end`: an input that can tell its next item's time is read until
// that time is `end` or later; any other until at least one item after `end` is buffered (or
// the input is done).
template <class T>
void DayMerger<T>::fill_through(Cursor& c, Timestamp end) {
  if (c.next_time) {
    for (auto next = c.next_time(); next && *next < end && pull(c); next = c.next_time()) {
    }
    return;
  }
  while ((c.position == c.size || time_of(c.buffer[c.size - 1]) < end) && pull(c)) {
  }
}

template <class T>
bool DayMerger<T>::start_day() {
  auto first = Timestamp::max();
  for (Cursor& c : cursors_) {
    if (c.position == c.size && !c.next_time) static_cast<void>(pull(c));
    if (c.position < c.size) {
      first = std::min(first, time_of(c.buffer[c.position]));
    } else if (c.next_time && !c.done) {  // a done input's word no longer counts
      if (const auto next = c.next_time()) first = std::min(first, *next);
    }
  }
  if (first == Timestamp::max()) return false;
  day_start_ = std::chrono::floor<std::chrono::days>(first);
  const Timestamp day_end = day_start_ + std::chrono::days{1};

  // Each input's items of the day, counted by minute on the way.
  counts_.assign(kMinutesPerDay, 0);
  bool aligned = true;
  bool increasing = true;  // every input in time order (equal times allowed)
  std::size_t total = 0;
  for (Cursor& c : cursors_) {
    fill_through(c, day_end);
    std::size_t i = c.position;
    auto previous = Timestamp::min();
    for (; i < c.size; ++i) {
      const Timestamp ts = time_of(c.buffer[i]);
      if (ts >= day_end) break;
      const std::int64_t offset = (ts - day_start_).count();
      if (offset < 0) {
        throw Error("bars out of order: " + core::format_timestamp(ts) + " after " +
                    core::format_timestamp(first) + " in the same input");
      }
      aligned = aligned && offset % kMinute == 0;
      increasing = increasing && ts >= previous;
      previous = ts;
      ++counts_[static_cast<std::size_t>(offset / kMinute)];
    }
    c.day_end = i;
    total += i - c.position;
  }
  // A next time told early (a bound before the input's real next item) can name a day without
  // items; what was read on the way now starts the next attempt.
  if (total == 0) return start_day();
  remaining_ = total;
  cursor_ = 0;
  use_sorted_ = false;
  if (cursors_.size() == 1) {  // one input: the day as it comes, one "minute"
    left_ = total;
    minute_end_ = day_end;
    return true;
  }
  left_ = 0;
  next_minute_ = 0;
  // Minute by minute, input by input, is the stable counting sort's order when every input is
  // in time order; it walks every input for each minute with items, so a sparse day (few items
  // per input and minute) takes the counting sort below instead. Both give the same order.
  const auto busy_minutes = static_cast<std::size_t>(
      std::count_if(counts_.begin(), counts_.end(), [](std::uint32_t n) { return n > 0; }));
  if (aligned && increasing && busy_minutes * cursors_.size() <= 4 * total) return true;

  // A stable counting sort by minute (inputs one after the other, a minute's items in input
  // order), then a stable sort by time when some time is off the whole minute.
  use_sorted_ = true;
  sorted_position_ = 0;
  sorted_.resize(total);
  std::vector<std::uint32_t>& starts = counts_;
  std::uint32_t sum = 0;
  for (std::uint32_t& n : starts) {
    const std::uint32_t count = n;
    n = sum;
    sum += count;
  }
  for (Cursor& c : cursors_) {
    for (std::size_t i = c.position; i < c.day_end; ++i) {
      const std::int64_t offset = (time_of(c.buffer[i]) - day_start_).count();
      sorted_[starts[static_cast<std::size_t>(offset / kMinute)]++] = c.buffer[i];
    }
    c.position = c.day_end;
  }
  if (!aligned) {
    std::stable_sort(sorted_.begin(), sorted_.end(),
                     [](const T& a, const T& b) { return time_of(a) < time_of(b); });
  }
  return true;
}

template <class T>
std::size_t DayMerger<T>::take(std::span<T> out) {
  const std::size_t want = std::min(out.size(), remaining_);
  if (use_sorted_) {
    std::copy_n(sorted_.begin() + static_cast<std::ptrdiff_t>(sorted_position_), want, out.begin());
    sorted_position_ += want;
    remaining_ -= want;
    return want;
  }
  std::size_t written = 0;
  while (written < want) {
    if (left_ == 0) {  // the next minute with items, from its first input
      while (counts_[next_minute_] == 0) ++next_minute_;
      left_ = counts_[next_minute_];
      ++next_minute_;
      minute_end_ =
          day_start_ + core::Microseconds{static_cast<std::int64_t>(next_minute_) * kMinute};
      cursor_ = 0;
    }
    if (cursor_ == 0 && left_ <= want - written) {
      // The whole minute fits: each input's run of it, one input after the other.
      T* to = out.data() + written;
      T* const end = to + left_;
      for (auto c = cursors_.begin(); to != end; ++c) {
        if (c == cursors_.end()) throw Error("day merge: the inputs changed while merging");
        const T* from = c->buffer.data();
        std::size_t i = c->position;
        const std::size_t stop = c->day_end;
        for (; i < stop && to != end && time_of(from[i]) < minute_end_; ++i) *to++ = from[i];
        c->position = i;
      }
      written += left_;
      left_ = 0;
      continue;
    }
    // Part of a minute: from the input where the last call stopped, as much as fits.
    if (cursor_ == cursors_.size()) throw Error("day merge: the inputs changed while merging");
    Cursor& c = cursors_[cursor_];
    // This input's run of the minute (its items are in time order), as much as fits.
    // (Usually one item: copied one by one, not through memmove.)
    const std::size_t begin = c.position;
    const std::size_t stop = std::min(c.day_end, begin + std::min(want - written, left_));
    const T* from = c.buffer.data();
    T* to = out.data() + written;
    std::size_t i = begin;
    for (; i < stop && time_of(from[i]) < minute_end_; ++i) *to++ = from[i];
    c.position = i;
    written += i - begin;
    left_ -= i - begin;
    if (written == want) break;  // `out` is full: this input may have more of the minute
    ++cursor_;                   // its run of the minute is done (or the minute is)
  }
  remaining_ -= written;
  return written;
}

template <class T>
bool DayMerger<T>::next(std::vector<T>& out) {
  if (!start_day()) return false;
  out.resize(remaining_);
  static_cast<void>(take(out));
  return true;
}

template <class T>
std::size_t DayMerger<T>::read(std::span<T> out) {
  std::size_t written = 0;
  while (written < out.size()) {
    if (remaining_ == 0 && !start_day()) break;
    written += take(out.subspan(written));
  }
  return written;
}

template class DayMerger<Bar>;
template class DayMerger<BarRecord>;

namespace {

std::vector<DayMerger<Bar>::Input> inputs_of(
    const std::vector<std::unique_ptr<BarSource>>& sources) {
  std::vector<DayMerger<Bar>::Input> inputs;
  inputs.reserve(sources.size());
  for (const auto& source : sources) {
    BarSource* s = source.get();
    inputs.emplace_back([s](std::span<Bar> out) { return s->read(out); });
  }
  return inputs;
}

std::vector<DayMerger<Bar>::PeekingInput> unless_single(
    std::vector<DayMerger<Bar>::PeekingInput> inputs) {
  if (inputs.size() == 1) inputs.clear();
  return inputs;
}

}  // namespace

MergedBarSource::MergedBarSource(std::vector<std::unique_ptr<BarSource>> sources)
    : MergedBarSource(inputs_of(sources)) {
  owned_ = std::move(sources);
}

MergedBarSource::MergedBarSource(std::vector<DayMerger<Bar>::Input> inputs)
    : MergedBarSource(untold<Bar>(std::move(inputs))) {}

MergedBarSource::MergedBarSource(std::vector<DayMerger<Bar>::PeekingInput> inputs)
    : single_(inputs.size() == 1 ? std::move(inputs.front().read) : DayMerger<Bar>::Input{}),
      merger_(unless_single(std::move(inputs))) {}

std::size_t MergedBarSource::read(std::span<Bar> out) {
  if (single_) return single_(out);
  return merger_.read(out);
}

}  // namespace trader::data
