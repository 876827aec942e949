// A chip-to-chip link (ICI, NVLink, C2C) as an sc_module behind a TLM-2.0 socket, and the
// sending side a chip holds for it.
//
// Protocol (LT, blocking): a message is a TLM_WRITE_COMMAND payload whose data_length is the
// message size in bytes; the call's time annotation says when the message starts (relative to
// SystemC time) and, on return, when its last byte has arrived at the far end. The timing is
// the link's timeline (link.h): serialisation behind earlier messages, then latency and per-hop
// cost. The payload's data pointer is not read: links carry timing, not values.
// Hops (default 1) travel in a LinkHops extension.
//
// The same module is every chip-to-chip link: ICI and NVLink rings and tori, and the LPU's C2C
// ports. What differs is its config (bandwidth, latency, per-hop cost) and where its far end is
// bound (the topology, which the netlist decides):
// - `far` unbound (the TPU/GPU collectives, whose receiving side is symmetric and not modelled
//   twice): the message ends at the link;
// - `far` bound to one or more receiving chips (an LPU stage hand-off, a collective's piece for
//   a node-mate or the next node): the message is passed on, with its arrival as annotation, on
//   the binding its route names. The route is the address's top byte (link_route()); the rest
//   of the address is the receiver's business (e.g. the LPU's mailbox tag).
//
// Identical parallel links (a chip's links to each node-mate, its four global C2C ports) carry
// identical traffic at identical times, so one module stands for each group of them.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <string>

#include "memory/link/link.h"

namespace decodesim::memory {

/// Hops a message traverses (switches, intermediate chips); absent means one.
struct LinkHops : tlm::tlm_extension<LinkHops> {
  std::uint32_t hops = 1;
  tlm::tlm_extension_base* clone() const override { return new LinkHops(*this); }
  void copy_from(const tlm::tlm_extension_base& e) override { hops = static_cast<const LinkHops&>(e).hops; }
};

/// The address of a message on binding `route` of a link's far end; `local` (< 2^56) is passed on.
constexpr std::uint64_t link_address(std::uint32_t route, std::uint64_t local) {
  return (std::uint64_t{route} << 56) | (local & ((std::uint64_t{1} << 56) - 1));
}
constexpr std::uint32_t link_route(std::uint64_t address) { return static_cast<std::uint32_t>(address >> 56); }

class LinkModule : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<LinkModule> target;  ///< the sending chip's LinkPort binds here
  /// Optional: the receiving chips, by route, for links that hand data on (unbound: the message ends here).
  tlm_utils::multi_passthrough_initiator_socket<LinkModule, 32, tlm::tlm_base_protocol_types, 0,
                                                sc_core::SC_ZERO_OR_MORE_BOUND>
      far;

  /// `stats_name` names the link's stats group (e.g. "chip0.link_x").
  LinkModule(sc_core::sc_module_name name, const LinkConfig& cfg, std::string stats_name);

  const LinkConfig& config() const { return m_link.config(); }
  Bytes bytes() const { return m_link.bytes(); }
  std::uint64_t messages() const { return m_link.messages(); }
  const StatGroup& stats() const { return m_link.stats(); }
  /// Every message becomes a slice on track `track_name` of chip `chip`.
  void set_trace(TraceWriter* trace, int chip, const std::string& track_name) {
    m_link.set_trace(trace, chip, track_name);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  Link m_link;
};

/// A chip's sending end of one outgoing link: an initiator socket and the payload it reuses
/// (LT: a message is complete when b_transport returns, so one payload serves every message).
class LinkPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<LinkPort> socket;  ///< the netlist binds it to a LinkModule's target

  explicit LinkPort(sc_core::sc_module_name name);

  /// Sends `bytes` starting at `start` (ps, not before SystemC time) over `hops` hops; returns
  /// the arrival of the last byte at the far end. Does not advance SystemC time.
  Picos send(Bytes bytes, Picos start, std::uint32_t hops = 1);
  /// Bytes sent through this port so far.
  Bytes bytes_sent() const { return m_sent; }

 private:
  tlm::tlm_generic_payload m_payload;
  LinkHops* m_hops;  ///< owned by m_payload (freed with it)
  unsigned char m_scratch = 0;
  Bytes m_sent = 0;
};

}  // namespace decodesim::memory
