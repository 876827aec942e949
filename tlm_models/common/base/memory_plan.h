// Where a chip keeps each kernel's weights and each layer's KV cache in its main memory.
// The layout is architecture-neutral: the TPU and GPU tiles both stream from it, and the
// layer-aligned placement is what makes replaying identical layers sound (docs/reuse.md).
#pragma once

#include <cstdint>
#include <vector>

#include "common/base/kernel_graph.h"

namespace decodesim {

/// Where each kernel's weights and each layer's KV cache live in HBM.
struct MemoryPlan {
  std::vector<Bytes> weight_base;  ///< per kernel index of the graph
  std::vector<Bytes> kv_base;      ///< per kernel index (Attention, KvAppend); 0 otherwise
  Bytes kv_group_stride = 0;       ///< bytes between consecutive (batch, kv head) groups of one of K or V
  Bytes kv_v_offset = 0;           ///< V cache offset from the layer's K cache
  Bytes kv_row_bytes = 0;          ///< one position of one KV head (head_dim × kv dtype)
  std::uint64_t kv_groups = 0;     ///< (sequence, KV head) pairs per layer on this chip
  Bytes embedding_row_stride = 0;
  Bytes total_bytes = 0;           ///< highest address used
};

/// Lays out weights kernel by kernel (each layer aligned so identical layers see identical
/// address patterns) followed by the KV cache sized for `max_context` positions, from `base` up.
MemoryPlan plan_memory(const KernelGraph& g, std::uint64_t max_context, Bytes base = 0);

/// The plan step `g` addresses through: plans[1] (a speculative draft model's weights and KV,
/// laid out above the target's) for a Draft step when there is one, else plans[0].
const MemoryPlan& plan_for(const std::vector<MemoryPlan>& plans, const KernelGraph& g);

}  // namespace decodesim
