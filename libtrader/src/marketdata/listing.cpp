#include <trader/marketdata/listing.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/json_write.hpp"

namespace trader::marketdata {

std::string summary_json(const std::vector<store::SymbolSummary>& summary) {
  boost::json::array out;
  for (const auto& s : summary) {
    boost::json::array sources;
    for (const auto& source : s.sources) sources.emplace_back(source);
    out.emplace_back(boost::json::object{{"symbol", s.symbol},
                                         {"first", core::format_timestamp(s.first)},
                                         {"last", core::format_timestamp(s.last)},
                                         {"bars", s.bars},
                                         {"sessions", s.sessions},
                                         {"missing_minutes", s.missing_minutes},
                                         {"sources", std::move(sources)}});
  }
  return core::detail::to_json(out, core::detail::JsonLayout::records);
}

std::string sessions_json(const std::vector<calendar::Session>& sessions) {
  boost::json::array out;
  for (const auto& s : sessions) {
    out.emplace_back(boost::json::object{{"date", core::format_date(s.date)},
                                         {"open_utc", core::format_timestamp(s.open)},
                                         {"close_utc", core::format_timestamp(s.close)},
                                         {"open_new_york", "09:30"},
                                         {"close_new_york", s.early_close ? "13:00" : "16:00"},
                                         {"early_close", s.early_close}});
  }
  return core::detail::to_json(out, core::detail::JsonLayout::records);
}

}  // namespace trader::marketdata
