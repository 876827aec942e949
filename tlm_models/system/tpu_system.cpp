#include "system/tpu_system.h"

#include <systemc>

#include <memory>

#include "common/base/sc_time_conv.h"
#include "memory/link/collective.h"
#include "memory/link/link.h"
#include "system/memory_edge.h"
#include "system/tensor_parallel.h"
#include "tpu/tpu_tile.h"

namespace decodesim::system {
namespace {

class TpuChip : public sc_core::sc_module {
 public:
  std::unique_ptr<memory::MemoryTarget> hbm;  ///< built-in HBM or an external target (memory.impl)
  tpu::TpuTile tile;
  memory::Link link_x;  ///< this chip's outgoing link along x (ring or torus)
  memory::Link link_y;  ///< along y (torus2d only)
  std::unique_ptr<memory::ProtocolChecker> checker;  ///< on the DMA → memory binding (sim.check_protocol)

  TpuChip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t chip)
      : sc_core::sc_module(name),
        hbm(make_memory("hbm", cfg)),
        tile("tile", cfg.tpu, cfg.dma, tlm_settings(cfg.sim), chip),
        link_x(std::string(name) + ".link_x", cfg.link),
        link_y(std::string(name) + ".link_y", cfg.link) {
    // Connect
    connect_memory(tile.dma, *hbm, cfg, checker, "dma_checker");
  }
};

}  // namespace

RunResult simulate_tpu(const RunRequest& req) {
  const SystemConfig& cfg = req.cfg;
  const std::uint32_t tp = cfg.system.chips;

  if (req.graphs.empty()) {
    // Sharding errors point at system.chips, where the user chose the degree.
    workload::shard_model(req.model, tp, config::loc_of(cfg.tree.find("system"), "chips"), "system.chips");
    const Bytes resident = workload::resident_bytes_per_chip(req.model, req.scenario, tp);
    if (resident > cfg.hbm.capacity_bytes())
      throw_hbm_too_small(req, resident, "weights + KV cache", "chip", [&](std::uint32_t chips) {
        return workload::resident_bytes_per_chip(req.model, req.scenario, chips);
      });
  }

  const std::vector<KernelGraph> tokens = token_graphs(req, tp);
  const MemoryPlan plan = plan_memory(plan_graph(tokens), req.scenario.max_context() + 1);

  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  const bool reuse = cfg.sim.reuse;
  const std::uint32_t simulated = reuse ? 1 : tp;

  TraceWriter trace;
  trace.enable(req.trace);
  std::vector<std::unique_ptr<TpuChip>> chips;
  Barrier barrier(simulated);
  for (std::uint32_t c = 0; c < simulated; ++c) {
    chips.push_back(std::make_unique<TpuChip>(("chip" + std::to_string(c)).c_str(), cfg, c));
    TpuChip& chip = *chips.back();
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
  res.peak_flops = cfg.tpu.peak_flops();
  res.link_bytes_per_s = cfg.link.bandwidth_gbytes_per_s * 1e9;
  for (auto& chip : chips)
    if (!chip->tile.finished()) throw_unfinished(cfg, chip->tile.name(), chip->tile.records().size());
  ChipTotals totals;
  for (std::uint32_t c = 0; c < simulated; ++c) {
    TpuChip& chip = *chips[c];
    collect_records(cfg, tokens, c, chip.tile.records(), res, totals);
    totals.sram_bits += chip.tile.sram_bits();
    totals.macs += chip.tile.macs();
    totals.vector_ops += chip.tile.vector_ops();
    StatGroup& g = res.stats.group(std::string(chip.name()));
    g.group("hbm") = chip.hbm->stats();
    g.group("dma") = chip.tile.dma.stats();
    g.group("link_x") = chip.link_x.stats();
    if (cfg.system.topology == Topology::Torus2d) g.group("link_y") = chip.link_y.stats();
  }
  res.reused_layers = chips[0]->tile.reused_layers();
  res.memory_served_bytes = chips[0]->hbm->bytes_served();
  finish_hbm_run(req, tokens, totals, "chip", res);
  if (req.trace) res.trace_json = trace.to_json();
  return res;
}

}  // namespace decodesim::system
