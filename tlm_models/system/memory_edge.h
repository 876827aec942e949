// One chip's memory edge, shared by the TPU and GPU systems: which memory sits behind the
// initiator's socket (memory.impl), how the initiators talk to it (sim.tlm_mode, sim.quantum_ns),
// and the base-protocol checker on the binding (sim.check_protocol).
#pragma once

#include <memory>

#include "memory/tlm/memory_target.h"
#include "memory/tlm/protocol_checker.h"
#include "memory/tlm/tlm_settings.h"
#include "system/system_config.h"

namespace decodesim::system {

/// The built-in HBM or the registered external target, named `name`.
std::unique_ptr<memory::MemoryTarget> make_memory(const char* name, const SystemConfig& cfg);

memory::TlmSettings tlm_settings(const SimConfig& sim);

/// Binds `initiator` (socket + target_info) to `mem`; with sim.check_protocol a ProtocolChecker
/// named `checker_name` sits on the socket binding and is kept in `checker`.
template <class Initiator>
void connect_memory(Initiator& initiator, memory::MemoryTarget& mem, const SystemConfig& cfg,
                    std::unique_ptr<memory::ProtocolChecker>& checker, const char* checker_name) {
  if (!cfg.sim.check_protocol) {
    memory::bind_memory(initiator, mem);
    return;
  }
  checker = std::make_unique<memory::ProtocolChecker>(checker_name);
  initiator.socket.bind(checker->target);
  checker->initiator.bind(mem.target_socket());
  initiator.target_info.bind(mem);
}

}  // namespace decodesim::system
