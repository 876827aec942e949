#include "wse/wse_region.h"

#include <algorithm>

#include "workload/lowering.h"

namespace decodesim::wse {
namespace {

Cycles per_pe(std::uint64_t work, std::uint64_t pes, std::uint64_t rate) {
  return work == 0 ? 0 : ceil_div<std::uint64_t>(work, pes * rate);
}

/// Cycles to push `elements` of `dt` through one link (wavelets of link_bytes_per_cycle).
Cycles serial(const WseConfig& cfg, std::uint64_t elements, DType dt) {
  const Bytes b = workload::bytes_of(elements, dt);
  return b == 0 ? 0 : ceil_div<Bytes>(b, cfg.fabric.link_bytes_per_cycle);
}

}  // namespace

KernelCost kernel_cost(const WseConfig& cfg, const Kernel& k, const Region& r) {
  KernelCost c;
  const std::uint64_t pes = r.pes();
  c.compute = per_pe(k.flops, pes, cfg.flops_per_cycle(k.weight_dtype)) +
              per_pe(k.vector_ops, pes, cfg.pe.vector_ops_per_cycle);
  c.sram = std::max(per_pe(k.memory_read_bytes(), pes, cfg.pe.sram_read_bytes_per_cycle),
                    per_pe(k.kv_write_bytes, pes, cfg.pe.sram_write_bytes_per_cycle));
  const std::uint64_t traverse = std::uint64_t{r.w - 1} + (r.h - 1);  // corner to corner
  const std::uint64_t hop = cfg.fabric.hop_cycles;
  const std::uint64_t rows = k.m * k.groups;
  switch (k.kind) {
    case KernelKind::Gemm:
      c.fabric = traverse * hop + serial(cfg, ceil_div<std::uint64_t>(k.k, r.h) * rows, k.act_dtype) +
                 serial(cfg, ceil_div<std::uint64_t>(k.n, r.w) * rows, k.act_dtype);
      break;
    case KernelKind::Attention:
      c.fabric = 2 * traverse * hop + serial(cfg, ceil_div<std::uint64_t>(k.m * k.k * k.groups, r.h), k.act_dtype) +
                 serial(cfg, ceil_div<std::uint64_t>(k.m * k.value_dim() * k.groups, r.w), k.act_dtype);
      break;
    case KernelKind::RmsNorm:
      c.fabric = 2 * traverse * hop + 2 * serial(cfg, k.m, k.act_dtype);
      break;
    case KernelKind::Embedding:
      c.fabric = traverse * hop + serial(cfg, ceil_div<std::uint64_t>(k.m * k.n, r.h), k.act_dtype);
      break;
    case KernelKind::Rope:
    case KernelKind::KvAppend:
    case KernelKind::Residual:
    case KernelKind::SiluMul:
    case KernelKind::AllReduce:  // not lowered here: a wafer holds whole layers (no tensor shards)
      break;
  }
  return c;
}

Cycles handoff_cycles(const WseConfig& cfg, const Region& from, const Region& to, Bytes bytes) {
  // Regions side by side in one band share a vertical edge of min(h) links; regions in
  // neighbouring bands share a horizontal one.
  const bool same_band = from.y == to.y;
  const std::uint64_t links = std::max<std::uint64_t>(1, same_band ? std::min(from.h, to.h) : std::min(from.w, to.w));
  return hops_between(from, to) * cfg.fabric.hop_cycles +
         ceil_div<std::uint64_t>(bytes, links * cfg.fabric.link_bytes_per_cycle);
}

Picos kernel_roofline(const WseConfig& cfg, const Kernel& k) {
  const double hz = cfg.clock_ghz * 1e9, pes = static_cast<double>(cfg.pes());
  const double read_s = static_cast<double>(k.memory_read_bytes()) / (pes * cfg.pe.sram_read_bytes_per_cycle * hz);
  const double write_s = static_cast<double>(k.kv_write_bytes) / (pes * cfg.pe.sram_write_bytes_per_cycle * hz);
  const double flop_s = static_cast<double>(k.flops) / cfg.peak_flops(k.weight_dtype);
  return static_cast<Picos>(std::max({read_s, write_s, flop_s}) * kPicosPerSecond);
}

}  // namespace decodesim::wse
