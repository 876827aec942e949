// The WSE placement pass: which wafer holds which layers, and which rectangle of PEs on that
// wafer holds each of them (weights and KV cache stationary in the PEs' SRAM).
//
// 1. Wafers. The model's units (embedding table, decoder layers, head) are cut into contiguous
//    runs, one per wafer, minimising the largest wafer's bytes (the LPU compiler's exact cut,
//    lpu::cut_stages: a wafer is a pipeline stage of one chip). Every expert of an MoE layer and
//    the KV cache at the scenario's largest context are resident. A model that does not fit is
//    refused with the bytes it needs and the smallest wafer count that holds it.
// 2. Regions. On each wafer the units are laid out in `bands` horizontal bands of the mesh,
//    left to right in even bands and right to left in odd ones (boustrophedon), so consecutive
//    units are neighbours. A unit's region is a rectangle: its band's height times a run of
//    columns, at least enough PEs to hold its bytes, the spare columns of the band shared in
//    proportion to the bytes (every PE of the wafer computes). The band count is chosen to
//    minimise the fabric distance a token covers: the sum over regions of (width + height),
//    which a GEMM's broadcast and reduction cross, plus the hops between consecutive regions'
//    centres. Ties go to fewer bands; the result is deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/error.h"
#include "lpu/lpu_compiler.h"
#include "workload/lowering.h"
#include "wse/wse_config.h"

namespace decodesim::wse {

/// A rectangle of PEs holding one unit.
struct Region {
  enum class Unit { Embedding, Layer, Head } unit = Unit::Layer;
  int layer = -1;                 ///< Layer: its index
  std::uint32_t x = 0, y = 0;     ///< lower-left PE
  std::uint32_t w = 0, h = 0;     ///< columns, rows
  Bytes bytes = 0;                ///< resident: weights (+ KV cache for a layer)
  std::uint64_t pes() const { return std::uint64_t{w} * h; }
  /// Centre, in PE coordinates times two (integer).
  std::uint64_t cx2() const { return 2ull * x + w; }
  std::uint64_t cy2() const { return 2ull * y + h; }
};

/// Hops between the centres of two regions (Manhattan distance on the mesh).
std::uint64_t hops_between(const Region& a, const Region& b);

struct WaferPlan {
  lpu::StagePlan stage;           ///< its units: layers [first_layer, end_layer), embedding, head
  std::uint32_t bands = 1;
  std::vector<Region> regions;    ///< in execution order: embedding, layers, head
  std::uint64_t fabric_score = 0; ///< the layout's fabric distance per token (see above)
  /// The region holding layer `l`, or the embedding / head region (layer -1 with `head`).
  const Region& region_of(int layer, bool head) const;
};

struct Placement {
  std::uint32_t wafers = 1;
  Bytes capacity = 0;             ///< placeable bytes per wafer
  Bytes needed_total = 0;         ///< weights + KV over all wafers
  std::vector<WaferPlan> wafer;
};

/// Lays `units` (bytes each, in order) out on one wafer in `bands` bands; false if some band's
/// units need more columns than the wafer has.
bool layout_bands(const WseConfig& cfg, const std::vector<Bytes>& units, std::uint32_t bands,
                  std::vector<Region>* out, std::uint64_t* score);

/// The placement pass. Throws config::InputError at `chips_loc` (system.chips) when the model
/// does not fit or there are more wafers than units to give them.
Placement place(const workload::ModelSpec& model, const workload::Scenario& sc, const WseConfig& cfg,
                std::uint32_t wafers, const config::SourceLoc& chips_loc);

}  // namespace decodesim::wse
