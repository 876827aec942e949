#include "system/memory_edge.h"

#include "memory/hbm/hbm.h"
#include "memory/tlm/target_registry.h"

namespace decodesim::system {

std::unique_ptr<memory::MemoryTarget> make_memory(const char* name, const SystemConfig& cfg) {
  switch (cfg.memory.impl) {
    case memory::MemoryImpl::Builtin:
      return std::make_unique<memory::Hbm>(name, cfg.hbm);
    case memory::MemoryImpl::External:
      break;
  }
  // SystemConfig validation has checked the name is registered.
  const memory::TargetFactory& make = *memory::find_memory_target(cfg.memory.external);
  return make(name, memory::ExternalTargetArgs{cfg.memory.external_config, cfg.hbm.capacity_bytes()});
}

memory::TlmSettings tlm_settings(const SimConfig& sim) {
  return memory::TlmSettings{sim.tlm_mode, static_cast<Picos>(sim.quantum_ns * kPicosPerNs), sim.check_protocol};
}

}  // namespace decodesim::system
