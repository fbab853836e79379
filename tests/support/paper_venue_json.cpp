#include "support/paper_venue_json.hpp"

#include <fmt/core.h>

#include <chrono>

#include <trader/calendar/new_york.hpp>
#include <trader/core/json_text.hpp>

namespace trader::testing::venue {

JsonObject& JsonObject::key(std::string_view name) {
  if (text_.size() > 1) text_ += ',';
  core::append_json_string(text_, name);
  text_ += ':';
  return *this;
}

JsonObject& JsonObject::string(std::string_view key_name, std::string_view value) {
  key(key_name);
  core::append_json_string(text_, value);
  return *this;
}

JsonObject& JsonObject::string_or_null(std::string_view key_name,
                                       const std::optional<std::string>& value) {
  if (!value) return null(key_name);
  return string(key_name, *value);
}

JsonObject& JsonObject::decimal(std::string_view key_name, core::Decimal value) {
  return string(key_name, value.to_string());
}

JsonObject& JsonObject::decimal_or_null(std::string_view key_name,
                                        std::optional<core::Decimal> value) {
  if (!value) return null(key_name);
  return decimal(key_name, *value);
}

JsonObject& JsonObject::number(std::string_view key_name, core::Decimal value) {
  key(key_name);
  text_ += value.to_string();
  return *this;
}

JsonObject& JsonObject::integer(std::string_view key_name, long long value) {
  key(key_name);
  text_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::boolean(std::string_view key_name, bool value) {
  key(key_name);
  text_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::null(std::string_view key_name) {
  key(key_name);
  text_ += "null";
  return *this;
}

JsonObject& JsonObject::time(std::string_view key_name, std::optional<core::Timestamp> value) {
  if (!value) return null(key_name);
  return string(key_name, rfc3339(*value));
}

JsonObject& JsonObject::raw(std::string_view key_name, std::string_view json) {
  key(key_name);
  text_ += json;
  return *this;
}

std::string rfc3339(core::Timestamp ts) { return core::format_timestamp_micros(ts); }

std::string new_york_rfc3339(core::Timestamp ts, bool fraction) {
  using namespace std::chrono;
  const auto local = calendar::to_new_york(ts);
  const auto day = floor<days>(local);
  const year_month_day date{day};
  const hh_mm_ss<microseconds> clock{local - day};
  const auto offset = calendar::new_york_offset(ts);
  const auto offset_minutes = offset.count() < 0 ? -offset.count() : offset.count();
  std::string text =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  clock.hours().count(), clock.minutes().count(), clock.seconds().count());
  if (fraction) text += fmt::format(".{:06}", clock.subseconds().count());
  text += fmt::format("{}{:02}:{:02}", offset.count() < 0 ? '-' : '+', offset_minutes / 60,
                      offset_minutes % 60);
  return text;
}

std::string error_body(long long code, std::string_view message) {
  return JsonObject{}.integer("code", code).string("message", message).str();
}

}  // namespace trader::testing::venue
