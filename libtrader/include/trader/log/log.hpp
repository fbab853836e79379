#pragma once
// Structured logging: an event name plus key=value fields, one line per record on stderr, UTC
// timestamps, `console` (key=value) or `json` (one object per line). Boost.Log does the work
// behind this header so that includers pay nothing for it. Logging is off until a tool's main
// calls init(); the library never configures the (process-global) Boost.Log core by itself.
// Secrets never go into fields: pass Secret::masked() if a key must be mentioned at all.

#include <initializer_list>
#include <string>
#include <string_view>

#include <trader/config/settings.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::log {

using Level = config::LogLevel;

struct Field {
  std::string_view key;
  std::string value;
};

// Configures the sink: level threshold and format. Call once, from main.
void init(const config::LogSettings& settings);

[[nodiscard]] bool enabled(Level level) noexcept;

// Where each record's time comes from: the system clock, unless a program runs on a clock of
// its own (trader-run's simulated clock: its log then reads in simulated time). `now` is called
// from every thread that logs; nullptr restores the system clock.
using TimeSource = core::Timestamp (*)();
void set_time_source(TimeSource now) noexcept;

void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::debug)) write(Level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::info)) write(Level::info, event, fields);
}
inline void warning(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::warning)) write(Level::warning, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::error)) write(Level::error, event, fields);
}
inline void critical(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::critical)) write(Level::critical, event, fields);
}

// The text of one record, without the sink (exposed for tests).
[[nodiscard]] std::string format_record(config::LogFormat format, std::string_view timestamp,
                                        Level level, std::string_view event,
                                        std::initializer_list<Field> fields);

}  // namespace trader::log
