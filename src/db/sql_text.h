#pragma once
// Small helpers shared by the repositories for reading what SQL returns:
// timestamps as epoch microseconds, and word lists aggregated with
// string_agg(…, ' ') (ids, scope names and event patterns, validated before
// they reach storage, never contain spaces). Lists go the other way as array
// parameters (db/pg_array.h).

#include <sstream>
#include <string>
#include <vector>

// SQL expression: a timestamptz column as bigint microseconds since the epoch.
#define HG_MICROS(col) "(extract(epoch FROM " col ") * 1000000)::bigint"

// SQL expression: the payload of the event of delivery row `d`, read by a
// subquery per row so that each reads the one partition of events its
// (event_id, event_created_at) names; a join let the planner scan them all.
#define HG_EVENT_PAYLOAD(d)                                                                              \
  "(SELECT ev.payload FROM events ev WHERE ev.id = " d ".event_id AND ev.created_at = " d ".event_created_at)"

namespace hookgate::db {

template <typename Set>
Set split_words(const std::string& text) {
  Set out;
  std::istringstream stream(text);
  std::string word;
  while (stream >> word) out.insert(out.end(), word);
  return out;
}

}  // namespace hookgate::db
