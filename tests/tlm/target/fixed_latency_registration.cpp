// Registers the test suite's FixedLatencyTarget as `memory.external: fixed_latency`.
#include <memory>

#include "fixed_latency_target.h"
#include "memory/tlm/target_registry.h"

namespace {
const bool registered = decodesim::memory::register_memory_target(
    "fixed_latency", [](const char* name, const decodesim::memory::ExternalTargetArgs& a) {
      return std::make_unique<decodesim::tlmtest::FixedLatencyTarget>(
          name, decodesim::tlmtest::FixedLatencyParams::parse(a.config));
    });
}  // namespace
