// End-to-end WSE decode, in-process: one simulation per TEST (one process each). The per-chip
// sanity tests (roofline, power between idle and TDP, bytes) are in chips_test.cpp; these check
// the mechanisms: layers on regions, the fabric, the wafer pipeline over its links.
#include <gtest/gtest.h>

#include "report/report.h"
#include "sim_harness.h"
#include "system/run.h"
#include "workload/lowering.h"

using namespace decodesim;
using decodesim::test::expect_roofline_holds;
using decodesim::test::request;

TEST(WseDecode, Llama70bPipelinesOverFourWafersThroughTheLinks) {
  const auto req = request("wse3_x4", "llama2_70b", 4096);
  const auto res = system::simulate(req);
  expect_roofline_holds(res);
  const auto s = report::summarize(req, res);
  const auto& js = res.arch_summary;
  ASSERT_EQ(js["wafers"].get<int>(), 4);
  // Every wafer ran its own layers: records from all four, bytes served equal bytes needed.
  std::vector<int> per_wafer(4, 0);
  for (const auto& r : res.records) ++per_wafer.at(r.chip);
  for (int n : per_wafer) EXPECT_GT(n, 0);
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
  // Three activation hand-offs (8192 bf16) and the sampled token back to wafer 0 crossed the
  // link modules: their energy is the link's pJ/bit on exactly those bytes.
  const double link_bits = (3.0 * 8192 * 2 + 4) * 8;
  EXPECT_DOUBLE_EQ(res.energy.link_bits, link_bits);
  EXPECT_GT(s.energy.link_j, 0.0);
  EXPECT_EQ(s.energy.hbm_j, 0.0);
  // The token's path partitions its latency: regions, fabric, links.
  const auto& cp = js["critical_path"];
  EXPECT_NEAR(cp["per_token_s"].get<double>(), s.token_latency_s, 1e-12);
  EXPECT_GT(cp["parts"]["link_s"].get<double>(), 4 * 5e-6 * 0.99) << "four hand-offs at >= 5 us each";
  EXPECT_GT(cp["parts"]["fabric_s"].get<double>(), 0.0);
  // At batch 1 a wafer reads a small share of its SRAM bandwidth: only one region works at a time.
  for (const auto& w : js["wafer"]) EXPECT_LT(w["sram_bw_utilisation"].get<double>(), 0.2);
}

TEST(WseDecode, OneWaferHoldsLlama7bInARegionPerUnitWithNoLinkTraffic) {
  const auto res = system::simulate(request("wse3", "llama2_7b", 2048));
  EXPECT_EQ(res.arch_summary["wafers"].get<int>(), 1);
  EXPECT_EQ(res.arch_summary["wafer"][0]["regions"].get<std::uint64_t>(), 34u) << "embedding + 32 layers + head";
  EXPECT_EQ(res.energy.link_bits, 0.0) << "one wafer feeds itself";
  // Only one region works at a time: the token is far above the whole wafer's roofline.
  EXPECT_GT(res.total_time, 10 * res.roofline);
}

TEST(WseDecode, TwoTokensChainOnOneWaferAndRecordsCarryTheBreakdown) {
  const auto req = request("wse3", "llama3_8b", 1024, {}, 2);
  const auto res = system::simulate(req);
  expect_roofline_holds(res);
  // Token 1 starts where token 0 ended (one wafer: no link in between).
  Picos end0 = 0, start1 = ~Picos{0};
  for (const auto& r : res.records) {
    if (r.token == 0) end0 = std::max(end0, r.end);
    if (r.token == 1) start1 = std::min(start1, r.start);
  }
  EXPECT_EQ(start1, end0);
  for (const auto& r : res.records) {
    EXPECT_FALSE(r.breakdown.partitions()) << "compute and SRAM overlap";
    EXPECT_LE(r.part(TimePart::Fabric), r.duration());
    if (r.kind == KernelKind::Gemm) {
      EXPECT_GT(r.part(TimePart::Fabric), 0u) << r.name;
    }
    if (r.kind == KernelKind::Residual) {
      EXPECT_EQ(r.part(TimePart::Fabric), 0u) << r.name;
    }
  }
}
