// The data types of one matmul tile, shared by the cores, the pin transactor and the
// Verilated models built on demand (rtl_build.h). Kept free of the config headers so a model
// compiled at run time needs only this folder and the Verilator runtime.
#pragma once

#include <cstdint>
#include <vector>

#include "common/base/units.h"

namespace decodesim::matmul {

struct ArrayGeometry {
  std::uint32_t rows = 128;          ///< K dimension held in the array
  std::uint32_t cols = 128;          ///< N dimension held in the array
  std::uint32_t weight_buffers = 2;  ///< 2: next tile's weights load while the current tile streams
};

struct TileShape {
  std::uint32_t m = 1;  ///< activation vectors streamed through this tile
  std::uint32_t k = 0;  ///< rows of W used (≤ rows)
  std::uint32_t n = 0;  ///< cols of W used (≤ cols)
};

/// `count` tiles of one shape, back to back: one segment of a tile stream (MatmulCore::run_stream).
struct TileRun {
  TileShape shape;
  std::uint64_t count = 0;
};

/// Optional data for functional runs. Row-major int8 inputs, int32 outputs.
struct TileData {
  std::vector<std::int8_t> weights;  ///< k × n
  std::vector<std::int8_t> acts;     ///< m × k
  std::vector<std::int32_t> out;     ///< m × n, filled by the core
};

/// Seeded consumer behaviour on the result port, shared by both cores so their cycle counts
/// stay comparable under backpressure. Disabled (always ready) by default.
struct ResultBackpressure {
  std::uint64_t seed = 0;
  double probability = 0.0;    ///< chance that a result beat is held at all
  std::uint32_t max_stall = 0;  ///< a held beat waits 1..max_stall cycles

  bool enabled() const { return probability > 0.0 && max_stall > 0; }
  /// Cycles the consumer withholds ready after result beat `beat` becomes valid.
  /// A pure function of (seed, beat), so any core can replay it.
  std::uint32_t stall_cycles(std::uint64_t beat) const {
    if (!enabled()) return 0;
    const std::uint64_t z = mix(seed ^ mix(beat));
    const double u = static_cast<double>(z >> 11) * 0x1.0p-53;
    if (u >= probability) return 0;
    return 1 + static_cast<std::uint32_t>(mix(z) % max_stall);
  }

 private:
  // splitmix64: a full-period mixer, so neighbouring (seed, beat) pairs are independent.
  static std::uint64_t mix(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

}  // namespace decodesim::matmul
