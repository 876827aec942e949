// What one kernel costs on the region of PEs that holds it (pure C++, no SystemC).
//
// A region of w x h PEs holds its unit's weights (and, for a layer, its KV cache) spread
// evenly over its PEs; only its PEs work on its kernels. Per kernel, in cycles of the wafer
// clock:
//   compute = FLOPs / (PEs x FLOP/cycle at the weights' width) + element ops / (PEs x ops/cycle)
//   sram    = max(weights + KV read / (PEs x read B/cycle), KV written / (PEs x write B/cycle))
//   fabric  = hops x hop_cycles + serialisation on the fabric links (below)
//   time    = max(compute, sram) + fabric   (+ the hand-off from the previous region)
// Fabric, by kernel (W[k,n] of a GEMM lies on the region as an h x w grid of blocks):
//   GEMM:      x's k/h-element slices flow along the h rows (w-1 hops), the n/w-element partial
//              sums reduce down the w columns (h-1 hops); each serialised on one link.
//   attention: q broadcast into the region over its h rows, the softmax statistics reduced and
//              broadcast back (one more traversal), the output reduced over its w columns.
//   RMSNorm:   the sum of squares reduced to one PE and the scale broadcast back.
//   embedding: the gathered row crosses the table's region.
//   RoPE, residual, SiLU x up, KV append: local to each PE (no fabric).
// Hand-off: the token rows' hidden vector moves from one region to the next: the hops
// between their centres plus its serialisation over the shared edge's links.
#pragma once

#include <cstdint>

#include "common/base/kernel_graph.h"
#include "common/base/units.h"
#include "wse/wse_config.h"
#include "wse/wse_placement.h"

namespace decodesim::wse {

struct KernelCost {
  Cycles compute = 0;
  Cycles sram = 0;
  Cycles fabric = 0;
  Cycles handoff = 0;  ///< moving the activations in from the previous region
  Cycles total() const { return (compute > sram ? compute : sram) + fabric + handoff; }
};

/// The kernel's compute, SRAM and fabric cycles on `region` (handoff left 0).
KernelCost kernel_cost(const WseConfig& cfg, const Kernel& k, const Region& region);

/// Cycles to move `bytes` of activations from region `from` to region `to`.
Cycles handoff_cycles(const WseConfig& cfg, const Region& from, const Region& to, Bytes bytes);

/// The kernel's physical lower bound on the whole wafer (every PE reading and computing): ps.
Picos kernel_roofline(const WseConfig& cfg, const Kernel& k);

}  // namespace decodesim::wse
