// One stream of mixed-shape runs (MatmulCore::run_stream), the measure every tile uses: the
// TLM closed form against its own recurrence, the Verilated array against the TLM formula
// on seeded random streams, and TileStream's restart/continue costs taken from the core.
#include <gtest/gtest.h>

#include <random>

#include "matmul/rtl_matmul_core.h"
#include "matmul/tile_stream.h"
#include "matmul/tlm_systolic_core.h"
#include "random_stream.h"

namespace dm = decodesim::matmul;

namespace {
// Long enough (up to 9 tiles a run) for the closed form to jump.
std::vector<dm::TileRun> random_stream(const dm::ArrayGeometry& g, std::mt19937_64& rng) {
  return dm::test::random_stream(g, rng, 9);
}

void rtl_matches_tlm(const dm::ArrayGeometry& g, std::uint64_t seed, int streams) {
  auto rtl = dm::make_rtl_matmul_core(g);
  dm::TlmSystolicCore tlm(g);
  std::mt19937_64 rng(seed);
  std::uint64_t tiles = 0;
  for (int i = 0; i < streams; ++i) {
    const auto runs = random_stream(g, rng);
    ASSERT_EQ(rtl->run_stream(runs), tlm.run_stream(runs)) << "stream " << i << " of seed " << seed;
    for (const auto& r : runs) tiles += r.count;
  }
  EXPECT_EQ(rtl->tiles_clocked(), tiles);  // every tile came out of the pins
}
}  // namespace

TEST(TileStreamFormula, ClosedFormMatchesRecurrenceOnMixedStreams) {
  std::mt19937_64 rng(11);
  for (const std::uint32_t size : {4u, 8u, 16u, 128u})
    for (const std::uint32_t wb : {1u, 2u}) {
      const dm::ArrayGeometry g{size, size, wb};
      for (int i = 0; i < 400; ++i) {
        auto runs = random_stream(g, rng);
        if (i % 4 == 0) runs.back().count = 20000 + rng() % 1000;  // the jump, long run last
        ASSERT_EQ(dm::systolic_stream_cycles(g, runs), dm::systolic_stream_by_recurrence(g, runs)) << size << " " << i;
      }
    }
}

TEST(TileStreamFormula, OneRunIsTheSingleShapeFormula) {
  const dm::ArrayGeometry g{16, 16, 2};
  const dm::TileShape s{4, 16, 16};
  const auto marks = dm::systolic_stream_cycles(g, {{s, 3}});
  ASSERT_EQ(marks.size(), 2u);
  EXPECT_EQ(marks.back(), 85u);  // README's worked example
  EXPECT_EQ(marks.front(), 54u);  // L_2 = 53, so 54 edges through its acceptance
}

TEST(TileStreamRtl, MixedStreamsMatchTlmAt4DoubleBuffered) { rtl_matches_tlm({4, 4, 2}, 1, 300); }
TEST(TileStreamRtl, MixedStreamsMatchTlmAt4SingleBuffered) { rtl_matches_tlm({4, 4, 1}, 2, 300); }
TEST(TileStreamRtl, MixedStreamsMatchTlmAt16DoubleBuffered) { rtl_matches_tlm({16, 16, 2}, 3, 150); }

TEST(TileStream, ContinuingCostIsTheCoresMarkDifferenceAfterALeadIn) {
  // A continuing call runs the previous call's last two tiles first; its cost is what the core
  // counts between the lead-in's last activation and its own.
  const dm::ArrayGeometry g{16, 16, 2};
  dm::TlmSystolicCore core(g);
  dm::TileStream stream(core);
  const dm::TileSplit a = dm::split_tiles(g, 1, 40, 48);  // 3x3 tiles, partial k
  const dm::StreamCost fresh = stream.run(a, false);
  const auto whole = dm::systolic_stream_cycles(g, a.runs());
  EXPECT_EQ(fresh.accept, whole[whole.size() - 2]);
  EXPECT_EQ(fresh.drain, whole.back() - fresh.accept);
  EXPECT_EQ(fresh.drain, 16u + 16u - 1u);  // the array's pipeline depth, as the core reports it

  const dm::TileSplit b = dm::split_tiles(g, 1, 32, 16);  // 2 full tiles
  const dm::StreamCost cont = stream.run(b, true);
  // Lead-in: a's last two tiles in stream order are its last partial-k tile pair.
  std::vector<dm::TileRun> lead_then_b = {{a.shape[1], 2}, {b.shape[0], 2}};
  const auto m = dm::systolic_stream_cycles(g, lead_then_b);
  EXPECT_EQ(cont.accept, m[1] - m[0]);
  // Continuing overlaps the previous drain: cheaper than draining and restarting (though a
  // bank still waits C - 1 cycles after its last activation, so dearer than an idle array).
  dm::TileStream other(core);
  const dm::StreamCost restart = other.run(b, false);
  EXPECT_LT(cont.accept, fresh.drain + restart.accept);
  EXPECT_GT(cont.accept, restart.accept);
  EXPECT_EQ(core.tiles_requested(), a.tiles() + (2 + b.tiles()) + b.tiles());
}

TEST(TileSplit, FourShapesAndEvenDealing) {
  const dm::ArrayGeometry g{16, 16, 2};
  const dm::TileSplit s = dm::split_tiles(g, 3, 40, 20);  // k: 16,16,8; n: 16,4
  EXPECT_EQ(s.count, (std::array<std::uint64_t, 4>{2, 1, 2, 1}));
  EXPECT_EQ(s.shape[3].k, 8u);
  EXPECT_EQ(s.shape[3].n, 4u);
  EXPECT_EQ(s.shape_of(2), 1);  // third tile of column 0: partial k
  EXPECT_EQ(s.shape_of(5), 3);
  const auto dealt = dm::deal_tiles(s, 2, 4);  // 12 tiles over 4 arrays
  std::uint64_t total = 0;
  for (const auto& d : dealt) {
    EXPECT_EQ(d.tiles(), 3u);
    total += d.tiles();
  }
  EXPECT_EQ(total, 12u);
}

TEST(SampledCore, RunsAtMostNTilesPerRunAndTimesTheRestFromTheLastOne) {
  dm::MatmulConfig cfg;
  cfg.impl = dm::MatmulImpl::Rtl;
  cfg.rtl.sample = 4;
  const dm::ArrayGeometry g{16, 16, 2};
  auto sampled = dm::make_matmul_core(cfg, g);
  const std::vector<dm::TileRun> runs = {{{1, 16, 16}, 100}, {{2, 8, 16}, 3}};
  const auto marks = sampled->run_stream(runs);
  EXPECT_EQ(sampled->tiles_clocked(), 4u + 3u);
  // m = 1, k = 16 is a steady 16 cycles per tile, so the sampled timing is exact here.
  EXPECT_EQ(marks, dm::systolic_stream_cycles(g, runs));
}

TEST(SampledCore, HandsTheResultBackpressureToTheRtl) {
  dm::MatmulConfig cfg;
  cfg.impl = dm::MatmulImpl::Rtl;
  cfg.rtl.sample = 4;
  const dm::ArrayGeometry g{16, 16, 2};
  const dm::TileShape s{5, 16, 16};
  const dm::ResultBackpressure bp{42, 0.5, 4};
  auto sampled = dm::make_matmul_core(cfg, g);
  const auto free_run = sampled->run_tiles(s, 3);
  sampled->set_result_backpressure(bp);
  dm::TlmSystolicCore formula(g);
  formula.set_result_backpressure(bp);
  const auto held = sampled->run_tiles(s, 3);
  EXPECT_GT(held, free_run);
  EXPECT_EQ(held, formula.run_tiles(s, 3));
}
