// A TPU chip of the netlist: a TPU tile whose DMA issues to the chip's memory. The RDU socket
// (rdu_system.cpp) is the same chip with more memory tiers in front of the HBM, so it derives
// from this one and adds only what it has beyond it.
#pragma once

#include <systemc>

#include "system/hbm_arch.h"
#include "system/memory_edge.h"
#include "tpu/tpu_tile.h"

namespace decodesim::system {

class TpuChip : public TileChip<tpu::TpuTile> {
 public:
  TpuChip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t chip) : TpuChip(name, cfg, chip, Unbound{}) {
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

 protected:
  /// For a derived chip that puts something between the DMA and the HBM: the tile is built,
  /// its DMA left unbound for the derived constructor to connect.
  struct Unbound {};
  TpuChip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t chip, Unbound)
      : TileChip(name, cfg, "tile", cfg.tpu, cfg.dma, tlm_settings(cfg.sim), chip) {}
};

}  // namespace decodesim::system
