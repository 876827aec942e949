#include "system/run.h"

#include "common/base/progress.h"
#include "system/lpu_system.h"
#include "system/gpu_system.h"
#include "system/tpu_system.h"

namespace decodesim::system {

RunResult simulate(const RunRequest& req) {
  progress::reset();
  switch (req.cfg.system.arch) {
    case Arch::Tpu: return simulate_tpu(req);
    case Arch::Lpu: return simulate_lpu(req);
    case Arch::Gpu: return simulate_gpu(req);
  }
  throw SimulationError(std::string("unhandled architecture ") + arch_name(req.cfg.system.arch));
}

}  // namespace decodesim::system
