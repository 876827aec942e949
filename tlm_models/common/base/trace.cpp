#include "common/base/trace.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace decodesim {

int TraceWriter::track(int chip, const std::string& unit_name) {
  for (std::size_t i = 0; i < m_tracks.size(); ++i)
    if (m_tracks[i].chip == chip && m_tracks[i].name == unit_name) return static_cast<int>(i);
  m_tracks.push_back({chip, unit_name});
  return static_cast<int>(m_tracks.size() - 1);
}

void TraceWriter::slice(int track, const std::string& name, Picos start, Picos end) {
  if (!m_enabled) return;
  m_events.push_back({'X', track, name, start, end > start ? end - start : 0, 0});
}

void TraceWriter::counter(int chip, const std::string& name, Picos t, double value) {
  if (!m_enabled) return;
  m_events.push_back({'C', chip, name, t, 0, value});
}

std::string TraceWriter::to_json() const {
  // Trace-event timestamps are microseconds; picoseconds keep full precision as fractions.
  nlohmann::json events = nlohmann::json::array();
  for (std::size_t i = 0; i < m_tracks.size(); ++i) {
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", m_tracks[i].chip},
                      {"tid", static_cast<int>(i)}, {"args", {{"name", m_tracks[i].name}}}});
  }
  std::vector<int> chips;
  for (const auto& t : m_tracks)
    if (std::find(chips.begin(), chips.end(), t.chip) == chips.end()) chips.push_back(t.chip);
  for (int c : chips)
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", c},
                      {"args", {{"name", "chip " + std::to_string(c)}}}});
  for (const auto& e : m_events) {
    if (e.ph == 'X') {
      events.push_back({{"ph", "X"}, {"name", e.name}, {"pid", m_tracks[e.track_or_chip].chip},
                        {"tid", e.track_or_chip}, {"ts", e.ts / 1e6}, {"dur", e.dur / 1e6}});
    } else {
      events.push_back({{"ph", "C"}, {"name", e.name}, {"pid", e.track_or_chip}, {"ts", e.ts / 1e6},
                        {"args", {{"value", e.value}}}});
    }
  }
  nlohmann::json root = {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
  return root.dump();
}

}  // namespace decodesim
