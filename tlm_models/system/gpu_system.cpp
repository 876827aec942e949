// The GPU's part of the netlist: a chip is an SM cluster whose memory front end (L1, NoC, L2)
// issues to the GPU's memory.
#include <systemc>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "gpu/gpu_tile.h"
#include "system/hbm_arch.h"
#include "system/memory_edge.h"

namespace decodesim::system {
namespace {

class GpuChip : public TileChip<gpu::GpuTile> {
 public:
  GpuChip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t chip)
      : TileChip(name, cfg, "sm_cluster", cfg.gpu, tlm_settings(cfg.sim), chip), m_chips(cfg.system.chips) {
    // Connect
    connect_memory(tile.mem, *hbm, cfg, checker, "mem_checker");
  }

  void add_energy_counts(ChipTotals& totals) const override {
    totals.sram_bits += tile.sram_bits();
    totals.macs += tile.macs();
    totals.vector_ops += tile.cuda_ops();
  }
  void fill_stats(StatGroup& g, SystemTop& top, std::uint32_t chip) const override {
    g.group("hbm") = hbm->stats();
    g.group("sm_cluster") = tile.stats();
    if (m_chips > 1) g.group("link_x") = top.link(chip, "link_x").stats();
    if (link_y) g.group("link_y") = top.link(chip, "link_y").stats();
  }

 private:
  std::uint32_t m_chips;
};

class GpuArch : public HbmArch {
 public:
  explicit GpuArch(const RunRequest& req)
      : HbmArch(req, Traits{"gpu", "GPU",
                            req.cfg.gpu.peak_flops(gpu::mma_dtype(req.scenario.weight_dtype, req.scenario.act_dtype))}) {
    // fp8 activations meet fp8 weights or KV in the MMA itself; a GPU without fp8 tensor cores
    // (A100) would otherwise be credited the packed 8-bit rate it only has for int8.
    if (!m_cfg.gpu.tensor_core.fp8 && req.scenario.act_dtype == DType::FP8) {
      const config::Node* gpu = m_cfg.tree.find("gpu");
      const config::Node* tc = gpu ? gpu->find("tensor_core") : nullptr;
      throw config::InputError(config::loc_of(tc, "fp8"), "gpu.tensor_core.fp8",
                               "this GPU has no fp8 tensor cores, so it cannot run fp8 activations (scenario.act_dtype "
                               "fp8)",
                               "false", "--act-dtype bf16 or int8 (fp8 weights then run dequantised), or a GPU with fp8 "
                               "tensor cores (gpu_h100)");
    }
    // Weights + KV as laid out, plus the activation and partial-result buffers above them. The
    // plan lays out what the simulated tokens touch; an MoE model keeps every expert resident, so
    // the resident count (all experts) is the floor.
    const std::uint32_t tp = m_cfg.system.chips;
    const Bytes resident = req.graphs.empty() ? resident_bytes(tp) : 0;
    const Bytes need =
        std::max(m_plans.back().total_bytes, resident) + gpu::GpuTile::on_chip_region_bytes(m_cfg.gpu, m_tokens);
    if (need > m_cfg.hbm.capacity_bytes()) {
      // Activation buffers shrink with more GPUs; today's share is a safe bound for the estimate.
      const Bytes extra = need > resident ? need - resident : 0;
      throw_hbm_too_small(req, need, "weights + KV cache + activations", "GPU", [&](std::uint32_t chips) {
        // A single GEMM (decodesim gemm) has no model to shard: its need is what it is.
        return req.graphs.empty() ? resident_bytes(chips) + extra : need;
      });
    }
  }

 protected:
  std::unique_ptr<HbmChip> make_hbm_chip(const char* name, std::uint32_t index) override {
    return std::make_unique<GpuChip>(name, m_cfg, index);
  }
  void add_notes(HbmChip& chip0, RunResult& res) const override {
    const auto& m = static_cast<GpuChip&>(chip0).tile.mem;
    char line[256];
    std::snprintf(line, sizeof line,
                  "L2 (GPU 0, simulated kernels): %.3f GB read hits, %.3f GB read misses = HBM reads %.3f GB; "
                  "%.1f%% of requests crossed partitions",
                  m.l2_read_hit_bytes() / 1e9, m.l2_read_miss_bytes() / 1e9, m.hbm_read_bytes() / 1e9,
                  m.requests() ? 100.0 * m.far_requests() / m.requests() : 0.0);
    res.notes.push_back(line);
  }
};

}  // namespace

std::unique_ptr<ArchBuilder> make_gpu_arch(const RunRequest& req) { return std::make_unique<GpuArch>(req); }

}  // namespace decodesim::system
