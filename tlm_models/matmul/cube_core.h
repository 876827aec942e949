// TLM timing model of a Da Vinci cube unit (Huawei Ascend; H. Liao et al., "DaVinci: A Scalable
// Architecture for Neural Network Computing", Hot Chips 31, 2019, and "Ascend: a Scalable and
// Unified Architecture for Ubiquitous Deep Neural Network Computing", HPCA 2021): each cycle
// the cube multiplies a depth×k fractal of activations (L0A) by a k×n fractal of weights (L0B)
// and accumulates into L0C — 16×16×16 fp16 MACs per cycle on Ascend 910.
//
// Unlike the weight-stationary systolic array, the weight fractal is not held in the array:
// it is read from L0B each cycle, so there is no per-tile weight-load phase, and `depth`
// activation rows are consumed per cycle. At decode batch 1 (m = 1) each cycle uses one of its
// `depth` rows: the cube runs at 1/depth of its MAC rate, which is why a cube chip's decode
// compute bound sits far below its peak.
//
// Contract: the MatmulCore contract (matmul_core.h), with rows = k and cols = n of the fractal.
// cycles(shape, count) = count · ceil(m / depth) + latency, latency paid once per call or stream (the
// MAC tree and L0C accumulate of the last fractal). Result backpressure stalls one cycle per
// withheld result beat (one beat = one depth-row fractal of results), as in the systolic core.
// No RTL exists for the cube: impl rtl is refused where the config is validated.
#pragma once

#include "matmul/matmul_core.h"

namespace decodesim::matmul {

struct CubeGeometry {
  std::uint32_t depth = 16;    ///< activation rows per cycle (M of the fractal)
  std::uint32_t k = 16;        ///< K of the fractal
  std::uint32_t n = 16;        ///< N of the fractal
  std::uint32_t latency = 16;  ///< cycles from the last fractal's issue to its result in L0C
};

/// Cycles for `count` back-to-back tiles of `s` (see the contract above). O(1).
Cycles cube_cycles(const CubeGeometry& g, const TileShape& s, std::uint64_t count);

class TlmCubeCore final : public MatmulCore {
 public:
  explicit TlmCubeCore(const CubeGeometry& g);
  /// rows = k, cols = n; weight_buffers 2 (L0B holds the next fractal while one is used).
  const ArrayGeometry& geometry() const override { return m_array; }
  const char* impl_name() const override { return "tlm-cube"; }
  Cycles run_tiles(const TileShape& shape, std::uint64_t count) override;
  Cycles run_tiles(const TileShape& shape, std::vector<TileData>& tiles) override;
  /// Marks: each run's last fractal issues count·ceil(m / depth) cycles after the previous
  /// run's (L0B double-buffering leaves no gap between tiles); the last result is `latency` later.
  std::vector<Cycles> run_stream(const std::vector<TileRun>& runs) override;

 private:
  CubeGeometry m_cube;
  ArrayGeometry m_array;
};

}  // namespace decodesim::matmul
