// The TPU's part of the netlist: its chip (system/tpu_chip.h) and its fit check.
#include <systemc>

#include <memory>

#include "system/tpu_chip.h"

namespace decodesim::system {
namespace {

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
