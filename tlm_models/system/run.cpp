#include "system/run.h"

#include "system/lpu_system.h"
#include "system/tpu_system.h"

namespace decodesim::system {

RunResult simulate(const RunRequest& req) {
  switch (req.cfg.system.arch) {
    case Arch::Tpu: return simulate_tpu(req);
    case Arch::Lpu: return simulate_lpu(req);
    case Arch::Gpu: break;
  }
  throw config::InputError(config::loc_of(req.cfg.tree.find("system"), "arch"), "system.arch",
                           "architecture not available in this build", arch_name(req.cfg.system.arch), "tpu, lpu");
}

}  // namespace decodesim::system
