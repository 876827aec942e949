#include "system/gpu_system.h"

#include <systemc>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "common/base/sc_time_conv.h"
#include "gpu/gpu_tile.h"
#include "memory/link/collective.h"
#include "memory/link/link.h"
#include "system/memory_edge.h"
#include "system/tensor_parallel.h"

namespace decodesim::system {
namespace {

class GpuChip : public sc_core::sc_module {
 public:
  std::unique_ptr<memory::MemoryTarget> hbm;  ///< built-in HBM or an external target (memory.impl)
  gpu::GpuTile tile;
  memory::Link link_x;  ///< this GPU's NVLink port (ring over the switch, or x of a torus)
  memory::Link link_y;
  std::unique_ptr<memory::ProtocolChecker> checker;  ///< on the L2 → memory binding (sim.check_protocol)

  GpuChip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t chip)
      : sc_core::sc_module(name),
        hbm(make_memory("hbm", cfg)),
        tile("sm_cluster", cfg.gpu, tlm_settings(cfg.sim), chip),
        link_x(std::string(name) + ".link_x", cfg.link),
        link_y(std::string(name) + ".link_y", cfg.link) {
    // Connect
    connect_memory(tile.mem, *hbm, cfg, checker, "mem_checker");
  }
};

}  // namespace

RunResult simulate_gpu(const RunRequest& req) {
  const SystemConfig& cfg = req.cfg;
  const std::uint32_t tp = cfg.system.chips;

  if (req.graphs.empty())
    workload::shard_model(req.model, tp, config::loc_of(cfg.tree.find("system"), "chips"), "system.chips");
  const std::vector<KernelGraph> tokens = token_graphs(req, tp);
  const MemoryPlan plan = plan_memory(plan_graph(tokens), req.scenario.max_context() + 1);
  // Weights + KV as laid out, plus the activation and partial-result buffers above them. The
  // plan lays out what the simulated tokens touch; an MoE model keeps every expert resident, so
  // the resident count (all experts) is the floor.
  const Bytes resident = req.graphs.empty() ? workload::resident_bytes_per_chip(req.model, req.scenario, tp) : 0;
  const Bytes need = std::max(plan.total_bytes, resident) + gpu::GpuTile::on_chip_region_bytes(cfg.gpu, tokens);
  if (need > cfg.hbm.capacity_bytes()) {
    // Activation buffers shrink with more GPUs; today's share is a safe bound for the estimate.
    const Bytes extra = need > resident ? need - resident : 0;
    throw_hbm_too_small(req, need, "weights + KV cache + activations", "GPU", [&](std::uint32_t chips) {
      // A single GEMM (decodesim gemm) has no model to shard: its need is what it is.
      return req.graphs.empty() ? workload::resident_bytes_per_chip(req.model, req.scenario, chips) + extra : need;
    });
  }

  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  const bool reuse = cfg.sim.reuse;
  const std::uint32_t simulated = reuse ? 1 : tp;

  TraceWriter trace;
  trace.enable(req.trace);
  std::vector<std::unique_ptr<GpuChip>> chips;
  Barrier barrier(simulated);
  for (std::uint32_t c = 0; c < simulated; ++c) {
    chips.push_back(std::make_unique<GpuChip>(("gpu" + std::to_string(c)).c_str(), cfg, c));
    GpuChip& chip = *chips.back();
    chip.tile.load(tokens, plan);
    chip.tile.set_reuse(reuse);
    if (req.trace) {
      chip.tile.set_trace(&trace);
      chip.hbm->set_trace(&trace, static_cast<int>(c));
      chip.link_x.set_trace(&trace, static_cast<int>(c), "link_x");
      if (cfg.system.topology == Topology::Torus2d) chip.link_y.set_trace(&trace, static_cast<int>(c), "link_y");
    }
    chip.tile.set_collective([&cfg, &barrier, &chip](const Kernel& k, Picos ready, Bytes* sent) {
      return chip_all_reduce(cfg, barrier, chip.link_x, chip.link_y, k, ready, sent);
    });
  }

  // The watchdog: a model that deadlocks or never finishes stops here instead of hanging.
  sc_core::sc_start(to_sc_time(static_cast<Picos>(cfg.sim.max_simulated_s * kPicosPerSecond)));

  RunResult res;
  res.chips = tp;
  res.simulated_chips = simulated;
  res.peak_mem_bytes_per_s = chips[0]->hbm->peak_bytes_per_s();
  res.peak_flops = cfg.gpu.peak_flops(gpu::mma_dtype(req.scenario.weight_dtype, req.scenario.act_dtype));
  res.link_bytes_per_s = cfg.link.bandwidth_gbytes_per_s * 1e9;
  for (auto& chip : chips)
    if (!chip->tile.finished()) throw_unfinished(cfg, chip->tile.name(), chip->tile.records().size());
  ChipTotals totals;
  for (std::uint32_t c = 0; c < simulated; ++c) {
    GpuChip& chip = *chips[c];
    collect_records(cfg, tokens, c, chip.tile.records(), res, totals);
    totals.sram_bits += chip.tile.sram_bits();
    totals.macs += chip.tile.macs();
    totals.vector_ops += chip.tile.cuda_ops();
    StatGroup& g = res.stats.group(std::string(chip.name()));
    g.group("hbm") = chip.hbm->stats();
    g.group("sm_cluster") = chip.tile.stats();
    if (tp > 1) g.group("link_x") = chip.link_x.stats();
    if (cfg.system.topology == Topology::Torus2d) g.group("link_y") = chip.link_y.stats();
  }
  res.reused_layers = chips[0]->tile.reused_layers();
  res.memory_served_bytes = chips[0]->hbm->bytes_served();
  finish_hbm_run(req, tokens, totals, "GPU", res);
  if (req.trace) res.trace_json = trace.to_json();
  const auto& m = chips[0]->tile.mem;
  char line[256];
  std::snprintf(line, sizeof line,
                "L2 (GPU 0, simulated kernels): %.3f GB read hits, %.3f GB read misses = HBM reads %.3f GB; "
                "%.1f%% of requests crossed partitions",
                m.l2_read_hit_bytes() / 1e9, m.l2_read_miss_bytes() / 1e9, m.hbm_read_bytes() / 1e9,
                m.requests() ? 100.0 * m.far_requests() / m.requests() : 0.0);
  res.notes.push_back(line);
  return res;
}

}  // namespace decodesim::system
