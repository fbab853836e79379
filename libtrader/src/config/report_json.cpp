#include <trader/config/report_json.hpp>

#include <boost/json.hpp>

#include "core/json_write.hpp"

namespace trader::config {

std::string configuration_json(const LoadResult& result, std::string_view dotenv_path) {
  boost::json::array settings;
  for (const KeyReport& key : result.keys) {
    settings.push_back(boost::json::object{{"variable", key.variable},
                                           {"group", key.group},
                                           {"value", key.shown_value},
                                           {"source", to_string(key.source)},
                                           {"allowed", key.allowed},
                                           {"secret", key.secret}});
  }
  const bool paper = result.settings.broker.paper;
  boost::json::object out{{"mode", paper ? "paper" : "live"}, {"paper", paper}};
  out["dotenv"] = dotenv_path.empty() ? boost::json::value(nullptr)
                                      : boost::json::value(boost::json::string(dotenv_path));
  out["settings"] = std::move(settings);
  return core::detail::to_json(out, core::detail::JsonLayout::records);
}

std::string errors_json(const LoadResult& result) {
  boost::json::array errors;
  for (const ConfigError& e : result.errors) {
    boost::json::object error{{"variable", e.variable()}};
    error["value"] = e.value_shown() ? boost::json::value(boost::json::string(e.shown_value()))
                                     : boost::json::value(nullptr);
    error["problem"] = e.problem();
    errors.push_back(std::move(error));
  }
  return core::detail::to_json(boost::json::object{{"errors", std::move(errors)}},
                               core::detail::JsonLayout::records);
}

}  // namespace trader::config
