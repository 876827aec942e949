// Seeded random mixed-shape streams (1-4 runs, random m, k, n), shared by the matmul tests.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "matmul/tile.h"

namespace decodesim::matmul::test {

/// 1-4 runs of random shapes, 1..max_count tiles each.
inline std::vector<TileRun> random_stream(const ArrayGeometry& g, std::mt19937_64& rng, std::uint64_t max_count) {
  std::vector<TileRun> runs(1 + rng() % 4);
  for (auto& r : runs) {
    const std::uint32_t m = rng() % 3 == 0 ? 1 : 1 + static_cast<std::uint32_t>(rng() % (2 * g.rows + 3));
    r.shape = {m, 1 + static_cast<std::uint32_t>(rng() % g.rows), 1 + static_cast<std::uint32_t>(rng() % g.cols)};
    r.count = 1 + rng() % max_count;
  }
  return runs;
}

}  // namespace decodesim::matmul::test
