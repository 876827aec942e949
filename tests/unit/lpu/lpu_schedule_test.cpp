// The static schedule: deterministic to the cycle, and every kernel within physics.
#include <gtest/gtest.h>

#include "lpu/lpu_compiler.h"
#include "lpu/lpu_schedule.h"
#include "matmul/tlm_systolic_core.h"
#include "lpu_test_util.h"

using namespace decodesim;
using namespace decodesim::lpu;
using namespace decodesim::lpu::testing;

namespace {

/// Compiles and schedules every stage of one token on fresh chip timelines.
std::vector<StageRun> schedule_token(const system::SystemConfig& cfg, const std::string& m,
                                     const workload::Scenario& sc) {
  const config::SourceLoc here{"test.yaml", 1, 1};
  const Placement p = place(model(m), sc, cfg.lpu, cfg.system.chips, here, here);
  const KernelGraph g = workload::lower(model(m), sc, 0, p.group);
  std::vector<StageRun> runs;
  Picos in = 0;
  for (const auto& s : p.stage) {
    ChipScheduler chip(cfg.lpu, cfg.link, s.first_chip, p.group);
    runs.push_back(chip.run_stage(stage_program(g, s, p.group), 0, in, 1024, "send"));
    in = runs.back().send_done;
  }
  return runs;
}

/// y[1 x n] = x[1 x k] . W[k x n], int8 weights.
Kernel int8_gemm(std::uint64_t k, std::uint64_t n) {
  Kernel g;
  g.name = "gemm";
  g.kind = KernelKind::Gemm;
  g.m = 1;
  g.k = k;
  g.n = n;
  g.weight_bytes = k * n;
  g.flops = 2 * k * n;
  g.weight_dtype = g.act_dtype = g.kv_dtype = DType::INT8;
  return g;
}

}  // namespace

TEST(LpuSchedule, SameScheduleTwiceGivesIdenticalCycleExactTimelines) {
  const auto cfg = load_sys("lpu_llama2_7b");
  const auto sc = scenario(1, 2048, DType::INT8);
  const auto a = schedule_token(cfg, "llama2_7b", sc);
  const auto b = schedule_token(cfg, "llama2_7b", sc);
  ASSERT_EQ(a.size(), b.size());
  std::size_t events = 0;
  for (std::size_t s = 0; s < a.size(); ++s) {
    EXPECT_TRUE(a[s].events == b[s].events) << "stage " << s;
    EXPECT_EQ(a[s].send_done, b[s].send_done);
    ASSERT_EQ(a[s].records.size(), b[s].records.size());
    for (std::size_t i = 0; i < a[s].records.size(); ++i) {
      EXPECT_EQ(a[s].records[i].start, b[s].records[i].start);
      EXPECT_EQ(a[s].records[i].end, b[s].records[i].end);
      EXPECT_EQ(a[s].records[i].cycles, b[s].records[i].cycles);
    }
    events += a[s].events.size();
  }
  EXPECT_GT(events, 900u) << "a 7B token is about a thousand scheduled unit events";
}

TEST(LpuSchedule, ShiftedInputShiftsTheTimelineExactly) {
  // No arbitration and no state tied to absolute time: starting later moves every event by
  // the same amount (a whole number of cycles keeps the cycle grid). Both start after time
  // zero, so the first tile may install ahead of the input in both.
  const auto cfg = load_sys("lpu_groq");
  const auto sc = scenario(1, 128, DType::INT8);
  const KernelGraph g = workload::lower(model("tiny"), sc, 0, 1);
  const config::SourceLoc here{"test.yaml", 1, 1};
  const Placement p = place(model("tiny"), sc, cfg.lpu, 1, here, here);
  const auto prog = stage_program(g, p.stage[0], 1);
  ChipScheduler c0(cfg.lpu, cfg.link, 0, 1), c1(cfg.lpu, cfg.link, 0, 1);
  const Picos shift = c1.cycles(9000);  // 10 us at 0.9 GHz
  const StageRun a = c0.run_stage(prog, 0, shift, 0, "send");
  const StageRun b = c1.run_stage(prog, 0, 2 * shift, 0, "send");
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(b.events[i].start, a.events[i].start + shift) << a.events[i].name;
    EXPECT_EQ(b.events[i].end, a.events[i].end + shift) << a.events[i].name;
  }
}

TEST(LpuSchedule, EveryKernelAndStageRespectsItsRoofline) {
  const auto cfg = load_sys("lpu_llama2_7b");
  for (const auto& run : schedule_token(cfg, "llama2_7b", scenario(1, 2048, DType::INT8))) {
    for (const auto& r : run.records) EXPECT_GE(r.duration(), r.roofline) << r.name;
    EXPECT_GE(run.send_done - run.input_at, run.roofline);
  }
}

TEST(LpuSchedule, GemmAtBatchOneIsBoundByWeightInstallAndTheSlotCountsIt) {
  // One 320x320 tile per plane: what the slot says one tile from an idle array costs.
  const auto cfg = load_sys("lpu_groq");
  ChipScheduler chip(cfg.lpu, cfg.link, 0, 1);
  const Kernel k = int8_gemm(320, 4 * 320);
  const StageRun run = chip.run_stage({k}, 0, chip.cycles(10000), 0, "send");
  ASSERT_EQ(run.records.size(), 1u);
  const auto& r = run.records[0];
  EXPECT_EQ(r.bound, "weight_load");
  EXPECT_EQ(r.part(TimePart::MxmBusy), chip.cycles(matmul::systolic_cycles(cfg.lpu.geometry(), {1, 320, 320}, 1)));
  EXPECT_EQ(r.part(TimePart::MxmWeightInstall), chip.cycles(320));
  EXPECT_EQ(r.mem_bytes, k.weight_bytes);
  EXPECT_EQ(run.weight_bytes_read, k.weight_bytes);
}

TEST(LpuSchedule, AllReduceAcrossNodesAddsOneGlobalRoundTripOfTheNodesShare) {
  // 32 chips = 4 nodes of 8: reduce-scatter in the node (1/8 to each of 7 mates), then 1/4 of
  // that across the 4 nodes over global ports and back, then all-gather in the node. Every
  // message is one link latency plus its serialisation; the adds run on the VXM in between.
  const auto cfg = load_sys("lpu_llama2_70b", {"lpu.tensor_parallel=32"});
  Kernel k;
  k.name = "ar";
  k.kind = KernelKind::AllReduce;
  k.op = "all_reduce";
  k.collective_bytes = 8192 * 2;  // one bf16 hidden vector of Llama-2-70B
  k.act_dtype = k.weight_dtype = k.kv_dtype = DType::BF16;
  ChipScheduler node(cfg.lpu, cfg.link, 0, 8), wide(cfg.lpu, cfg.link, 0, 32);
  const StageRun one = node.run_stage({k}, 0, 0, 0, "send");
  const StageRun four = wide.run_stage({k}, 0, 0, 0, "send");
  const memory::LinkConfig& l = cfg.link;
  const Picos msg_far = ns_to_picos(l.latency_ns + l.per_hop_ns) + l.serialization(8192 * 2 / 8 / 4);
  const Picos vxm = node.cycles(1 + cfg.lpu.vxm.latency_cycles) + node.cycles(cfg.lpu.hemisphere_transit_cycles());
  EXPECT_EQ(four.end - one.end, 2 * msg_far + vxm) << "one reduce-scatter, one add, one all-gather across nodes";
  EXPECT_EQ(four.records[0].link_bytes, one.records[0].link_bytes + 2 * 3 * (8192 * 2 / 8 / 4));
  EXPECT_GE(four.end, four.roofline);
}

TEST(LpuSchedule, FirstGemmWaitsForItsWeightsToCrossFromMem) {
  // A GEMM at time zero: its weights leave MEM at zero at the earliest and need a hemisphere
  // transit to reach the MXM, so the MXM cannot start installing before that transit (the
  // schedule used to start it sooner and clamp the MEM read to zero, which no run can execute).
  const auto cfg = load_sys("lpu_groq");
  ChipScheduler chip(cfg.lpu, cfg.link, 0, 1);
  const Kernel k = int8_gemm(320, 320);
  const StageRun run = chip.run_stage({k}, 0, 0, 0, "send");
  const MemTiming mem(cfg.lpu);
  const UnitEvent* read = nullptr;
  const UnitEvent* mxm = nullptr;
  for (const auto& e : run.events) {
    if (e.unit == Unit::Mem) read = &e;
    if (e.unit == Unit::Mxm) mxm = &e;
  }
  ASSERT_TRUE(read && mxm);
  EXPECT_GE(mxm->start, mem.transit);
  // The MEM instruction is what the chip's MEM module times: request to last byte delivered.
  EXPECT_EQ(read->bytes, k.weight_bytes);
  EXPECT_EQ(read->end - read->start, mem.deliver(read->bytes));
}
