// The interface between RtlMatmulCore and one Verilated array clocked from C++. Linked-in
// models (rtl_models.cpp) and models built on demand and loaded from a shared object
// (rtl_build.h) implement it with the same template (verilated_sim.h), so this header is
// the whole ABI between the decodesim binary and such a shared object: it includes nothing
// beyond tile.h and the standard library.
#pragma once

#include <cstdint>
#include <vector>

#include "matmul/tile.h"

namespace decodesim::matmul {

class RtlSim {
 public:
  virtual ~RtlSim() = default;
  /// Runs `count` tiles through the pins; returns the rising edges from the first weight
  /// beat to the last result accepted. `tiles` may be null (timing only, zero data).
  /// Throws std::runtime_error when the array stops producing results (a lost handshake).
  virtual Cycles run(const TileShape& shape, std::uint64_t count, std::vector<TileData>* tiles,
                     const ResultBackpressure& bp) = 0;
  /// Runs `runs` back to back as one stream from an idle array, timing only, result port
  /// always ready. Returns one mark per run (rising edges from the first weight beat through
  /// the one that accepts that run's last activation), then the edges through the last
  /// result accepted. Runs of zero tiles are skipped (no mark).
  virtual std::vector<Cycles> run_stream(const std::vector<TileRun>& runs) = 0;
  /// Tiles whose results have come out of the pins, over all calls.
  virtual std::uint64_t tiles_clocked() const = 0;
};

/// Bumped whenever RtlSim, tile.h or the transactor change in a way that a shared object
/// built against the old headers would misread; part of the on-demand cache key.
inline constexpr int kRtlSimAbi = 2;

}  // namespace decodesim::matmul
