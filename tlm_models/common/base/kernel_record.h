// What one kernel instance did on the modelled hardware: the row behind every console
// line, kernels.csv row and result.json kernel entry. Filled by the architecture tiles.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/base/kernel_graph.h"
#include "common/base/time_breakdown.h"

namespace decodesim {

struct KernelRecord {
  std::string name;
  KernelKind kind = KernelKind::Gemm;
  std::string op;
  int layer = -1;
  std::uint32_t token = 0;
  std::uint32_t chip = 0;

  // The kernel's shape and dtypes as lowered (see Kernel): GEMM y[m,n] = x[m,k]·W[k,n] in
  // `groups` instances; other kinds use m/n/k as Kernel documents. Reports show them.
  std::uint64_t m = 0, n = 0, k = 0, groups = 1;
  DType weight_dtype = DType::BF16, act_dtype = DType::BF16, kv_dtype = DType::BF16;

  Picos start = 0;        ///< first activity (a prefetch may start before the predecessor ends)
  Picos end = 0;
  Picos exclusive = 0;    ///< end minus the predecessor's end: this kernel's share of the token time
  Cycles cycles = 0;      ///< in the tile's core clock
  Bytes mem_bytes = 0;    ///< bytes the main memory served for this kernel (measured)
  Bytes link_bytes = 0;   ///< bytes this chip sent over its links
  std::uint64_t flops = 0;
  std::uint64_t vector_ops = 0;
  Picos roofline = 0;     ///< physical lower bound for this kernel on this system
  std::string bound;      ///< memory | compute | weight_load | vector | link | latency | overhead
  bool reused = false;    ///< copied from an identical, simulated instance
  Phase phase = Phase::Decode;  ///< the turn phase of the step (docs/turns.md)

  /// Where the time went, per mechanism: overlapping busy times (TPU, LPU) or a partition of
  /// `exclusive` (GPU); the type says which.
  TimeBreakdown breakdown;

  Picos duration() const { return end - start; }
  Picos part(TimePart p) const { return breakdown[p]; }
};

/// A record of kernel `k` of token `token` on chip `chip` with everything the kernel itself
/// says (identity, shape, dtypes, FLOPs, vector ops) filled in; the tile adds what it measured.
KernelRecord record_for(const Kernel& k, std::uint32_t token, std::uint32_t chip);

/// Names the bound from busy times: the largest mechanism if it covers at least half of the
/// kernel's time, otherwise "latency" (nothing was busy enough: dependencies and fixed costs).
std::string classify_bound(Picos duration, const std::vector<std::pair<std::string, Picos>>& demands);

}  // namespace decodesim
