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
constexpr std::size_t kFirstBuffer = 4096;  // several sessions of one symbol
// At most this many items per read of an input (a session of one symbol fits): the merge reads
// little ahead of the day it orders, so what it decoded is still in the cache when it sorts.
constexpr std::size_t kPullChunk = 512;

}  // namespace

template <class T>
DayMerger<T>::DayMerger(std::vector<Input> inputs) {
  cursors_.reserve(inputs.size());
  for (auto& input : inputs) {
    Cursor cursor;
    cursor.input = std::move(input);
    cursors_.push_back(std::move(cursor));
  }
}

// Reads more of the input behind what is buffered; false when it gave nothing more.
template <class T>
bool DayMerger<T>::pull(Cursor& c) {
  if (c.done) return false;
  if (c.buffer.empty()) c.buffer.resize(kFirstBuffer);
  // What is left moves to the front only when the space behind it runs short, so most items
  // are never moved (the merge always holds the next day's first items too).
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

// Buffers every item before `end` (and at least one after it, unless the input is done).
template <class T>
void DayMerger<T>::fill_through(Cursor& c, Timestamp end) {
  while ((c.position == c.size || time_of(c.buffer[c.size - 1]) < end) && pull(c)) {
  }
}

template <class T>
bool DayMerger<T>::next(std::vector<T>& out) {
  auto first = Timestamp::max();
  for (Cursor& c : cursors_) {
    if (c.position == c.size) static_cast<void>(pull(c));
    if (c.position < c.size) first = std::min(first, time_of(c.buffer[c.position]));
  }
  if (first == Timestamp::max()) return false;
  const Timestamp day_start = std::chrono::floor<std::chrono::days>(first);
  const Timestamp day_end = day_start + std::chrono::days{1};

  // Each input's items of the day, counted by minute on the way (a stable counting sort: inputs
  // one after the other, each increasing in time, so a minute's items come out in input order).
  counts_.assign(kMinutesPerDay + 1, 0);
  bool aligned = true;
  std::size_t total = 0;
  for (Cursor& c : cursors_) {
    fill_through(c, day_end);
    std::size_t i = c.position;
    for (; i < c.size; ++i) {
      const Timestamp ts = time_of(c.buffer[i]);
      if (ts >= day_end) break;
      const std::int64_t offset = (ts - day_start).count();
      if (offset < 0) {
        throw Error("bars out of order: " + core::format_timestamp(ts) + " after " +
                    core::format_timestamp(first) + " in the same input");
      }
      aligned = aligned && offset % kMinute == 0;
      ++counts_[static_cast<std::size_t>(offset / kMinute) + 1];
    }
    c.day_end = i;
    total += i - c.position;
  }
  out.resize(total);
  if (cursors_.size() == 1) {
    Cursor& c = cursors_.front();
    std::copy(c.buffer.begin() + static_cast<std::ptrdiff_t>(c.position),
              c.buffer.begin() + static_cast<std::ptrdiff_t>(c.day_end), out.begin());
    c.position = c.day_end;
    return true;
  }
  for (std::size_t m = 1; m < counts_.size(); ++m) counts_[m] += counts_[m - 1];
  for (Cursor& c : cursors_) {
    for (std::size_t i = c.position; i < c.day_end; ++i) {
      const std::int64_t offset = (time_of(c.buffer[i]) - day_start).count();
      out[counts_[static_cast<std::size_t>(offset / kMinute)]++] = c.buffer[i];
    }
    c.position = c.day_end;
  }
  if (!aligned) {
    std::stable_sort(out.begin(), out.end(),
                     [](const T& a, const T& b) { return time_of(a) < time_of(b); });
  }
  return true;
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

std::vector<DayMerger<Bar>::Input> unless_single(std::vector<DayMerger<Bar>::Input> inputs) {
  if (inputs.size() == 1) inputs.clear();
  return inputs;
}

}  // namespace

MergedBarSource::MergedBarSource(std::vector<std::unique_ptr<BarSource>> sources)
    : MergedBarSource(inputs_of(sources)) {
  owned_ = std::move(sources);
}

MergedBarSource::MergedBarSource(std::vector<DayMerger<Bar>::Input> inputs)
    : single_(inputs.size() == 1 ? std::move(inputs.front()) : DayMerger<Bar>::Input{}),
      merger_(unless_single(std::move(inputs))) {}

std::size_t MergedBarSource::read(std::span<Bar> out) {
  if (single_) return single_(out);
  std::size_t written = 0;
  while (written < out.size()) {
    if (position_ == day_.size()) {
      position_ = 0;
      if (!merger_.next(day_)) {
        day_.clear();
        break;
      }
      continue;
    }
    const std::size_t n = std::min(out.size() - written, day_.size() - position_);
    std::copy_n(day_.begin() + static_cast<std::ptrdiff_t>(position_), n,
                out.begin() + static_cast<std::ptrdiff_t>(written));
    position_ += n;
    written += n;
  }
  return written;
}

}  // namespace trader::data
