// Perfetto / Chrome trace-event JSON. One process per chip, one thread (track) per unit:
// DMA, HBM pseudo-channels (as counters), MXU/MXM/SM, vector unit, links.
// Events are buffered and written once at the end (atomically, by the caller).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/units.h"

namespace decodesim {

class TraceWriter {
 public:
  /// Registers a track; returns its id for the add_* calls.
  int track(int chip, const std::string& unit_name);
  /// A slice [start, end) on a track.
  void slice(int track, const std::string& name, Picos start, Picos end);
  /// A counter sample (e.g. bytes in flight, bandwidth) at time t.
  void counter(int chip, const std::string& name, Picos t, double value);
  bool enabled() const { return m_enabled; }
  void enable(bool on) { m_enabled = on; }
  std::size_t size() const { return m_events.size(); }
  std::string to_json() const;

 private:
  struct Track { int chip; std::string name; };
  struct Event { char ph; int track_or_chip; std::string name; Picos ts; Picos dur; double value; };
  bool m_enabled = false;
  std::vector<Track> m_tracks;
  std::vector<Event> m_events;
};

}  // namespace decodesim
