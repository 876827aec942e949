// One chip's outgoing C2C port class (its node-mate ports, or its global ports) as a TLM-2.0
// module: an LT target the sending chip calls, and an initiator towards the receiving chips.
//
// A message of B bytes sent at t (the sender's time: sc_time_stamp() + its annotated delay)
// is timed by the link's own timeline (memory/link/link.h) from this module's config:
//   start = max(t, link free);  arrival = start + B / bandwidth + latency + hops × per_hop
// and forwarded to the receiver with the delay annotated up to its arrival. The sender's
// b_transport returns with the same delay: the message is complete when its last byte lands.
//
// Identical parallel ports (a chip's links to each node-mate, its four global ports) carry
// identical traffic at identical times, so one module stands for each of them, as in the
// compiler's model (lpu_schedule.h). Where the message goes is the route in its address.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>

#include "memory/link/link.h"

namespace decodesim::lpu {

/// What a C2C message's 64-bit TLM address carries: the output binding it leaves on, and the
/// mailbox tag the receiver waits for (the token, and which message of that token's program).
struct C2cAddress {
  std::uint32_t route = 0;    ///< index of the link's `out` binding (< 256)
  std::uint32_t token = 0;
  std::uint32_t message = 0;  ///< 0: the stage's input; i + 1: the exchange at instruction i (< 2^24)
  std::uint64_t encode() const;
  static C2cAddress decode(std::uint64_t address);
  /// The receiver's mailbox key: the address without its route.
  std::uint64_t tag() const { return (std::uint64_t{token} << 24) | message; }
};

class C2cLink : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<C2cLink> in;                     ///< from the sending chip
  tlm_utils::multi_passthrough_initiator_socket<C2cLink> out;      ///< to receiving chips, by route

  C2cLink(sc_core::sc_module_name name, const memory::LinkConfig& cfg, std::uint32_t hops = 1);

  const memory::Link& timeline() const { return m_link; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);

  memory::Link m_link;
  std::uint32_t m_hops;
};

}  // namespace decodesim::lpu
