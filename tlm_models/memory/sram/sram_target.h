// Banked SRAM (memory::Sram) behind a TLM-2.0 target socket, and the initiator a compute unit
// reads and writes it through. The TPU tile's VMEM is one: its MXUs read each weight block out
// of VMEM through this socket, as the DMA writes HBM data in through its own.
//
// Target (SramTarget), both protocols:
//  - LT: b_transport serves the access arriving at SystemC time + the annotation and returns
//    its completion as the annotation.
//  - AT: BEGIN_REQ is served the same way and answered with TLM_COMPLETED and the completion
//    as the annotation (IEEE 1666-2011 15.2: a target may complete a transaction on the
//    forward path; the SRAM has no request queue worth modelling: its banks are timelines).
//  Errors: past capacity TLM_ADDRESS_ERROR_RESPONSE, byte enables TLM_BYTE_ENABLE_ERROR_RESPONSE,
//  IGNORE TLM_COMMAND_ERROR_RESPONSE.
//
// Initiator (SramPort): one access at a time through a memory::MemoryPort, so the payloads come
// from its memory manager and the protocol follows sim.tlm_mode. An access must not arrive
// before SystemC time (the annotation cannot be negative): access() throws std::logic_error if
// it would, rather than serve it late. It never syncs SystemC time itself: the thread it runs in
// is decoupled by its DMA's quantum keeper already.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>

#include "memory/sram/sram.h"
#include "memory/tlm/memory_port.h"
#include "memory/tlm/memory_target.h"
#include "memory/tlm/protocol_checker.h"
#include "memory/tlm/tlm_settings.h"

namespace decodesim::memory {

class SramTarget : public MemoryTarget {
 public:
  tlm_utils::simple_target_socket<SramTarget> socket;

  SramTarget(sc_core::sc_module_name name, const SramConfig& cfg);

  tlm::tlm_target_socket<>& target_socket() override { return socket; }
  double peak_bytes_per_s() const override { return m_sram.config().peak_bytes_per_s(); }
  Bytes boundary_bytes() const override { return 0; }
  Bytes bytes_served() const override { return m_sram.bytes_read() + m_sram.bytes_written(); }
  const StatGroup& stats() const override { return m_sram.stats(); }
  const Sram& sram() const { return m_sram; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  /// Serves `p` arriving `delay` after SystemC time; sets its status and `delay` to its completion.
  void serve(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);

  Sram m_sram;
};

class SramPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<SramPort> socket;
  sc_core::sc_port<MemoryInfoIf> target_info;

  /// `max_len`: the largest access.
  SramPort(sc_core::sc_module_name name, const TlmSettings& tlm, Bytes max_len);

  /// [addr, addr + len) arriving at `arrival` (ps, not before SystemC time); its completion.
  Picos access(Bytes addr, Bytes len, bool write, Picos arrival);

 private:
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_core::sc_time& d) {
    return m_port.nb_transport_bw(p, ph, d);
  }
  MemoryPort m_port;
};

/// What a plain memory of `capacity` bytes refuses: byte enables, IGNORE, a range past capacity.
/// Sets the error response and returns false; true for a request to serve.
bool accept_access(tlm::tlm_generic_payload& p, Bytes capacity);

/// Binds `port` to `target`, through a ProtocolChecker (kept in `checker`) when `tlm.check_protocol`.
void bind_sram(SramPort& port, MemoryTarget& target, const TlmSettings& tlm, std::unique_ptr<ProtocolChecker>& checker);

}  // namespace decodesim::memory
