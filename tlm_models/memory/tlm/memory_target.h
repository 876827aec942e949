// What an initiator may know about the memory behind its socket, and the one base class every
// memory target (the built-in HBM, or an external model registered in target_registry.h)
// derives from. Nothing else about a target is visible to the tiles or the systems: timing
// comes through the socket, everything else through MemoryInfoIf.
//
// Contract:
// - peak_bytes_per_s(): the target's data-bus peak, for rooflines and "share of peak" figures
//   only; no model derives timing from it.
// - boundary_bytes(): transactions must not cross a multiple of this address (0: any span is
//   fine). Initiators split at it (MemoryPort does), never the target.
// - bytes_served(): bytes read + written so far (the conservation check compares it with the
//   workload's bytes).
// - stats(): the target's stats tree, named like the module.
#pragma once

#include <systemc>
#include <tlm>

#include "common/base/stats.h"
#include "common/base/trace.h"
#include "common/base/units.h"

namespace decodesim::memory {

/// Capability + stats provider, bound to initiators through an sc_port.
class MemoryInfoIf : public virtual sc_core::sc_interface {
 public:
  virtual double peak_bytes_per_s() const = 0;
  virtual Bytes boundary_bytes() const = 0;
  virtual Bytes bytes_served() const = 0;
  virtual const StatGroup& stats() const = 0;
};

/// A memory behind a TLM-2.0 base-protocol socket.
class MemoryTarget : public sc_core::sc_module, public MemoryInfoIf {
 public:
  using sc_core::sc_module::sc_module;
  virtual tlm::tlm_target_socket<>& target_socket() = 0;
  /// Optional bandwidth counters in the trace; a target without them ignores the call.
  virtual void set_trace(TraceWriter*, int /*chip*/) {}
};

}  // namespace decodesim::memory

namespace decodesim::memory {

/// Binds an initiator (anything with a `socket` and a `target_info` port, e.g. DmaEngine,
/// gpu::GpuMemory) straight to a memory target.
template <class Initiator>
void bind_memory(Initiator& initiator, MemoryTarget& target) {
  initiator.socket.bind(target.target_socket());
  initiator.target_info.bind(target);
}

}  // namespace decodesim::memory
