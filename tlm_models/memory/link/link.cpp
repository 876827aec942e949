#include "memory/link/link.h"

#include <algorithm>
#include <cmath>

namespace decodesim::memory {

const config::Schema<LinkConfig>& LinkConfig::schema() {
  using C = LinkConfig;
  static const config::Schema<C> s =
      config::Schema<C>("chip-to-chip links")
          .num("bandwidth_gbytes_per_s", &C::bandwidth_gbytes_per_s, "GB/s", 50.0, 0.001, 100000.0,
               "one-way bandwidth of one link")
          .num("latency_ns", &C::latency_ns, "ns", 1000.0, 0.0, 1e7, "fixed cost of one message")
          .num("per_hop_ns", &C::per_hop_ns, "ns", 100.0, 0.0, 1e7, "cost of each hop traversed")
          .num("links_per_chip", &C::links_per_chip, "count", 4u, 1u, 64u, "links leaving one chip")
          .num("pj_per_bit", &C::pj_per_bit, "pJ/bit", 5.0, 0.0, 1000.0, "link energy per bit");
  return s;
}

void LinkConfig::validate(const config::Node*, const std::string&) const {}

LinkConfig LinkConfig::from(const config::Node& root, const std::string& key) {
  LinkConfig c;
  schema().read(root.find(key), key, c);
  return c;
}

Picos LinkConfig::serialization(Bytes bytes) const {
  // bytes / (GB/s) = ns; ×1000 for ps; round up so a message is never shortened.
  return static_cast<Picos>(std::ceil(static_cast<double>(bytes) * 1000.0 / bandwidth_gbytes_per_s - 1e-9));
}

Link::Link(std::string name, const LinkConfig& cfg)
    : m_cfg(cfg), m_latency(ns_to_picos(cfg.latency_ns)), m_per_hop(ns_to_picos(cfg.per_hop_ns)),
      m_stats(std::move(name)) {}

Picos Link::transfer(Bytes bytes, Picos start, std::uint32_t hops) {
  const Picos s = std::max(start, m_free);
  const Picos ser = m_cfg.serialization(bytes);
  m_free = s + ser;
  m_busy += ser;
  if (m_trace) m_trace->slice(m_track, "send", s, m_free);
  m_bytes += bytes;
  ++m_messages;
  return m_free + m_latency + static_cast<Picos>(hops) * m_per_hop;
}

void Link::set_trace(TraceWriter* trace, int chip, const std::string& track_name) {
  m_trace = trace;
  m_track = trace ? trace->track(chip, track_name) : -1;
}

const StatGroup& Link::stats() const {
  m_stats.set("bytes", double(m_bytes), "B", "bytes sent on this link");
  m_stats.set("messages", double(m_messages), "count", "messages sent");
  m_stats.set("busy", double(m_busy), "ps", "serialisation time");
  m_stats.set("energy", energy_pj(), "pJ", "bytes × 8 × pj_per_bit");
  return m_stats;
}

}  // namespace decodesim::memory
