// One directed chip-to-chip link (ICI, NVLink, Groq C2C) as a timeline.
//
// A message of B bytes starting at t:
//   s    = max(t, free)                       (the link serialises messages)
//   free = s + B / bandwidth                  (serialisation, rounded up to ps)
//   done = free + latency + hops × per_hop    (arrival of the last byte at the far end)
#pragma once

#include <cstdint>
#include <string>

#include "common/base/stats.h"
#include "common/base/trace.h"
#include "common/base/units.h"
#include "common/config/schema.h"

namespace decodesim::memory {

/// The `link:` config section.
struct LinkConfig {
  double bandwidth_gbytes_per_s = 0;  ///< one way, per link
  double latency_ns = 0;              ///< fixed end-to-end cost of a message (SerDes, DMA setup)
  double per_hop_ns = 0;              ///< added per hop traversed
  std::uint32_t links_per_chip = 0;
  double pj_per_bit = 0;

  static const config::Schema<LinkConfig>& schema();
  void validate(const config::Node* section, const std::string& path) const;
  static LinkConfig from(const config::Node& root, const std::string& key = "link");
  /// Serialisation time of `bytes` on one link, rounded up to a whole ps.
  Picos serialization(Bytes bytes) const;
};

class Link {
 public:
  Link(std::string name, const LinkConfig& cfg);

  /// Sends `bytes` starting at `start` over `hops` hops; returns arrival of the last byte.
  Picos transfer(Bytes bytes, Picos start, std::uint32_t hops = 1);

  const LinkConfig& config() const { return m_cfg; }
  Bytes bytes() const { return m_bytes; }
  std::uint64_t messages() const { return m_messages; }
  double energy_pj() const { return static_cast<double>(m_bytes) * 8.0 * m_cfg.pj_per_bit; }
  const StatGroup& stats() const;
  /// Every transfer becomes a slice (its serialisation on this link) on track `track_name` of
  /// chip `chip` in `trace`, so timelines show link activity next to the kernels.
  void set_trace(TraceWriter* trace, int chip, const std::string& track_name);

 private:
  LinkConfig m_cfg;
  TraceWriter* m_trace = nullptr;
  int m_track = -1;
  Picos m_latency, m_per_hop;
  Picos m_free = 0, m_busy = 0;
  Bytes m_bytes = 0;
  std::uint64_t m_messages = 0;
  mutable StatGroup m_stats;
};

}  // namespace decodesim::memory
