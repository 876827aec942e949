// The TLM cycle formula on its own: the O(1) closed form against the plain recurrence, and
// hand-worked cases from tlm_models/matmul/README.md.
#include <gtest/gtest.h>

#include "matmul/tlm_systolic_core.h"

namespace dm = decodesim::matmul;

TEST(SystolicFormula, SingleTileIsLoadPlusStreamPlusFillAndDrain) {
  // k weight beats, then m activations, then R + C - 1 cycles until the last result is
  // accepted: 16 + 4 + 16 + 16 - 1.
  EXPECT_EQ(dm::systolic_cycles({16, 16, 2}, {4, 16, 16}, 1), 51u);
  EXPECT_EQ(dm::systolic_cycles({16, 16, 1}, {4, 16, 16}, 1), 51u);
  EXPECT_EQ(dm::systolic_cycles({8, 8, 2}, {1, 3, 5}, 1), 3u + 1u + 8u + 8u - 1u);
}

TEST(SystolicFormula, WorkedExampleFromReadme) {
  // README.md: 16x16, two buffers, m=4, k=16, 3 tiles. Tile 0: S=0 F=16 L=19. Tile 1:
  // S=16 F=32 L=35. Tile 2 reuses tile 0's bank, free from L0 + C - 1 = 34: S=34 F=50
  // L=53. Last result accepted at L + R + C = 85.
  EXPECT_EQ(dm::systolic_cycles({16, 16, 2}, {4, 16, 16}, 3), 85u);
  // One buffer: each later tile costs k + m + C - 2 = 34.
  EXPECT_EQ(dm::systolic_cycles({16, 16, 1}, {4, 16, 16}, 3), 51u + 2u * 34u);
}

TEST(SystolicFormula, SteadyStateHidesWeightLoadWhenStreamIsLonger) {
  // Two buffers, m >= k + C - 1: each extra tile costs exactly m.
  const dm::ArrayGeometry g{8, 8, 2};
  const dm::TileShape s{40, 8, 8};
  EXPECT_EQ(dm::systolic_cycles(g, s, 101) - dm::systolic_cycles(g, s, 100), 40u);
}

TEST(SystolicFormula, ClosedFormMatchesRecurrenceEverywhereSmall) {
  for (std::uint32_t size : {2u, 3u, 4u, 7u, 8u}) {
    for (std::uint32_t wb : {1u, 2u}) {
      const dm::ArrayGeometry g{size, size + 1, wb};
      for (std::uint32_t k = 1; k <= g.rows; ++k)
        for (std::uint32_t m = 1; m <= 3 * g.rows + 5; ++m)
          for (std::uint64_t count : {1ull, 2ull, 3ull, 4ull, 5ull, 17ull, 64ull, 257ull}) {
            const dm::TileShape s{m, k, 1};
            ASSERT_EQ(dm::systolic_cycles(g, s, count), dm::systolic_cycles_by_recurrence(g, s, count))
                << size << "x" << size + 1 << " wb" << wb << " m" << m << " k" << k << " count" << count;
          }
    }
  }
}

TEST(SystolicFormula, ClosedFormMatchesRecurrenceAtBuiltSizes) {
  for (std::uint32_t size : {16u, 32u, 128u})
    for (std::uint32_t k : {1u, size / 2, size})
      for (std::uint32_t m : {1u, 2u, size / 2, size, size + 3, 4 * size})
        for (std::uint64_t count : {1ull, 2ull, 3ull, 1000ull}) {
          const dm::ArrayGeometry g{size, size, 2};
          const dm::TileShape s{m, k, size};
          ASSERT_EQ(dm::systolic_cycles(g, s, count), dm::systolic_cycles_by_recurrence(g, s, count));
        }
}

TEST(SystolicFormula, IsConstantTimeInTileCount) {
  // 10^12 tiles would take hours by recurrence; the closed form must return at once and
  // agree with the per-tile increment it reports for smaller counts.
  const dm::ArrayGeometry g{128, 128, 2};
  const dm::TileShape s{1, 128, 128};
  const auto a = dm::systolic_cycles(g, s, 1000);
  const auto b = dm::systolic_cycles(g, s, 1001);
  EXPECT_EQ(dm::systolic_cycles(g, s, 1000000000000ull), a + (b - a) * (1000000000000ull - 1000));
}

TEST(SystolicFormula, BackpressureAddsEveryWithheldCycle) {
  dm::TlmSystolicCore core({8, 8, 2});
  const dm::TileShape s{5, 8, 8};
  const auto base = core.run_tiles(s, 3);
  dm::ResultBackpressure bp{42, 0.5, 4};
  core.set_result_backpressure(bp);
  std::uint64_t expected = 0;
  for (std::uint64_t j = 0; j < 15; ++j) expected += bp.stall_cycles(j);
  EXPECT_GT(expected, 0u);
  EXPECT_EQ(core.run_tiles(s, 3), base + expected);
}

TEST(SystolicFormula, BackpressurePatternIsSeededAndBounded) {
  const dm::ResultBackpressure bp{7, 0.3, 5};
  std::uint64_t held = 0;
  for (std::uint64_t j = 0; j < 10000; ++j) {
    const auto s = bp.stall_cycles(j);
    EXPECT_LE(s, 5u);
    held += s > 0;
    EXPECT_EQ(s, bp.stall_cycles(j));
  }
  EXPECT_NEAR(static_cast<double>(held) / 10000.0, 0.3, 0.03);
  EXPECT_EQ(dm::ResultBackpressure{}.stall_cycles(3), 0u);
}

TEST(SystolicFormula, RejectsShapesThatDoNotFit) {
  const dm::ArrayGeometry g{8, 8, 2};
  EXPECT_THROW(dm::systolic_cycles(g, {1, 9, 8}, 1), std::invalid_argument);
  EXPECT_THROW(dm::systolic_cycles(g, {1, 8, 0}, 1), std::invalid_argument);
  EXPECT_THROW(dm::systolic_cycles(g, {0, 8, 8}, 1), std::invalid_argument);
  EXPECT_THROW(dm::systolic_cycles({8, 8, 3}, {1, 8, 8}, 1), std::invalid_argument);
}
