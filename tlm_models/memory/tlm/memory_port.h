// The initiator side of the memory edge, shared by every engine that issues memory requests
// (the TPU's DMA, the GPU's L2 miss path). The owning sc_module holds the socket and forwards
// its nb_transport_bw here; the port does the rest, in either protocol:
//
// - LT: one b_transport per piece with the arrival as timing annotation. The initiator's local
//   time (arrival − SystemC time) goes through a tlm_quantumkeeper and is synced (wait) once it
//   passes the global quantum (sim.quantum_ns).
// - AT: the 4-phase base protocol. BEGIN_REQ carries the arrival as annotation; a new BEGIN_REQ
//   waits for END_REQ of the previous one (the target's back-pressure); BEGIN_RESP is answered
//   with END_RESP; incoming phases go through a payload event queue (TimedPeq), so a target may annotate
//   its calls. finish() waits in SystemC time until the response has arrived.
//
// Payloads come from a PayloadPool (tlm_mm_interface). A request that crosses a multiple of
// the target's boundary_bytes() is split there: no transaction crosses a channel or interleave
// boundary of a target that declares one. Data pointers point at a scratch buffer: the models
// are timing-only, so its content means nothing.
//
// Contract for the owner: begin() and finish() are called from one SC_THREAD; arrivals of
// successive begin() calls need not be monotone in LT (the built-in targets serve in call
// order); in AT an arrival earlier than SystemC time is sent at SystemC time.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/base/units.h"
#include "memory/tlm/memory_target.h"
#include "memory/tlm/payload_pool.h"
#include "memory/tlm/stall_extension.h"
#include "memory/tlm/timed_peq.h"
#include "memory/tlm/tlm_settings.h"

namespace decodesim::memory {

class MemoryPort {
 public:
  using Ticket = std::uint64_t;

  /// `tickets`: how many begin()s may be unfinished at once; `max_len`: the largest request.
  MemoryPort(std::string owner, tlm::tlm_initiator_socket<>& socket, sc_core::sc_port<MemoryInfoIf>& info,
             const TlmSettings& settings, std::size_t tickets, Bytes max_len);

  /// Issues [addr, addr + len) arriving at `arrival` (ps). `clock` is the initiator's own time
  /// (monotone over calls, at most `arrival`): the LT quantum keeper syncs SystemC time to it,
  /// never further, so a later request never arrives in the past. In LT the completion is known
  /// on return; in AT this returns once every piece has been sent.
  Ticket begin(bool write, Bytes addr, Bytes len, Picos arrival, Picos clock);
  Ticket begin(bool write, Bytes addr, Bytes len, Picos arrival) { return begin(write, addr, len, arrival, arrival); }
  /// Completion time of the ticket's last piece; in AT waits for it. Throws std::runtime_error
  /// on an error response.
  Picos finish(Ticket t);
  Picos transport(bool write, Bytes addr, Bytes len, Picos arrival, Picos clock) {
    return finish(begin(write, addr, len, arrival, clock));
  }

  /// AT: `fn(ticket, done)` runs (in the response's SystemC process) once every piece of a
  /// ticket has completed, for owners that do not block in finish(). Unused in LT.
  void on_complete(std::function<void(Ticket, Picos)> fn) { m_on_complete = std::move(fn); }

  /// The owner's socket callback.
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay);

  /// Refresh stall the target attributed to this port's transactions (StallExtension), and the
  /// units it is summed over (0 when the target does not report it).
  Picos refresh_stall() const { return m_refresh_stall; }
  std::uint32_t refresh_units() const { return m_refresh_units; }
  std::uint64_t transactions() const { return m_transactions; }
  const TlmSettings& settings() const { return m_settings; }

 private:
  struct Slot {
    Ticket ticket = ~Ticket{0};
    std::uint32_t pending = 0;
    Picos done = 0;
    bool sent = false;  ///< every piece has been sent (AT: completion may be reported)
  };
  void send_lt(tlm::tlm_generic_payload& p, Picos arrival, Picos clock, Slot& s);
  void send_at(tlm::tlm_generic_payload& p, Picos arrival, Ticket t);
  void peq_cb(tlm::tlm_generic_payload& p, const tlm::tlm_phase& phase);
  void complete(tlm::tlm_generic_payload& p, Picos done);
  void check_response(const tlm::tlm_generic_payload& p) const;
  Slot& slot(Ticket t) { return m_slots[t % m_slots.size()]; }

  std::string m_owner;
  tlm::tlm_initiator_socket<>& m_socket;
  sc_core::sc_port<MemoryInfoIf>& m_info;
  TlmSettings m_settings;
  PayloadPool m_pool;
  /// The standard keeper, with its next sync point readable so a transaction can skip it cheaply.
  struct QuantumKeeper : tlm_utils::tlm_quantumkeeper {
    const sc_core::sc_time& next_sync_point() const { return m_next_sync_point; }
  };
  QuantumKeeper m_qk;
  TimedPeq<MemoryPort> m_peq;
  std::vector<unsigned char> m_scratch;
  std::vector<Slot> m_slots;
  Ticket m_next = 0;
  Bytes m_boundary = ~Bytes{0};  ///< read from the target on first use (after elaboration)
  Picos m_sync_at = 0;           ///< the quantum keeper's next sync point

  // AT state: the request channel is busy from BEGIN_REQ until END_REQ (or BEGIN_RESP).
  tlm::tlm_generic_payload* m_req_busy = nullptr;
  sc_core::sc_event m_req_free, m_responded;
  std::unordered_map<tlm::tlm_generic_payload*, Ticket> m_inflight;

  std::function<void(Ticket, Picos)> m_on_complete;

  Picos m_refresh_stall = 0;
  std::uint32_t m_refresh_units = 0;
  std::uint64_t m_transactions = 0;
};

}  // namespace decodesim::memory
