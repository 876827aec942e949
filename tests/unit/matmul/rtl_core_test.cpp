// The RTL-backed core on its own: factory errors, cycle counts on hand-worked cases,
// functional results, and that backpressure really reaches the pins.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "common/config/error.h"
#include "matmul/rtl_matmul_core.h"
#include "matmul/tlm_systolic_core.h"

namespace dm = decodesim::matmul;

namespace {
std::vector<dm::TileData> random_tiles(const dm::TileShape& s, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<dm::TileData> tiles(count);
  for (auto& t : tiles) {
    t.weights.resize(static_cast<std::size_t>(s.k) * s.n);
    t.acts.resize(static_cast<std::size_t>(s.m) * s.k);
    for (auto& w : t.weights) w = static_cast<std::int8_t>(rng());
    for (auto& a : t.acts) a = static_cast<std::int8_t>(rng());
  }
  return tiles;
}
}  // namespace

TEST(RtlMatmulCore, BuildsEverySizeTheIssueAsksFor) {
  for (std::uint32_t n : {4u, 8u, 16u, 32u}) {
    auto core = dm::make_matmul_core({dm::MatmulImpl::Rtl, {}}, {n, n, 2});
    ASSERT_TRUE(core);
    EXPECT_STREQ(core->impl_name(), "rtl");
    EXPECT_EQ(core->geometry().rows, n);
  }
  EXPECT_STREQ(dm::make_matmul_core({dm::MatmulImpl::Tlm, {}}, {128, 128, 2})->impl_name(), "tlm");
}

TEST(RtlMatmulCore, SizeOurRtlDoesNotAllowIsAnInputErrorNamingTheRange) {
  // Sizes in rtl/README.md's range but not prebuilt are Verilated on demand (rtl_cli_test,
  // tests/rtl_mutants); outside the range nothing is built at all.
  try {
    dm::make_matmul_core({dm::MatmulImpl::Rtl, {}}, {300, 300, 2}, "tpu.matmul.impl");
    FAIL() << "expected InputError";
  } catch (const decodesim::config::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("tpu.matmul.impl"), std::string::npos) << msg;
    EXPECT_NE(msg.find("got 300x300"), std::string::npos) << msg;
    EXPECT_NE(msg.find("rows 1-256 x cols 2-256"), std::string::npos) << msg;
    EXPECT_NE(msg.find("prebuilt: 4x4, 8x8, 16x16, 32x32 with weight_buffers 2"), std::string::npos) << msg;
  }
  EXPECT_THROW(dm::make_matmul_core({dm::MatmulImpl::Rtl, {}}, {16, 1, 2}), decodesim::config::InputError);
  EXPECT_THROW(dm::make_matmul_core({dm::MatmulImpl::Rtl, {}}, {32, 32, 3}), decodesim::config::InputError);
}

TEST(RtlMatmulCore, SingleTileCyclesAreCountedNotComputed) {
  // Hand-worked (README.md): k=3 weight beats, m=2 activations, then R + C - 1 = 15 cycles
  // to the last accepted result: 3 + 2 + 15 = 20.
  auto core = dm::make_rtl_matmul_core({8, 8, 2});
  EXPECT_EQ(core->run_tiles({2, 3, 5}, 1), 20u);
  EXPECT_EQ(core->total_cycles(), 20u);
  // The array is idle again after a call: the same call costs the same.
  EXPECT_EQ(core->run_tiles({2, 3, 5}, 1), 20u);
  EXPECT_EQ(core->total_cycles(), 40u);
}

TEST(RtlMatmulCore, WorkedExampleMatchesReadme) {
  EXPECT_EQ(dm::make_rtl_matmul_core({16, 16, 2})->run_tiles({4, 16, 16}, 3), 85u);
}

TEST(RtlMatmulCore, FunctionalResultsMatchReferenceGemm) {
  auto core = dm::make_rtl_matmul_core({8, 8, 2});
  const dm::TileShape s{11, 7, 6};
  auto tiles = random_tiles(s, 3, 5);
  const auto cycles = core->run_tiles(s, tiles);
  EXPECT_EQ(cycles, core->run_tiles(s, 3));
  for (auto t : tiles) {
    const auto got = t.out;
    dm::reference_tile(s, t);
    EXPECT_EQ(got, t.out);
  }
}

TEST(RtlMatmulCore, ExtremeValuesDoNotOverflowOrWrap) {
  auto core = dm::make_rtl_matmul_core({32, 32, 2});
  const dm::TileShape s{2, 32, 32};
  std::vector<dm::TileData> tiles(1);
  tiles[0].weights.assign(32 * 32, -128);
  tiles[0].acts = std::vector<std::int8_t>(32, -128);
  tiles[0].acts.resize(64, 127);
  core->run_tiles(s, tiles);
  EXPECT_EQ(tiles[0].out[0], 32 * 128 * 128);
  EXPECT_EQ(tiles[0].out[32 + 31], 32 * 127 * -128);
}

TEST(RtlMatmulCore, BackpressureCostsExactlyTheWithheldCycles) {
  auto core = dm::make_rtl_matmul_core({4, 4, 2});
  const dm::TileShape s{6, 4, 4};
  const auto free_run = core->run_tiles(s, 2);
  const dm::ResultBackpressure bp{9, 0.6, 3};
  core->set_result_backpressure(bp);
  std::uint64_t withheld = 0;
  for (std::uint64_t j = 0; j < 12; ++j) withheld += bp.stall_cycles(j);
  ASSERT_GT(withheld, 0u);
  auto tiles = random_tiles(s, 2, 3);
  EXPECT_EQ(core->run_tiles(s, tiles), free_run + withheld);
  for (auto t : tiles) {
    const auto got = t.out;
    dm::reference_tile(s, t);
    EXPECT_EQ(got, t.out);
  }
}

TEST(RtlMatmulCore, SingleBufferBuildLoadsOnlyAfterDrain) {
  auto one = dm::make_rtl_matmul_core({8, 8, 1});
  auto two = dm::make_rtl_matmul_core({8, 8, 2});
  const dm::TileShape s{8, 8, 8};
  // One bank: k + m + C - 2 = 22 per extra tile. Two banks: the stream (m = 8) and the
  // bank drain alternate, (k + m + C - 2) per two tiles.
  EXPECT_EQ(one->run_tiles(s, 5) - one->run_tiles(s, 4), 22u);
  EXPECT_LT(two->run_tiles(s, 5), one->run_tiles(s, 5));
}

TEST(RtlMatmulCore, WritesAnFstWaveformOnRequest) {
  const std::string path = ::testing::TempDir() + "matmul_rtl_core_test.fst";
  std::remove(path.c_str());
  {
    auto core = dm::make_rtl_matmul_core({4, 4, 2}, {path, {}});
    EXPECT_EQ(core->run_tiles({3, 4, 4}, 2), dm::systolic_cycles({4, 4, 2}, {3, 4, 4}, 2));
  }
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  ASSERT_TRUE(f.good());
  EXPECT_GT(static_cast<long>(f.tellg()), 100);
  std::remove(path.c_str());
}
