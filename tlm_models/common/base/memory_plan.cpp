#include "common/base/memory_plan.h"

#include <algorithm>

namespace decodesim {
namespace {

constexpr Bytes kLayerAlign = Bytes{1} << 20;  // identical layers start on the same HBM interleave phase
constexpr Bytes kKernelAlign = 4096;

Bytes align_up(Bytes v, Bytes a) { return (v + a - 1) / a * a; }

}  // namespace

MemoryPlan plan_memory(const KernelGraph& g, std::uint64_t max_context, Bytes base) {
  MemoryPlan p;
  p.weight_base.assign(g.kernels.size(), 0);
  p.kv_base.assign(g.kernels.size(), 0);
  Bytes addr = align_up(base, kLayerAlign);
  int layer = -2;
  for (std::size_t i = 0; i < g.kernels.size(); ++i) {
    const Kernel& k = g.kernels[i];
    if (k.layer != layer) {
      addr = align_up(addr, kLayerAlign);
      layer = k.layer;
    }
    p.weight_base[i] = addr;
    Bytes footprint = k.weight_bytes;
    if (k.kind == KernelKind::Embedding) {
      // The table is resident; a token only gathers its rows.
      p.embedding_row_stride = k.n * dtype_bits(k.weight_dtype) / 8;
      footprint = std::max<Bytes>(footprint, k.k * p.embedding_row_stride);
    }
    addr += align_up(footprint, kKernelAlign);
  }
  addr = align_up(addr, kLayerAlign);
  // KV cache: per layer, K then V, each [group][position][head_dim]; an MLA layer keeps one
  // latent row per position that serves as both (kv_v_offset 0).
  for (std::size_t i = 0; i < g.kernels.size(); ++i) {
    const Kernel& k = g.kernels[i];
    if (k.kind != KernelKind::Attention) continue;
    const Bytes row = k.k * dtype_bits(k.kv_dtype) / 8;
    // A mixed step's decoding sequences hold their groups after the prefill's.
    const std::uint64_t groups = k.groups + (k.decode_part ? k.decode_part->groups : 0);
    p.kv_row_bytes = row;
    p.kv_groups = groups;
    p.kv_group_stride = align_up(max_context * row, kKernelAlign);
    p.kv_v_offset = k.kv_shared ? 0 : p.kv_group_stride * groups;
    const Bytes layer_bytes = align_up(k.kv_rows() * p.kv_group_stride * groups, kLayerAlign);
    p.kv_base[i] = addr;
    for (std::size_t j = 0; j < g.kernels.size(); ++j)
      if (g.kernels[j].layer == k.layer && g.kernels[j].kind == KernelKind::KvAppend) p.kv_base[j] = addr;
    addr += layer_bytes;
  }
  p.total_bytes = addr;
  return p;
}

const MemoryPlan& plan_for(const std::vector<MemoryPlan>& plans, const KernelGraph& g) {
  return g.phase == Phase::Draft && plans.size() > 1 ? plans[1] : plans.front();
}

}  // namespace decodesim
