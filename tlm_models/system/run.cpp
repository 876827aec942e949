#include "system/run.h"

#include "common/base/progress.h"
#include "system/lpu_system.h"
#include "system/hbm_arch.h"
#include "system/netlist.h"

namespace decodesim::system {

std::vector<KernelGraph> token_graphs(const RunRequest& req, std::uint32_t tensor_parallel) {
  if (!req.graphs.empty()) return req.graphs;
  std::vector<KernelGraph> tokens;
  for (const workload::StepShape& step : workload::turn_steps(req.scenario))
    tokens.push_back(workload::lower_step(req.model, req.scenario, step, tensor_parallel));
  return tokens;
}

const KernelGraph& plan_graph(const std::vector<KernelGraph>& steps) {
  // An inner prefill chunk ends before the LM head: the plan needs a step with every kernel.
  const KernelGraph* best = &steps.front();
  for (const auto& g : steps)
    if (g.kernels.size() > best->kernels.size()) best = &g;
  return *best;
}

RunResult simulate(const RunRequest& req) {
  progress::reset();
  if (req.scenario.tiers.switch_model && req.cfg.system.arch != Arch::Rdu)
    throw config::InputError(config::SourceLoc{"--set", 1, 1}, "scenario.tiers.switch_model",
                             std::string("a model switch needs a DDR tier below HBM; system ") + req.cfg.system.name +
                                 " is of arch " + arch_name(req.cfg.system.arch),
                             "true", "false, or a system of arch rdu (e.g. sn40l_x16)");
  switch (req.cfg.system.arch) {
    case Arch::Tpu: return run_netlist(req.cfg, *make_tpu_arch(req), req.trace);
    case Arch::Lpu: return run_netlist(req.cfg, *make_lpu_arch(req), req.trace);
    case Arch::Gpu: return run_netlist(req.cfg, *make_gpu_arch(req), req.trace);
    case Arch::Rdu: return run_netlist(req.cfg, *make_rdu_arch(req), req.trace);
  }
  throw SimulationError(std::string("unhandled architecture ") + arch_name(req.cfg.system.arch));
}

}  // namespace decodesim::system
