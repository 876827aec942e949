// Two initiators sharing one memory: the decode tile's DMA and the model-switch copy engine both
// reach a socket's HBM. A passthrough in front of the memory target, in LT and AT: forward calls
// go down unchanged, backward calls (AT) go to the initiator that sent the payload. The mux adds
// no time; the memory below serves both in arrival order, so contention comes out of its timelines.
//
// To the tile side the mux is the memory itself (a MemoryTarget forwarding MemoryInfoIf), so the
// usual memory edge (system/memory_edge.h: protocol checker, LT/AT) binds to it unchanged.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <unordered_map>

#include "memory/tlm/memory_target.h"

namespace decodesim::tiers {

class TierMux : public memory::MemoryTarget {
 public:
  tlm_utils::simple_target_socket_tagged<TierMux> decode_in;  ///< the tile (port 0)
  tlm_utils::simple_target_socket_tagged<TierMux> switch_in;  ///< the model-switch copy engine (port 1)
  tlm_utils::simple_initiator_socket<TierMux> out;            ///< to the memory below

  /// `below` is the memory `out` is bound to (its capabilities and stats are forwarded).
  TierMux(sc_core::sc_module_name name, memory::MemoryTarget& below);

  tlm::tlm_target_socket<>& target_socket() override { return decode_in; }
  double peak_bytes_per_s() const override { return m_below.peak_bytes_per_s(); }
  Bytes boundary_bytes() const override { return m_below.boundary_bytes(); }
  Bytes bytes_served() const override { return m_below.bytes_served(); }
  const StatGroup& stats() const override { return m_below.stats(); }
  void set_trace(TraceWriter* t, int chip) override { m_below.set_trace(t, chip); }

 private:
  void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& d);
  tlm::tlm_sync_enum nb_transport_fw(int id, tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_core::sc_time& d);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_core::sc_time& d);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& p);

  memory::MemoryTarget& m_below;
  std::unordered_map<tlm::tlm_generic_payload*, int> m_origin;  ///< AT payloads in flight → input port
};

}  // namespace decodesim::tiers
