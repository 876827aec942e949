// End-to-end GPU decode invariants, in-process: one simulation per TEST (one process each).
#include <gtest/gtest.h>

#include "report/report.h"
#include "sim_harness.h"
#include "system/run.h"
#include "workload/lowering.h"

using namespace decodesim;
using decodesim::test::expect_roofline_holds;
using decodesim::test::request;

namespace {

double stat(const system::RunResult& res, const std::string& chip, const std::string& group, const std::string& name) {
  const auto j = res.stats.to_json();
  const auto& g = group.empty() ? j.at(chip).at("sm_cluster") : j.at(chip).at("sm_cluster").at(group);
  return g.at(name).at("value").get<double>();
}

}  // namespace

TEST(GpuDecode, A100Llama7bLandsNearTheMeasuredRateNotTheSpecRoofline) {
  // gpt-fast README (github.com/pytorch-labs/gpt-fast): 104.9 tok/s measured (68.5% of spec)
  // at short contexts; the spec roofline is ~151 tok/s. The issue asks for +-15% of the measurement.
  const auto req = request("gpu_a100", "llama2_7b", 128);
  const auto res = system::simulate(req);
  const auto s = report::summarize(req, res);
  EXPECT_GT(s.tokens_per_s, 104.9 * 0.85);
  EXPECT_LT(s.tokens_per_s, 104.9 * 1.15);
  EXPECT_LT(s.tokens_per_s, 140.0) << "close to the spec roofline: the losses are missing";
  EXPECT_EQ(s.bottleneck, "memory");
  expect_roofline_holds(res);
}

TEST(GpuDecode, LossPartitionSumsToTheTokenTime) {
  const auto req = request("gpu_a100", "llama2_7b", 128);
  const auto res = system::simulate(req);
  Picos sum = 0, excl = 0;
  for (const auto& r : res.records) {
    ASSERT_TRUE(r.breakdown.partitions()) << r.name;
    const Picos parts = r.breakdown.sum();
    EXPECT_EQ(parts, r.exclusive) << r.name;
    sum += parts;
    excl += r.exclusive;
  }
  EXPECT_EQ(sum, res.total_time);
  EXPECT_EQ(excl, res.total_time);
}

TEST(GpuDecode, HbmServesExactlyTheL2MissesAndTheWorkloadWithoutReuse) {
  const auto req = request("gpu_h100", "llama2_7b", 512, {"sim.reuse=false"});
  const auto res = system::simulate(req);
  EXPECT_EQ(res.reused_layers, 0u);
  // Nothing survives a 13 GB stream in a 50 MB L2, so HBM serves every workload byte...
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
  Bytes from_records = 0;
  for (const auto& r : res.records) from_records += r.mem_bytes;
  EXPECT_EQ(from_records, res.workload_memory_bytes);
  // ...and what HBM read is exactly what L2 missed.
  EXPECT_EQ(stat(res, "gpu0", "mem", "hbm_read_bytes"), stat(res, "gpu0", "mem", "l2_read_miss_bytes"));
  expect_roofline_holds(res);
}

TEST(GpuDecode, TinyModelHitsInL2OnTheSecondToken) {
  // 2.9 MB of tiny weights fit in a 40 MB L2: token 1 finds them there (hits are modelled, not
  // assumed), and HBM still serves exactly the L2 misses.
  const auto req = request("gpu_a100", "tiny", 64, {"sim.reuse=false"}, 2);
  const auto res = system::simulate(req);
  Bytes tok[2] = {0, 0};
  for (const auto& r : res.records) tok[r.token] += r.mem_bytes;
  EXPECT_LT(tok[1], tok[0] / 10);
  EXPECT_GT(stat(res, "gpu0", "mem", "l2_read_hit_bytes"), 1e6);
  EXPECT_EQ(stat(res, "gpu0", "mem", "hbm_read_bytes"), stat(res, "gpu0", "mem", "l2_read_miss_bytes"));
  expect_roofline_holds(res);
}

TEST(GpuDecode, FlashDecodingAddsACombineAtLongContext) {
  const auto req = request("gpu_h100", "llama2_7b", 4096);
  const auto res = system::simulate(req);
  // Each attention of the simulated layers ran two grids (split KV + combine).
  const double grids = stat(res, "gpu0", "", "grids");
  const double kernels = stat(res, "gpu0", "", "kernels");
  EXPECT_GT(grids, kernels);
  expect_roofline_holds(res);
}

TEST(GpuDecode, TensorParallelH100x8RunsLlama70b) {
  const auto req = request("gpu_h100_x8", "llama2_70b", 1024);
  const auto res = system::simulate(req);
  Bytes link = 0;
  for (const auto& r : res.records) link += r.link_bytes;
  EXPECT_GT(link, 0u);
  const auto s = report::summarize(req, res);
  EXPECT_GT(s.tokens_per_s, 0);
  expect_roofline_holds(res);
}
