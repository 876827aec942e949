#include "system/run.h"

#include <cstdio>

#include "common/base/progress.h"
#include "matmul/matmul_core.h"
#include "matmul/rtl_sc_core.h"
#include "system/lpu_system.h"
#include "system/hbm_arch.h"
#include "system/netlist.h"
#include "system/wse_system.h"

namespace decodesim::system {

bool in_run_draft(const RunRequest& req) {
  return req.scenario.turn && req.scenario.speculative.enabled() && !req.draft.name.empty();
}

std::vector<KernelGraph> token_graphs(const RunRequest& req, std::uint32_t tensor_parallel) {
  if (!req.graphs.empty()) return req.graphs;
  std::vector<KernelGraph> tokens;
  const bool drafts = in_run_draft(req);
  if (drafts) workload::shard_model(req.draft, tensor_parallel, {"<scenario>", 0, 0}, "scenario.speculative.draft_model");
  const std::uint64_t k = req.scenario.speculative.draft_tokens;
  for (const workload::StepShape& step : workload::turn_steps(req.scenario)) {
    if (drafts && step.phase == Phase::Verify) {
      // The round's k draft steps, one token each: step j consumes the token before position
      // P - k + j of the verify (P = its KV positions), so its own cache then holds P - k + j + 1.
      for (std::uint64_t j = 0; j < k; ++j) {
        workload::StepShape d;
        d.phase = Phase::Draft;
        d.positions = step.positions - k + j;
        d.index = step.index;
        tokens.push_back(workload::lower_step(req.draft, req.scenario, d, tensor_parallel));
        tokens.back().phase = Phase::Draft;
        for (auto& kern : tokens.back().kernels) kern.phase = Phase::Draft;
      }
    }
    tokens.push_back(workload::lower_step(req.model, req.scenario, step, tensor_parallel));
  }
  return tokens;
}

namespace {

/// (sequence, KV head) groups of the step's first attention kernel, its decode part's included.
std::uint64_t attention_groups(const KernelGraph& g) {
  for (const auto& k : g.kernels)
    if (k.kind == KernelKind::Attention) return k.groups + (k.decode_part ? k.decode_part->groups : 0);
  return 0;
}

}  // namespace

const KernelGraph& plan_graph(const std::vector<KernelGraph>& steps) {
  // An inner prefill chunk ends before the LM head: the plan needs a step with every kernel.
  // A prefill of one new sequence (prefill.schedule stall) attends over fewer groups than the
  // batch's decode steps: the KV cache is laid out for every sequence. A draft model's steps
  // have their own plan (HbmArch).
  const KernelGraph* best = &steps.front();
  for (const auto& g : steps)
    if (g.phase == Phase::Draft && best->phase != Phase::Draft) continue;
    else if (best->phase == Phase::Draft && g.phase != Phase::Draft) best = &g;
    else if (g.kernels.size() > best->kernels.size() ||
        (g.kernels.size() == best->kernels.size() && attention_groups(g) > attention_groups(*best)))
      best = &g;
  return *best;
}

namespace {

RunResult simulate_arch(const RunRequest& req) {
  switch (req.cfg.system.arch) {
    case Arch::Tpu: return run_netlist(req.cfg, *make_tpu_arch(req), req.trace);
    case Arch::Lpu: return run_netlist(req.cfg, *make_lpu_arch(req), req.trace);
    case Arch::Gpu: return run_netlist(req.cfg, *make_gpu_arch(req), req.trace);
    case Arch::Rdu: return run_netlist(req.cfg, *make_rdu_arch(req), req.trace);
    case Arch::Wse: return run_netlist(req.cfg, *make_wse_arch(req), req.trace);
  }
  throw SimulationError(std::string("unhandled architecture ") + arch_name(req.cfg.system.arch));
}

// With an RTL core in the slot, how many tiles went through its pins (and, sampled, how many not).
void add_rtl_tally(RunResult& res) {
  const matmul::CoreTally& t = matmul::core_tally();
  if (!t.rtl) return;
  StatGroup& g = res.stats.group("matmul");
  g.set("tiles", static_cast<double>(t.tiles), "count", "tiles the matmul cores were asked to run");
  g.set("rtl_tiles", static_cast<double>(t.rtl_tiles), "count", "tiles whose results came out of the RTL's pins");
  g.set("extrapolated_tiles", static_cast<double>(t.extrapolated), "count",
        "tiles matmul.rtl.sample timed from sampled ones instead of running them");
  if (t.rtl_sc) {
    g.set("in_kernel_tiles", static_cast<double>(t.sc_tiles), "count",
          "tiles the in-kernel SystemC arrays (impl rtl_sc) clocked, with the cycles the tiles used");
    g.set("in_kernel_streams", static_cast<double>(t.sc_streams), "count",
          "streams the in-kernel SystemC arrays clocked and found identical");
  }
  if (t.sample == 0) return;
  char line[400];
  std::snprintf(line, sizeof line,
                "matmul.rtl.sample=%u (sampled mode): %llu of %llu tiles (%.1f%%) were timed from sampled ones, not "
                "run through the RTL; on workloads/tiny this mode is within %.2f%% of the full RTL run in total "
                "time (rtl/README.md, Sampled mode)",
                t.sample, static_cast<unsigned long long>(t.extrapolated), static_cast<unsigned long long>(t.tiles),
                t.tiles ? 100.0 * static_cast<double>(t.extrapolated) / static_cast<double>(t.tiles) : 0.0,
                100.0 * matmul::kSampleErrorOnTiny);
  res.notes.push_back(line);
}

}  // namespace

RunResult simulate(const RunRequest& req) {
  progress::reset();
  matmul::core_tally() = {};
  if (req.scenario.tiers.switch_model && req.cfg.system.arch != Arch::Rdu)
    throw config::InputError(config::SourceLoc{"--set", 1, 1}, "scenario.tiers.switch_model",
                             std::string("a model switch needs a DDR tier below HBM; system ") + req.cfg.system.name +
                                 " is of arch " + arch_name(req.cfg.system.arch),
                             "true", "false, or a system of arch rdu (e.g. sn40l_x16)");
  // impl rtl_sc: the in-kernel arrays the LPU's compiler built outside any module go with the run.
  struct ReleaseTwins {
    ~ReleaseTwins() { matmul::release_rtl_sc_twins(); }
  } release;
  RunResult res = simulate_arch(req);
  add_rtl_tally(res);
  return res;
}

}  // namespace decodesim::system
