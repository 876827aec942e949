// The WSE placement pass (wafers, then rectangular regions on each) and the region cost model.
#include <gtest/gtest.h>

#include <algorithm>

#include "../lpu/lpu_test_util.h"
#include "workload/scenario.h"
#include "wse/wse_placement.h"
#include "wse/wse_region.h"

using namespace decodesim;
using namespace decodesim::wse;
using decodesim::lpu::testing::error_of;
using decodesim::lpu::testing::load_sys;
using decodesim::lpu::testing::model;
using decodesim::lpu::testing::scenario;

namespace {

const config::SourceLoc kHere{"test.yaml", 1, 1};

Placement place_on(const std::string& sys, const std::string& m, const workload::Scenario& sc) {
  const auto cfg = load_sys(sys);
  return place(model(m), sc, cfg.wse, cfg.system.chips, kHere);
}

bool overlap(const Region& a, const Region& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/// Every region inside the mesh, no two overlapping, each holding its bytes, and together
/// covering every PE (spare PEs compute too).
void expect_tiles_the_wafer(const WseConfig& cfg, const WaferPlan& w) {
  std::uint64_t pes = 0;
  for (std::size_t i = 0; i < w.regions.size(); ++i) {
    const Region& r = w.regions[i];
    EXPECT_LE(r.x + r.w, cfg.mesh.cols);
    EXPECT_LE(r.y + r.h, cfg.mesh.rows);
    EXPECT_GE(r.pes() * cfg.placeable_per_pe(), r.bytes) << "region " << i << " cannot hold its bytes";
    for (std::size_t j = i + 1; j < w.regions.size(); ++j) EXPECT_FALSE(overlap(r, w.regions[j])) << i << " and " << j;
    pes += r.pes();
  }
  EXPECT_EQ(pes, cfg.pes());
}

}  // namespace

TEST(WsePlacement, Llama7bOnOneWaferGetsARegionPerLayerTilingTheMesh) {
  const auto cfg = load_sys("wse3");
  const Placement p = place(model("llama2_7b"), scenario(1, 4096, DType::BF16), cfg.wse, 1, kHere);
  ASSERT_EQ(p.wafer.size(), 1u);
  const WaferPlan& w = p.wafer[0];
  ASSERT_EQ(w.regions.size(), 34u) << "embedding + 32 layers + head";
  EXPECT_EQ(w.regions.front().unit, Region::Unit::Embedding);
  EXPECT_EQ(w.regions.back().unit, Region::Unit::Head);
  for (int l = 0; l < 32; ++l) EXPECT_EQ(w.region_of(l, false).layer, l);
  expect_tiles_the_wafer(cfg.wse, w);
  // Boustrophedon: consecutive regions touch (their centres are half their extents apart).
  for (std::size_t i = 0; i + 1 < w.regions.size(); ++i) {
    const Region &a = w.regions[i], &b = w.regions[i + 1];
    EXPECT_LE(hops_between(a, b), (a.w + b.w) / 2 + (a.h + b.h) / 2 + 1) << i;
  }
}

TEST(WsePlacement, BandCountMinimisesTheFabricDistance) {
  const auto cfg = load_sys("wse3");
  const Placement p = place(model("llama2_7b"), scenario(1, 2048, DType::BF16), cfg.wse, 1, kHere);
  const WaferPlan& w = p.wafer[0];
  std::vector<Bytes> units;
  for (const Region& r : w.regions) units.push_back(r.bytes);
  for (std::uint32_t b = 1; b <= units.size(); ++b) {
    std::uint64_t score = 0;
    if (layout_bands(cfg.wse, units, b, nullptr, &score)) {
      EXPECT_GE(score, w.fabric_score) << b << " bands";
    }
  }
  EXPECT_GT(w.bands, 1u) << "one band of full-height strips crosses 900 rows per GEMM";
  EXPECT_FALSE(layout_bands(cfg.wse, units, static_cast<std::uint32_t>(units.size() + 1), nullptr, nullptr));
}

TEST(WsePlacement, RefusesLlama70bOnOneWaferNamingBytesAndWaferCount) {
  for (DType d : {DType::BF16, DType::INT8}) {
    const std::string e = error_of([&] { place_on("wse3", "llama2_70b", scenario(1, 4096, d)); });
    EXPECT_NE(e.find("system.chips: model does not fit in SRAM: llama2_70b needs"), std::string::npos) << e;
    EXPECT_NE(e.find(d == DType::BF16 ? "at least 4 wafers" : "at least 2 wafers"), std::string::npos) << e;
  }
}

TEST(WsePlacement, Llama70bOnFourWafersTakesConsecutiveLayers) {
  const auto cfg = load_sys("wse3_x4");
  const Placement p = place_on("wse3_x4", "llama2_70b", scenario(1, 4096, DType::BF16));
  ASSERT_EQ(p.wafer.size(), 4u);
  EXPECT_TRUE(p.wafer.front().stage.embedding);
  EXPECT_TRUE(p.wafer.back().stage.head);
  int prev_end = 0;
  Bytes total = 0;
  for (const WaferPlan& w : p.wafer) {
    EXPECT_EQ(w.stage.first_layer, prev_end);
    prev_end = w.stage.end_layer;
    Bytes resident = 0;
    for (const Region& r : w.regions) resident += r.bytes;
    EXPECT_LE(resident, p.capacity);
    total += resident;
    expect_tiles_the_wafer(cfg.wse, w);
  }
  EXPECT_EQ(prev_end, 80);
  EXPECT_EQ(total, p.needed_total);
}

TEST(WsePlacement, EveryExpertOfAnMoeIsResident) {
  // Mixtral 8x7B: a token uses 2 of 8 experts, but all 8 must sit in SRAM.
  const auto m = model("mixtral_8x7b");
  const auto sc = scenario(1, 1024, DType::INT8);
  const Placement p = place_on("wse3_x4", "mixtral_8x7b", sc);
  const workload::ResidentBytes r = workload::resident_weight_bytes(m, 1, DType::INT8);
  Bytes layers = 0;
  for (std::uint32_t l = 0; l < m.layers; ++l) layers += r.layer(l);
  EXPECT_GT(p.needed_total, layers);
  EXPECT_GT(layers, Bytes{40} * 1000 * 1000 * 1000) << "all experts: ~45 GB at int8";
}

TEST(WseRegion, GemmCostByHand) {
  WseConfig cfg;  // defaults: 16 B/cycle reads, 16 FLOP/cycle at 16 bit, 4 B/cycle links, 1-cycle hops
  Region r;
  r.w = 64;
  r.h = 32;  // 2048 PEs
  Kernel k;
  k.kind = KernelKind::Gemm;
  k.m = 1;
  k.k = 4096;
  k.n = 4096;
  k.weight_bytes = Bytes{4096} * 4096 * 2;
  k.flops = 2ull * 4096 * 4096;
  const KernelCost c = kernel_cost(cfg, k, r);
  EXPECT_EQ(c.compute, 2ull * 4096 * 4096 / (2048 * 16));   // 1024
  EXPECT_EQ(c.sram, Bytes{4096} * 4096 * 2 / (2048 * 16));  // 1024
  // x: 4096/32 = 128 bf16 per row = 64 wavelets; partial sums: 4096/64 = 64 bf16 = 32 wavelets;
  // 63 + 31 hops corner to corner.
  EXPECT_EQ(c.fabric, 63u + 31u + 64u + 32u);
  EXPECT_EQ(c.total(), 1024u + 190u);
  // Twice the PEs: half the compute and SRAM time, more hops.
  r.w = 128;
  const KernelCost d = kernel_cost(cfg, k, r);
  EXPECT_EQ(d.compute, 512u);
  EXPECT_EQ(d.sram, 512u);
  EXPECT_EQ(d.fabric, 127u + 31u + 64u + 16u);
}

TEST(WseRegion, ElementwiseKernelsStayOnTheirPes) {
  WseConfig cfg;
  Region r;
  r.w = 10;
  r.h = 10;
  Kernel k;
  k.kind = KernelKind::Residual;
  k.m = 1;
  k.n = 4096;
  k.vector_ops = 4096;
  const KernelCost c = kernel_cost(cfg, k, r);
  EXPECT_EQ(c.fabric, 0u);
  EXPECT_EQ(c.compute, ceil_div<std::uint64_t>(4096, 100 * 8));
}

TEST(WseRegion, HandoffCrossesTheHopsBetweenCentresAndTheSharedEdge) {
  WseConfig cfg;
  Region a, b;
  a.w = 10, a.h = 20;
  b.x = 10, b.w = 30, b.h = 20;  // side by side in one band: a 20-link edge
  EXPECT_EQ(hops_between(a, b), 20u);  // centres at x = 5 and 25
  EXPECT_EQ(handoff_cycles(cfg, a, b, 8192), 20u + ceil_div<std::uint64_t>(8192, 20 * 4));
  b.x = 0, b.y = 20, b.w = 10;         // stacked: a 10-link edge
  EXPECT_EQ(handoff_cycles(cfg, a, b, 8192), 20u + ceil_div<std::uint64_t>(8192, 10 * 4));
}

TEST(WseRegion, RooflineIsTheWholeWafersBound) {
  WseConfig cfg;
  Kernel k;
  k.kind = KernelKind::Gemm;
  k.weight_bytes = Bytes{1} << 30;
  k.flops = 1;
  const double want = static_cast<double>(k.weight_bytes) / cfg.sram_peak_bytes_per_s();
  EXPECT_NEAR(picos_to_seconds(kernel_roofline(cfg, k)), want, 1e-12);
}
