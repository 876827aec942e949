#include "system/tpu_system.h"

#include <systemc>

#include <cstdio>
#include <memory>

#include "common/base/sc_time_conv.h"
#include "memory/hbm/hbm.h"
#include "memory/link/collective.h"
#include "memory/link/link.h"
#include "system/tensor_parallel.h"
#include "tpu/tpu_tile.h"

namespace decodesim::system {
namespace {

class TpuChip : public sc_core::sc_module {
 public:
  memory::Hbm hbm;
  tpu::TpuTile tile;
  memory::Link link_x;  ///< this chip's outgoing link along x (ring or torus)
  memory::Link link_y;  ///< along y (torus2d only)

  TpuChip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t chip)
      : sc_core::sc_module(name),
        hbm("hbm", cfg.hbm),
        tile("tile", cfg.tpu, cfg.dma, cfg.hbm.peak_bytes_per_s(), chip),
        link_x(std::string(name) + ".link_x", cfg.link),
        link_y(std::string(name) + ".link_y", cfg.link) {
    // Connect
    tile.dma.socket.bind(hbm.target);
  }
};

}  // namespace

RunResult simulate_tpu(const RunRequest& req) {
  const SystemConfig& cfg = req.cfg;
  const std::uint32_t tp = cfg.system.chips;

  // Sharding errors point at system.chips, where the user chose the degree.
  workload::shard_model(req.model, tp, config::loc_of(cfg.tree.find("system"), "chips"), "system.chips");
  const Bytes resident = workload::resident_bytes_per_chip(req.model, req.scenario, tp);
  if (resident > cfg.hbm.capacity_bytes())
    throw_hbm_too_small(req, resident, "weights + KV cache", "chip",
                        (resident * tp + cfg.hbm.capacity_bytes() - 1) / cfg.hbm.capacity_bytes());

  std::vector<KernelGraph> tokens;
  for (std::uint32_t t = 0; t < req.scenario.tokens; ++t)
    tokens.push_back(workload::lower(req.model, req.scenario, t, tp));
  const MemoryPlan plan = plan_memory(tokens.front(), req.scenario.context + req.scenario.tokens);

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
      chip.hbm.set_trace(&trace, static_cast<int>(c));
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
  res.peak_mem_bytes_per_s = cfg.hbm.peak_bytes_per_s();
  res.peak_flops = cfg.tpu.peak_flops();
  res.link_bytes_per_s = cfg.link.bandwidth_gbytes_per_s * 1e9;
  for (auto& chip : chips) {
    if (!chip->tile.finished())
      throw SimulationError("watchdog: run not finished at sim.max_simulated_s = " +
                            std::to_string(cfg.sim.max_simulated_s) + " s (stopped at " +
                            std::to_string(picos_to_seconds(sc_now_picos())) + " s): " +
                            std::string(chip->tile.name()) + " finished " +
                            std::to_string(chip->tile.records().size()) + " kernels");
  }
  double mem_bytes = 0, link_bytes = 0, sram_bits = 0, macs = 0, vec = 0;
  Bytes chip0_mem = 0, chip0_flops = 0, chip0_coll = 0;
  for (std::uint32_t c = 0; c < simulated; ++c) {
    TpuChip& chip = *chips[c];
    for (KernelRecord r : chip.tile.records()) {
      if (r.kind == KernelKind::AllReduce) {
        for (const auto& g : tokens)
          for (const auto& k : g.kernels)
            if (k.name == r.name) r.roofline = all_reduce_bound(cfg, k.collective_bytes);
      }
      mem_bytes += static_cast<double>(r.mem_bytes);
      link_bytes += static_cast<double>(r.link_bytes);
      if (c == 0) {
        chip0_mem += r.mem_bytes;
        chip0_flops += r.flops;
      }
      res.total_time = std::max(res.total_time, r.end);
      res.records.push_back(std::move(r));
    }
    sram_bits += chip.tile.sram_bits();
    macs += chip.tile.macs();
    vec += chip.tile.vector_ops();
    StatGroup& g = res.stats.group(std::string(chip.name()));
    g.group("hbm") = chip.hbm.stats();
    g.group("dma") = chip.tile.dma.stats();
    g.group("link_x") = chip.link_x.stats();
    if (cfg.system.topology == Topology::Torus2d) g.group("link_y") = chip.link_y.stats();
  }
  res.reused_layers = chips[0]->tile.reused_layers();
  res.memory_served_bytes = chips[0]->hbm.bytes_read() + chips[0]->hbm.bytes_written();
  for (const auto& g : tokens) {
    res.workload_memory_bytes += g.total_memory_bytes();
    for (const auto& k : g.kernels) chip0_coll += all_reduce_bound(cfg, k.collective_bytes);
  }
  const double mem_s = static_cast<double>(chip0_mem) / res.peak_mem_bytes_per_s;
  const double flop_s = static_cast<double>(chip0_flops) / res.peak_flops;
  res.roofline = std::max<Picos>(static_cast<Picos>(std::max(mem_s, flop_s) * kPicosPerSecond), chip0_coll);

  // Symmetric shards that were not elaborated did exactly what chip 0 did.
  const double scale = static_cast<double>(tp) / simulated;
  const bool int_path = req.scenario.weight_dtype != DType::BF16;
  res.energy.hbm_bits = mem_bytes * 8 * scale;
  res.energy.sram_bits = sram_bits * scale;
  (int_path ? res.energy.macs_int8 : res.energy.macs_bf16) = macs * scale;
  res.energy.vector_ops = vec * scale;
  res.energy.link_bits = link_bytes * 8 * scale;
  res.energy.link_pj_per_bit = cfg.link.pj_per_bit;
  res.energy.seconds = picos_to_seconds(res.total_time);
  res.energy.chips = tp;
  if (req.trace) res.trace_json = trace.to_json();
  if (reuse && tp > 1)
    res.notes.push_back("tensor-parallel shards are symmetric: chip 0 was simulated and stands for all " +
                        std::to_string(tp) + " chips (exact; --no-reuse elaborates every chip)");
  if (res.reused_layers > 0)
    res.notes.push_back(std::to_string(res.reused_layers) +
                        " decoder layers replayed from layer 1 (--no-reuse simulates every layer; see docs/reuse.md)");
  return res;
}

}  // namespace decodesim::system
