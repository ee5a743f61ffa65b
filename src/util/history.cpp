#include <boost/json.hpp>

#include <shopd/statements.hpp>

namespace shopd::store {

std::string history_line(const boost::json::object& entry) {
    return boost::json::serialize(entry) + '\n';
}

boost::json::array history_entries(std::string_view lines) {
    boost::json::array entries;
    for (std::size_t at = 0, end; (end = lines.find('\n', at)) != std::string_view::npos;
         at = end + 1) {
        entries.push_back(boost::json::parse(lines.substr(at, end - at)));
    }
    return entries;
}

}  // namespace shopd::store
