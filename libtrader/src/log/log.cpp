#include <trader/log/log.hpp>

#include <atomic>
#include <chrono>
#include <iostream>

#include <boost/core/null_deleter.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/logger.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/shared_ptr.hpp>
#include <boost/make_shared.hpp>

#include <trader/core/json_text.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::log {
namespace {

using core::append_json_string;

// Process-wide by nature (Boost.Log's core is global): the threshold and the chosen format.
// "Off" until init() so that a library user who never configures logging gets silence.
constexpr int kOff = 99;
std::atomic<int> g_threshold{kOff};
std::atomic<config::LogFormat> g_format{config::LogFormat::console};

std::string_view lower_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
    case Level::critical:
      return "critical";
  }
  return "info";
}

// A console value is quoted only when it would otherwise be ambiguous.
void append_console_value(std::string& out, std::string_view value) {
  const bool plain = !value.empty() && value.find_first_of(" \"=\t\n") == std::string_view::npos;
  if (plain) {
    out += value;
  } else {
    append_json_string(out, value);
  }
}

}  // namespace

std::string format_record(config::LogFormat format, std::string_view timestamp, Level level,
                          std::string_view event, std::initializer_list<Field> fields) {
  std::string out;
  if (format == config::LogFormat::json) {
    out += "{\"timestamp\":";
    append_json_string(out, timestamp);
    out += ",\"level\":";
    append_json_string(out, lower_name(level));
    out += ",\"event\":";
    append_json_string(out, event);
    for (const Field& field : fields) {
      out += ',';
      append_json_string(out, field.key);
      out += ':';
      append_json_string(out, field.value);
    }
    out += '}';
    return out;
  }
  out += timestamp;
  out += ' ';
  std::string name(config::to_string(level));
  name.resize(8, ' ');
  out += name;
  out += event;
  for (const Field& field : fields) {
    out += ' ';
    out += field.key;
    out += '=';
    append_console_value(out, field.value);
  }
  return out;
}

void init(const config::LogSettings& settings) {
  namespace sinks = boost::log::sinks;
  auto core = boost::log::core::get();
  core->remove_all_sinks();
  auto backend = boost::make_shared<sinks::text_ostream_backend>();
  backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter()));
  backend->auto_flush(true);  // unbuffered: records show up at once in `docker compose logs`
  auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_ostream_backend>>(backend);
  sink->set_formatter(boost::log::expressions::stream << boost::log::expressions::smessage);
  core->add_sink(sink);
  g_format.store(settings.format);
  g_threshold.store(static_cast<int>(settings.level));
}

bool enabled(Level level) noexcept { return static_cast<int>(level) >= g_threshold.load(); }

namespace {
std::atomic<TimeSource> g_time_source{nullptr};
}  // namespace

void set_time_source(TimeSource now) noexcept { g_time_source.store(now); }

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  const TimeSource source = g_time_source.load();
  const auto now =
      source != nullptr
          ? source()
          : std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now());
  const std::string line =
      format_record(g_format.load(), core::format_timestamp_micros(now), level, event, fields);
  boost::log::sources::logger logger;
  BOOST_LOG(logger) << line;
}

}  // namespace trader::log
