#pragma once
// Client order ids (F22): the id we give an order before it reaches the broker, so a retry of
// the same submission carries the same id and can never create a second order. An id is a prefix
// and a sequence number, "<prefix><n>".
//
// - deterministic("bt-"): bt-1, bt-2, ... Backtests and replays use it, so results, reports and
//   stored runs stay comparable run after run.
// - unique_run(): a prefix of its own for each run, so no two engines - one after the other, in
//   one process or in several, after a restart - ever issue the same id: the start time in
//   microseconds (base 36, made strictly increasing within a process) followed by 25 random bits
//   (5 base-36 digits from std::random_device) and a dash, e.g. "m7x2k9q1a3b4zq-17". The time
//   separates runs of one process and of processes started apart; the random part separates
//   processes started in the same microsecond. About 20 characters: well inside the 128 that
//   Alpaca accepts.

#include <cstdint>
#include <string>

#include <trader/core/timestamp.hpp>

namespace trader::orders {

class ClientOrderIds {
 public:
  [[nodiscard]] static ClientOrderIds deterministic(std::string prefix = "bt-");
  [[nodiscard]] static ClientOrderIds unique_run();
  // The same from given parts (tests): `entropy` supplies the random digits.
  [[nodiscard]] static ClientOrderIds unique_run(core::Timestamp start, std::uint64_t entropy);

  // The next id: prefix + (issued() + 1).
  [[nodiscard]] std::string next();
  [[nodiscard]] const std::string& prefix() const noexcept { return prefix_; }
  [[nodiscard]] std::uint64_t issued() const noexcept { return issued_; }

 private:
  explicit ClientOrderIds(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string prefix_;
  std::uint64_t issued_ = 0;
};

}  // namespace trader::orders
