// The TPU's part of the netlist: a chip is a TPU tile whose DMA issues to the chip's memory.
#include <systemc>

#include <memory>

#include "system/hbm_arch.h"
#include "system/memory_edge.h"
#include "tpu/tpu_tile.h"

namespace decodesim::system {
namespace {

class TpuChip : public TileChip<tpu::TpuTile> {
 public:
  TpuChip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t chip)
      : TileChip(name, cfg, "tile", cfg.tpu, cfg.dma, tlm_settings(cfg.sim), chip) {
    // Connect
    connect_memory(tile.dma, *hbm, cfg, checker, "dma_checker");
  }

  void add_energy_counts(ChipTotals& totals) const override {
    totals.sram_bits += tile.sram_bits();
    totals.macs += tile.macs();
    totals.vector_ops += tile.vector_ops();
  }
  void fill_stats(StatGroup& g, SystemTop& top, std::uint32_t chip) const override {
    g.group("hbm") = hbm->stats();
    g.group("dma") = tile.dma.stats();
    g.group("link_x") = top.link(chip, "link_x").stats();
    if (link_y) g.group("link_y") = top.link(chip, "link_y").stats();
  }
};

class TpuArch : public HbmArch {
 public:
  explicit TpuArch(const RunRequest& req) : HbmArch(req, Traits{"chip", "chip", req.cfg.tpu.peak_flops()}) {
    check_tpu_fit(req);
  }

 protected:
  std::unique_ptr<HbmChip> make_hbm_chip(const char* name, std::uint32_t index) override {
    return std::make_unique<TpuChip>(name, m_cfg, index);
  }
};

}  // namespace

void check_tpu_fit(const RunRequest& req) {
  if (!req.graphs.empty()) return;
  const std::uint32_t tp = req.cfg.system.chips;
  const Bytes resident = resident_bytes_per_chip(req, tp);
  if (resident > req.cfg.hbm.capacity_bytes())
    throw_hbm_too_small(req, resident, "weights + KV cache", "chip",
                        [&](std::uint32_t chips) { return resident_bytes_per_chip(req, chips); });
}

std::unique_ptr<ArchBuilder> make_tpu_arch(const RunRequest& req) { return std::make_unique<TpuArch>(req); }

}  // namespace decodesim::system
