// The RDU's part of the netlist (SambaNova SN40L-like; docs/tiers.md): a socket is the TPU tile
// (PCUs in systolic mode streaming weights from HBM through on-chip SRAM) over three memory
// tiers. Its HBM is shared through a TierMux by the tile and the model-switch engine, which
// copies the requested model's weights from the DDR tier into HBM before the first step when
// the scenario says the model is not hot (scenario.tiers.switch_model).
#include <systemc>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "common/base/sc_time_conv.h"
#include "memory/hbm/hbm.h"
#include "system/tpu_chip.h"
#include "tiers/model_switch.h"
#include "tiers/tier_mux.h"

namespace decodesim::system {
namespace {

class RduChip : public TpuChip {
 public:
  memory::Hbm ddr;          ///< the capacity tier
  tiers::TierMux hbm_mux;   ///< the tile and the model switch share the HBM
  tiers::ModelSwitch mover;

  /// `switch_bytes` > 0: copy that many weight bytes DDR → HBM before the first step.
  RduChip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t chip, Bytes switch_bytes,
          Bytes ddr_addr)
      : TpuChip(name, cfg, chip, Unbound{}),
        ddr("ddr", cfg.tiers.ddr),
        hbm_mux("hbm_mux", *hbm),
        mover("model_switch", cfg.tiers.mover, tlm_settings(cfg.sim)) {
    tile.set_prologue([this, switch_bytes, ddr_addr] {
      if (switch_bytes > 0) {
        // The weights land where the memory plan expects them: the plan lays weights out from 0.
        const Picos done = mover.copy(ddr_addr, 0, switch_bytes, sc_now_picos());
        if (done > sc_now_picos()) sc_core::wait(to_sc_time(done - sc_now_picos()));
      }
      m_switch_hbm_bytes = hbm->bytes_served();
    });
    // Connect
    hbm_mux.out.bind(hbm->target_socket());
    connect_memory(tile.dma, hbm_mux, cfg, checker, "dma_checker");
    memory::bind_memory(mover.ddr_dma, ddr);
    mover.hbm_dma.socket.bind(hbm_mux.switch_in);
    mover.hbm_dma.target_info.bind(*hbm);
  }

  /// HBM bytes the model switch served (all of HBM's traffic before the first step).
  Bytes switch_hbm_bytes() const { return m_switch_hbm_bytes; }

  /// The TPU chip's groups, then the tiers it adds.
  void fill_stats(StatGroup& g, SystemTop& top, std::uint32_t chip) const override {
    TpuChip::fill_stats(g, top, chip);
    g.group("ddr") = ddr.stats();
    g.group("model_switch") = mover.stats();
  }

 private:
  Bytes m_switch_hbm_bytes = 0;
};

class RduArch : public HbmArch {
 public:
  explicit RduArch(const RunRequest& req) : HbmArch(req, Traits{"socket", "socket", req.cfg.tpu.peak_flops()}) {
    check_tpu_fit(req);
    if (!req.graphs.empty()) return;
    m_weights = workload::resident_weight_bytes_per_chip(req.model, req.scenario.weight_dtype, m_cfg.system.chips);
    // Every resident model keeps its shard in each socket's DDR, the requested one at the top.
    const Bytes cap = m_cfg.tiers.ddr.capacity_bytes();
    const std::uint32_t models = req.scenario.tiers.resident_models;
    if (static_cast<double>(m_weights) * models > static_cast<double>(cap))
      throw config::InputError(config::SourceLoc{"--set", 1, 1}, "scenario.tiers.resident_models",
                               "models do not fit in DDR: " + std::to_string(models) + " x " + req.model.name +
                                   " need " + gigabytes(static_cast<double>(m_weights) * models) + " per socket, DDR holds " +
                                   gigabytes(static_cast<double>(cap)),
                               std::to_string(models), "at most " + std::to_string(cap / std::max<Bytes>(m_weights, 1)) +
                                                           " models of this size (or a larger tiers.ddr)");
    m_ddr_addr = m_weights * (models - 1);
  }

 protected:
  std::unique_ptr<HbmChip> make_hbm_chip(const char* name, std::uint32_t index) override {
    const Bytes bytes = m_req.scenario.tiers.switch_model ? m_weights : 0;
    return std::make_unique<RduChip>(name, m_cfg, index, bytes, m_ddr_addr);
  }

  RunResult collect(SystemTop& top) override {
    RunResult res = HbmArch::collect(top);
    const auto& chip0 = static_cast<const RduChip&>(top.chip(0));
    const tiers::ModelSwitch& sw = chip0.mover;
    // The decode figures are the HBM traffic after the switch; the switch is held to its own
    // conservation (bytes read from DDR = bytes written into HBM = the model's weight shard).
    res.memory_served_bytes -= chip0.switch_hbm_bytes();
    const Bytes copied = sw.hbm_bytes_written();
    const double ddr_peak = chip0.ddr.peak_bytes_per_s();
    const double bound_s = copied ? static_cast<double>(copied) / std::min(ddr_peak, res.peak_mem_bytes_per_s) : 0.0;
    res.roofline += static_cast<Picos>(bound_s * kPicosPerSecond);
    const double time_s = picos_to_seconds(sw.finished() - sw.started());
    const double ddr_j = static_cast<double>(sw.ddr_bytes_read()) * 8 * m_cfg.tiers.ddr_pj_per_bit * 1e-12;
    const double hbm_j = static_cast<double>(copied) * 8 * m_cfg.energy.hbm_pj_per_bit * 1e-12;
    res.arch_summary["model_switch"] = {
        {"switched", m_req.scenario.tiers.switch_model},
        {"resident_models", m_req.scenario.tiers.resident_models},
        {"weight_bytes_per_socket", m_weights},
        {"ddr_bytes_read", sw.ddr_bytes_read()},
        {"hbm_bytes_written", copied},
        {"time_s", time_s},
        {"roofline_s", bound_s},
        {"ddr_peak_bytes_per_s", ddr_peak},
        {"transfer_energy_j_per_socket", ddr_j + hbm_j}};
    if (copied > 0) {
      char line[320];
      std::snprintf(line, sizeof line,
                    "model switch (scenario.tiers.switch_model): %.3f GB of weights per socket DDR -> HBM in %.3f ms "
                    "(%.0f GB/s, %.0f%% of DDR peak) before the first step; %.3f J per socket for the transfers "
                    "(DDR %.3f J + HBM %.3f J), not in the energy breakdown below",
                    copied / 1e9, time_s * 1e3, time_s > 0 ? copied / time_s / 1e9 : 0.0,
                    time_s > 0 ? 100.0 * copied / time_s / ddr_peak : 0.0, ddr_j + hbm_j, ddr_j, hbm_j);
      res.notes.push_back(line);
    }
    return res;
  }

 private:
  Bytes m_weights = 0;   ///< one socket's weight shard
  Bytes m_ddr_addr = 0;  ///< where the requested model's shard sits in DDR
};

}  // namespace

std::unique_ptr<ArchBuilder> make_rdu_arch(const RunRequest& req) { return std::make_unique<RduArch>(req); }

}  // namespace decodesim::system
