// What an LPU run adds to the result, as figures: placement per stage, the token's critical
// path, one user's latency and the pipelined throughput. report/ formats it (result.json's
// `lpu` section, the console lines); nothing here is text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/base/time_breakdown.h"
#include "common/base/units.h"
#include "lpu/lpu_compiler.h"
#include "lpu/lpu_config.h"

namespace decodesim::system {

struct LpuStageSummary {
  lpu::StagePlan plan;             ///< chips, layers, what it holds
  Bytes sram_bytes = 0;            ///< MEM bytes of the stage's path chip, all tokens
  Picos span = 0;                  ///< input to last kernel, summed over tokens
  TimeBreakdown path;              ///< the stage's share of the token path, all tokens
  double sram_bw_utilisation = 0;  ///< sram_bytes per token over (token latency × MEM peak)
};

struct LpuSummary {
  lpu::Partition partition = lpu::Partition::Pipeline;
  std::uint32_t chips_per_stage = 1, stages = 1;
  double tokens = 1;                    ///< steps run (the per-token figures divide by it)
  double token_latency_s = 0;           ///< one user's, per token
  double pipelined_tokens_per_s = 0;    ///< with a micro-batch in every stage
  std::uint64_t users_in_flight = 0;
  double max_stage_occupancy_s = 0;
  double sram_peak_bytes_per_s = 0;
  TimeBreakdown path;                   ///< the token's critical path, all tokens
  std::size_t kernels_per_token = 0;    ///< on the path
  Bytes capacity = 0;                   ///< SRAM per chip
  std::vector<LpuStageSummary> stage;
  double sram_bw_utilisation_max = 0;
};

}  // namespace decodesim::system
