#pragma once
// Identifiers: of records (time-ordered UUIDs) and of traces (W3C trace context).

#include <string>
#include <string_view>

namespace shopd {

// A time-ordered UUID (RFC 9562 version 7): ids sort by creation time, which keeps SQLite's
// B-tree inserts at the right-hand edge.
std::string new_uuid_v7();

// W3C trace context: a new trace, or a child span within an existing one.
std::string new_traceparent();
std::string child_traceparent(std::string_view parent);
bool is_valid_traceparent(std::string_view traceparent);

// Whether `text` holds only ASCII letters, digits, '.', '_' and '-' (true when empty): what
// names and ids given from outside may hold.
bool is_identifier(std::string_view text);

}  // namespace shopd
