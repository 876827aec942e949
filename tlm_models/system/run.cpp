#include "system/run.h"

#include "system/gpu_system.h"
#include "system/tpu_system.h"

namespace decodesim::system {

RunResult simulate(const RunRequest& req) {
  switch (req.cfg.system.arch) {
    case Arch::Tpu: return simulate_tpu(req);
    case Arch::Gpu: return simulate_gpu(req);
    case Arch::Lpu: break;
  }
  throw config::InputError(config::loc_of(req.cfg.tree.find("system"), "arch"), "system.arch",
                           "architecture not available in this build", arch_name(req.cfg.system.arch), "tpu, gpu");
}

}  // namespace decodesim::system
