// End-to-end LPU decode invariants, in-process: one simulation per TEST (one process each).
#include <gtest/gtest.h>

#include "report/lpu_summary.h"
#include "report/report.h"
#include "sim_harness.h"
#include "system/run.h"
#include "workload/lowering.h"

using namespace decodesim;
using decodesim::test::expect_roofline_holds;
using decodesim::test::request;

TEST(LpuDecode, Llama70bIsLatencyBoundWithUnderOnePercentSramPerChip) {
  const auto req = request("lpu_llama2_70b", "llama2_70b", 4096, {}, 1, DType::INT8);
  const auto res = system::simulate(req);
  const auto s = report::summarize(req, res);
  // No chip's SRAM, MXM or link is busy half the token: the token waits on a serial chain.
  EXPECT_EQ(s.bottleneck, "latency");
  const auto lpu = report::lpu_summary_json(*res.lpu);
  EXPECT_LE(lpu["sram_bw_utilisation_max"].get<double>(), 0.01);
  for (const auto& st : lpu["stage"]) EXPECT_LE(st["sram_bw_utilisation"].get<double>(), 0.01);
  // The critical path accounts for the whole token, to the picosecond (rounding aside).
  EXPECT_NEAR(lpu["critical_path"]["per_token_s"].get<double>(), s.token_latency_s, 1e-12);
  EXPECT_EQ(lpu["stages"].get<int>(), 18);  // 576 chips as 18 stages of 4 nodes
  // Per-user and pipelined are different figures: many users in flight beat one user.
  EXPECT_GT(lpu["pipelined_tokens_per_s"].get<double>(), lpu["tokens_per_s_per_user"].get<double>());
  // No HBM: the energy has SRAM and link terms only.
  EXPECT_EQ(s.energy.hbm_j, 0.0);
  EXPECT_GT(s.energy.sram_j, 0.0);
  EXPECT_GT(s.energy.link_j, 0.0);
  expect_roofline_holds(res);
}

TEST(LpuDecode, SramBytesServedEqualProgramBytesAndWeightsAreReadOnce) {
  const auto req = request("lpu_llama2_7b", "llama2_7b", 2048, {}, 2, DType::INT8);
  const auto res = system::simulate(req);
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
  // Weight reads, per token, over the whole system: every matrix once, norm gains on every chip
  // of their group, one embedding row. Independent of the compiler's programs.
  const auto b = req.model.parameter_breakdown();
  const Bytes group = Bytes{res.lpu->chips_per_stage};
  // Plus one bf16 scale per int8 output channel (docs/workloads.md): column-sharded qkv, gate_up
  // and LM head split their channels over the group; row-sharded o and down repeat theirs.
  const Bytes col_channels = (12288 + 22016) * 32 + 32000, row_channels = (4096 + 4096) * 32;
  const Bytes per_token = b.attention + b.ffn + b.lm_head + b.norms * group + req.model.hidden +
                          2 * col_channels + 2 * row_channels * group;
  Bytes weights = 0, kv_written = 0;
  for (const auto& r : res.records) {
    if (r.kind == KernelKind::Gemm || r.kind == KernelKind::RmsNorm || r.kind == KernelKind::Embedding)
      weights += r.mem_bytes * group;  // the stage's first chip stands for its group
    if (r.kind == KernelKind::KvAppend) kv_written += r.mem_bytes * group;
  }
  EXPECT_EQ(weights, 2 * per_token);
  // One K and one V row per KV head per layer per token, bf16.
  EXPECT_EQ(kv_written, 2ull * 2 * req.model.layers * req.model.kv_heads * req.model.head_size() * 2);
  expect_roofline_holds(res);
}

TEST(LpuDecode, SmallMxmGeometryRunsTheTinyModel) {
  // The geometry the RTL core is built at: a 16x16 plane, one slot each.
  const auto req = request("lpu_groq", "tiny", 128, {"lpu.mxm.rows=16", "lpu.mxm.cols=16", "lpu.mxm.planes=1"}, 2,
                           DType::INT8);
  const auto res = system::simulate(req);
  const auto s = report::summarize(req, res);
  EXPECT_EQ(res.records.size(), 2 * workload::lower(req.model, req.scenario, 0, 1).kernels.size());
  EXPECT_GT(s.token_latency_s, 0);
  // Two tokens are back to back: the second starts when the first ends on the single chip.
  Picos end0 = 0;
  for (const auto& r : res.records)
    if (r.token == 0) end0 = std::max(end0, r.end);
  // Token 1's first kernel starts after token 0's last; only pre-installed weights lead.
  for (const auto& r : res.records) {
    if (r.token == 1 && r.kind != KernelKind::Gemm) {
      EXPECT_GE(r.start, end0) << r.name;
    }
  }
  expect_roofline_holds(res);
}
