// The Da Vinci cube core (matmul/cube_core.h): its closed form against a per-tile recurrence
// written from the contract, its results against the reference GEMM, and the fractal rounding
// that makes decode (m = 1) use a 16th of its MACs.
#include <gtest/gtest.h>

#include <random>

#include "matmul/cube_core.h"

using namespace decodesim;
using namespace decodesim::matmul;

namespace {

/// The contract read plainly: each tile issues one fractal per `depth` activation rows, one
/// per cycle, back to back; the pipe empties once after the last.
Cycles by_recurrence(const CubeGeometry& g, const TileShape& s, std::uint64_t count) {
  Cycles issue = 0;
  for (std::uint64_t t = 0; t < count; ++t)
    for (std::uint32_t row = 0; row < s.m; row += g.depth) ++issue;
  return count ? issue + g.latency : 0;
}

}  // namespace

TEST(CubeCore, ClosedFormMatchesTheRecurrence) {
  const CubeGeometry g{16, 16, 16, 16};
  for (std::uint32_t m : {1u, 15u, 16u, 17u, 64u, 100u})
    for (std::uint64_t count : {0u, 1u, 2u, 7u, 1000u})
      EXPECT_EQ(cube_cycles(g, TileShape{m, 16, 16}, count), by_recurrence(g, TileShape{m, 16, 16}, count))
          << "m=" << m << " count=" << count;
}

TEST(CubeCore, DecodeUsesOneRowOfTheFractal) {
  // m = 1 and m = 16 cost the same cycles: at batch 1 fifteen of the cube's sixteen rows idle,
  // so its MAC rate is a sixteenth of peak; m = 17 needs a second fractal.
  TlmCubeCore core(CubeGeometry{16, 16, 16, 16});
  const std::uint64_t tiles = 4096;
  EXPECT_EQ(core.run_tiles(TileShape{1, 16, 16}, tiles), core.run_tiles(TileShape{16, 16, 16}, tiles));
  EXPECT_EQ(core.run_tiles(TileShape{17, 16, 16}, tiles), 2 * tiles + 16);
  // No weight-load phase: a tile costs its fractals only, whatever k and n.
  EXPECT_EQ(core.run_tiles(TileShape{16, 3, 5}, tiles), tiles + 16);
}

TEST(CubeCore, ResultsAreTheReferenceGemm) {
  TlmCubeCore core(CubeGeometry{16, 16, 16, 16});
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> v(-128, 127);
  const TileShape s{20, 16, 12};
  std::vector<TileData> tiles(3);
  for (auto& t : tiles) {
    t.weights.resize(s.k * s.n);
    t.acts.resize(s.m * s.k);
    for (auto& w : t.weights) w = static_cast<std::int8_t>(v(rng));
    for (auto& a : t.acts) a = static_cast<std::int8_t>(v(rng));
  }
  const Cycles c = core.run_tiles(s, tiles);
  EXPECT_EQ(c, core.run_tiles(s, std::uint64_t{3}));
  for (const auto& t : tiles) {
    ASSERT_EQ(t.out.size(), std::size_t{s.m} * s.n);
    for (std::uint32_t i = 0; i < s.m; ++i)
      for (std::uint32_t j = 0; j < s.n; ++j) {
        std::int32_t want = 0;
        for (std::uint32_t k = 0; k < s.k; ++k) want += std::int32_t{t.acts[i * s.k + k]} * t.weights[k * s.n + j];
        EXPECT_EQ(t.out[i * s.n + j], want);
      }
  }
}

TEST(CubeCore, RejectsTilesLargerThanTheFractal) {
  TlmCubeCore core(CubeGeometry{16, 16, 16, 16});
  EXPECT_THROW(core.run_tiles(TileShape{1, 17, 16}, 1), std::invalid_argument);
  EXPECT_THROW(core.run_tiles(TileShape{1, 16, 17}, 1), std::invalid_argument);
}
