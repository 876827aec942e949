// What the TPU and GPU netlists share: a chip is a tile that issues memory transactions to its
// HBM (or an external memory target) and runs tensor-parallel collectives over its outgoing
// link ports; the system is `system.chips` such chips on a ring or 2D torus. The per-architecture
// code (tpu_system.cpp, gpu_system.cpp) supplies only its chip (its tile and what it reports)
// and its fit check.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/base/memory_plan.h"
#include "memory/link/link_module.h"
#include "memory/tlm/memory_target.h"
#include "memory/tlm/protocol_checker.h"
#include "system/netlist.h"
#include "system/tensor_parallel.h"

namespace decodesim::system {

/// The collective hook the tiles take: completion time of kernel `k` ready at `ready`, and the
/// bytes this chip sent.
using CollectiveFn = std::function<Picos(const Kernel&, Picos ready, Bytes* link_bytes)>;

/// One TPU or GPU chip: its memory, its link ports, and (in the derived class) its tile.
class HbmChip : public Chip {
 public:
  std::unique_ptr<memory::MemoryTarget> hbm;  ///< built-in HBM or an external target (memory.impl)
  memory::LinkPort link_x;                    ///< ring, or x of a torus
  std::unique_ptr<memory::LinkPort> link_y;   ///< torus2d only
  std::unique_ptr<memory::ProtocolChecker> checker;  ///< on the tile → memory binding (sim.check_protocol)

  HbmChip(sc_core::sc_module_name name, const SystemConfig& cfg);
  /// The sending end of link `port` (the collectives send through it).
  memory::LinkPort& link_port(const std::string& port);
  tlm::tlm_initiator_socket<>& link_out(const std::string& port) override { return link_port(port).socket; }

  // The tile, as the shared sequence drives and reads it.
  virtual void load(std::vector<KernelGraph> tokens, std::vector<MemoryPlan> plans, bool reuse) = 0;
  virtual void set_collective(CollectiveFn fn) = 0;
  virtual void set_trace(TraceWriter* trace, int chip) = 0;
  virtual std::string tile_name() const = 0;
  virtual bool finished() const = 0;
  virtual const std::vector<KernelRecord>& records() const = 0;
  virtual std::uint32_t reused_layers() const = 0;
  /// Adds the tile's energy event counts (SRAM bits, MACs, vector ops) to `totals`.
  virtual void add_energy_counts(ChipTotals& totals) const = 0;
  /// Fills the chip's stats group (its memory, its tile, its links as `top` built them).
  virtual void fill_stats(StatGroup& g, SystemTop& top, std::uint32_t chip) const = 0;
};

/// An HbmChip whose tile is a `Tile` (TpuTile, GpuTile): the tile calls they share, forwarded once.
template <class Tile>
class TileChip : public HbmChip {
 public:
  Tile tile;

  template <class... TileArgs>
  TileChip(sc_core::sc_module_name name, const SystemConfig& cfg, const char* tile_name, TileArgs&&... args)
      : HbmChip(name, cfg), tile(tile_name, std::forward<TileArgs>(args)...) {}

  void load(std::vector<KernelGraph> tokens, std::vector<MemoryPlan> plans, bool reuse) override {
    tile.load(std::move(tokens), std::move(plans));
    tile.set_reuse(reuse);
  }
  void set_collective(CollectiveFn fn) override { tile.set_collective(std::move(fn)); }
  void set_trace(TraceWriter* trace, int chip) override {
    tile.set_trace(trace);
    hbm->set_trace(trace, chip);
  }
  std::string tile_name() const override { return tile.name(); }
  bool finished() const override { return tile.finished(); }
  const std::vector<KernelRecord>& records() const override { return tile.records(); }
  std::uint32_t reused_layers() const override { return tile.reused_layers(); }
};

/// The shared TPU/GPU builder: shards and lowers the workload, lays out memory, builds
/// `elaborated_chips()` chips with their links, wires the collectives, and collects.
class HbmArch : public ArchBuilder {
 public:
  struct Traits {
    std::string chip_prefix;  ///< module names: "<prefix><index>"
    std::string chip_word;    ///< in notes and errors: "chip", "GPU"
    double peak_flops = 0;    ///< per chip, for the roofline
  };

  HbmArch(const RunRequest& req, Traits traits);

  std::uint32_t elaborated_chips() const override { return m_simulated; }
  std::vector<LinkSpec> links(std::uint32_t chip) const override;
  void connected(SystemTop& top) override;
  RunResult collect(SystemTop& top) override;

 protected:
  /// Chip `index`, named `name`; the base loads it and wires it.
  virtual std::unique_ptr<HbmChip> make_hbm_chip(const char* name, std::uint32_t index) = 0;
  /// Lines under the table that only this architecture prints.
  virtual void add_notes(HbmChip& /*chip0*/, RunResult& /*res*/) const {}
  std::unique_ptr<Chip> make_chip(std::uint32_t index) override;

  const RunRequest& m_req;
  const SystemConfig& m_cfg;
  Traits m_traits;
  std::vector<KernelGraph> m_tokens;
  std::vector<MemoryPlan> m_plans;  ///< the target's; then the draft's above it (speculative, same chips)
  Bytes resident_bytes(std::uint32_t chips) const;  ///< resident_bytes_per_chip(m_req, chips)
  std::uint32_t m_simulated;
  Barrier m_barrier;
};

std::unique_ptr<ArchBuilder> make_tpu_arch(const RunRequest& req);
std::unique_ptr<ArchBuilder> make_gpu_arch(const RunRequest& req);
std::unique_ptr<ArchBuilder> make_rdu_arch(const RunRequest& req);

/// Bytes resident on each of `chips` chips: the target's weights and KV, plus an in-run draft's.
Bytes resident_bytes_per_chip(const RunRequest& req, std::uint32_t chips);

/// The TPU tile's fit check (weights + KV cache per chip in HBM); throws config::InputError.
void check_tpu_fit(const RunRequest& req);

}  // namespace decodesim::system
