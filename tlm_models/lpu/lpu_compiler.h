// The LPU compiler pass: places a model's weights and KV cache in the MEM slices of a chain of
// chip groups (pipeline stages) and emits, per token, the ordered program each stage runs.
//
// Partitioning (DESIGN.md "LPU tile"):
//  - pipeline: one chip per stage; consecutive decoder layers per chip.
//  - tensor:   `tensor_parallel` chips per stage share each of the stage's layers
//              (Megatron-style shards, workload::lower with that degree); stages still
//              take consecutive layers. stages = chips / tensor_parallel.
// The embedding table goes to stage 0 (column-sharded over its chips, then all-gathered),
// the final norm and LM head to the last stage. Layers are cut into stages to minimise the
// largest per-chip footprint (exact dynamic programme over contiguous cuts), so the result is
// deterministic and the same input always yields the same placement.
//
// Inside a chip every tensor is striped vector by vector over all MEM slices (the compiler
// spreads a tensor so all slices can feed the streams at once); see README.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/kernel_graph.h"
#include "common/config/error.h"
#include "lpu/lpu_config.h"
#include "workload/lowering.h"

namespace decodesim::lpu {

/// One pipeline stage: a group of chips running the same layers on their tensor shards.
struct StagePlan {
  std::uint32_t index = 0;
  std::uint32_t first_chip = 0;  ///< chips [first_chip, first_chip + group)
  int first_layer = 0;           ///< decoder layers [first_layer, end_layer)
  int end_layer = 0;
  bool embedding = false;        ///< holds the (column-sharded) embedding table
  bool head = false;             ///< holds the final norm and LM head
  Bytes weight_bytes = 0;        ///< per chip, resident
  Bytes kv_bytes = 0;            ///< per chip, KV cache at the scenario's largest context
  Bytes resident() const { return weight_bytes + kv_bytes; }
};

/// Where everything lives: the placement pass's result.
struct Placement {
  std::uint32_t chips = 1;
  std::uint32_t group = 1;      ///< chips per stage
  std::uint32_t stages = 1;
  Bytes capacity = 0;           ///< SRAM per chip
  Bytes slice_bytes = 0;        ///< SRAM per MEM slice
  std::vector<StagePlan> stage;
  Bytes needed_total = 0;       ///< weights + KV over all chips as placed
  Bytes kv_per_user_per_chip_max = 0;  ///< one sequence's KV on the most loaded chip (users-in-flight limit)
};

/// Per-chip bytes of each placeable unit for a group of `group` chips: the embedding shard,
/// each decoder layer (weights + its KV cache), and the head (final norm + LM head shard).
struct Footprint {
  Bytes embedding = 0;
  std::vector<Bytes> layer;
  std::vector<Bytes> layer_weights;
  Bytes head = 0;
  Bytes kv_per_layer = 0;       ///< per chip, all sequences of the scenario
  Bytes kv_per_user_layer = 0;  ///< per chip, one sequence
};
Footprint footprint(const workload::ModelSpec& model, const workload::Scenario& sc, std::uint32_t group);

/// Contiguous cut of `units` (embedding, layers..., head) into exactly `stages` non-empty
/// stages minimising the largest per-chip footprint. Returns false if `stages` exceeds the
/// number of units or the best cut still exceeds `capacity`.
bool cut_stages(const Footprint& f, std::uint32_t stages, Bytes capacity, std::vector<StagePlan>* out);

/// "12.34 GB": the refusals' size (the WSE placement's too).
std::string gigabytes(double bytes);

/// The placement pass. Throws config::InputError located at `chips_loc` (system.chips) or
/// `lpu_loc` when: tensor_parallel does not divide the chip count or the model; there are more
/// stages than layers to give them; or the model does not fit — naming the bytes needed and
/// the smallest chip count that fits.
Placement place(const workload::ModelSpec& model, const workload::Scenario& sc, const LpuConfig& cfg,
                std::uint32_t chips, const config::SourceLoc& chips_loc, const config::SourceLoc& lpu_loc);

/// Smallest chip count whose placement fits with chips-per-stage `group` (0 if none up to
/// `max_chips`).
std::uint32_t smallest_fit(const workload::ModelSpec& model, const workload::Scenario& sc, Bytes capacity,
                           std::uint32_t group, std::uint32_t max_chips);

/// The ordered kernels stage `s` runs for token `t` on each of its chips. Compared with the
/// workload's graph for the same shard: the embedding gathers only this chip's column shard
/// and is followed by an all-gather (op "all_gather") when the group has several chips.
std::vector<Kernel> stage_program(const KernelGraph& token_graph, const StagePlan& s, std::uint32_t group);

}  // namespace decodesim::lpu
