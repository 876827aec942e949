// Agent turns end to end, in-process: prefill on every family is compute-bound where the
// arithmetic says so, never beats its roofline, conserves bytes, and a turn's TTFT/TPOT add up
// to its time. One simulation per TEST (one process each).
#include <gtest/gtest.h>

#include <map>

#include "report/report.h"
#include "report/turn.h"
#include "sim_harness.h"
#include "system/run.h"

using namespace decodesim;
using decodesim::test::expect_roofline_holds;

namespace {

system::RunRequest turn_request(const std::string& sys, const std::string& model, std::uint64_t cached,
                                std::uint64_t prompt, std::uint32_t output, std::vector<std::string> sets = {}) {
  system::RunRequest r = test::request(sys, model, 1, std::move(sets));
  r.scenario.turn = true;
  r.scenario.cached_tokens = cached;
  r.scenario.prompt_tokens = prompt;
  r.scenario.output_tokens = output;
  return r;
}

/// Every prefill GEMM whose arithmetic intensity is above the chip's ridge point must come out
/// compute-bound: its time is at least its FLOPs at peak, and the model calls it compute.
void expect_prefill_gemms_compute_bound(const system::RunResult& res, const std::string& compute_bound) {
  const double ridge = res.peak_flops / res.peak_mem_bytes_per_s;
  int checked = 0;
  for (const auto& r : res.records) {
    if (r.phase != Phase::Prefill || r.kind != KernelKind::Gemm || r.chip != 0 || r.op == "lm_head") continue;
    ASSERT_GT(r.mem_bytes, 0u) << r.name;
    const double intensity = static_cast<double>(r.flops) / static_cast<double>(r.mem_bytes);
    if (intensity < 2 * ridge) continue;
    ++checked;
    EXPECT_GE(picos_to_seconds(r.duration()), static_cast<double>(r.flops) / res.peak_flops * 0.999) << r.name;
    EXPECT_EQ(r.bound, compute_bound) << r.name << " at " << intensity << " FLOP/B, ridge " << ridge;
  }
  EXPECT_GT(checked, 0) << "no prefill GEMM above the ridge point";
}

}  // namespace

TEST(Turn, TpuPrefillIsComputeBoundAndConservesBytes) {
  auto req = turn_request("tpu_v5e", "llama2_7b", 0, 1024, 3, {"sim.reuse=false"});
  req.model.layers = 2;
  const auto res = system::simulate(req);
  expect_roofline_holds(res);
  expect_prefill_gemms_compute_bound(res, "compute");
  // Bytes the memory served are the bytes the turn needs: weights once per step, the K/V rows
  // read, the new tokens' K/V written.
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
}

TEST(Turn, GpuPrefillIsComputeBoundAndNeverBelowTheRoofline) {
  auto req = turn_request("gpu_h100", "llama2_7b", 0, 1024, 2);
  req.model.layers = 2;
  const auto res = system::simulate(req);
  expect_roofline_holds(res);
  expect_prefill_gemms_compute_bound(res, "compute");
  // Weights and K/V must come from HBM at least once; prefill activations may spill too.
  EXPECT_GE(res.memory_served_bytes, res.workload_memory_bytes);
}

TEST(Turn, LpuStreamsThePromptThroughItsPipeline) {
  auto req = turn_request("lpu_llama2_7b", "llama2_7b", 0, 256, 3);
  req.scenario.weight_dtype = DType::INT8;
  const auto res = system::simulate(req);
  expect_roofline_holds(res);
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
  const auto t = report::turn_metrics(req, res);
  // The prompt's 256 rows cost more than one decode step, far less than 256 of them.
  ASSERT_EQ(t.phases.size(), 2u);
  const double decode_step = t.phases[1].time_s / t.phases[1].steps;
  EXPECT_GT(t.ttft_s, decode_step);
  EXPECT_LT(t.ttft_s, 256 * decode_step);
}

TEST(Turn, TtftPlusTpotMakeTheTurnTime) {
  auto req = turn_request("tpu_v5e", "llama2_7b", 4096, 512, 5);
  req.model.layers = 2;
  req.scenario.prefill.chunk_tokens = 200;  // 200 + 200 + 112
  const auto res = system::simulate(req);
  const auto t = report::turn_metrics(req, res);
  EXPECT_EQ(t.prefill_steps, 3u);
  ASSERT_EQ(t.phases.size(), 2u);
  EXPECT_EQ(t.phases[0].phase, "prefill");
  EXPECT_EQ(t.phases[1].phase, "decode");
  EXPECT_EQ(t.phases[1].steps, 4u);
  EXPECT_GT(t.ttft_s, 0);
  EXPECT_NEAR(t.turn_s, t.ttft_s + 4 * t.tpot_s, 1e-12);
  EXPECT_DOUBLE_EQ(t.turn_s, picos_to_seconds(res.total_time));
  // Prefill of 512 tokens against 4k of context costs more than one decode step.
  EXPECT_GT(t.ttft_s, t.tpot_s);
  expect_roofline_holds(res);
}

namespace {

/// Chunked prefill of one new prompt with the other sequences' decode interleaved
/// (prefill.schedule interleave): every mixed step's attention and KV append carry the decode
/// part, and the turn reports the tokens the others emitted meanwhile.
void expect_interleaved_turn(const system::RunRequest& req, const system::RunResult& res) {
  expect_roofline_holds(res);
  int mixed = 0;
  for (const auto& r : res.records)
    if (r.phase == Phase::Prefill && r.op == "qkv" && r.chip == 0) {
      EXPECT_EQ(r.m, req.scenario.prefill.chunk_tokens + req.scenario.batch - 1) << r.name;
      ++mixed;
    }
  EXPECT_GT(mixed, 0);
  const auto t = report::turn_metrics(req, res);
  EXPECT_EQ(t.running_sequences, req.scenario.batch - 1u);
  EXPECT_EQ(t.running_tokens_in_prefill, t.prefill_steps);
  EXPECT_GT(t.running_max_gap_s, 0);
  // Each of their tokens waits at most one step: never the whole prefill.
  EXPECT_LT(t.running_max_gap_s, t.ttft_s);
}

/// One new prompt of `prompt` tokens after `cached`, in chunks of `chunk`, beside batch - 1
/// running sequences, under `schedule`; 3 output tokens.
system::RunRequest one_new_prompt(const std::string& sys, std::uint64_t cached, std::uint64_t prompt,
                                  std::uint32_t batch, std::uint64_t chunk, workload::PrefillSchedule schedule,
                                  std::vector<std::string> sets = {}) {
  auto req = turn_request(sys, "llama2_7b", cached, prompt, 3, std::move(sets));
  req.scenario.batch = batch;
  req.scenario.prefill.chunk_tokens = chunk;
  req.scenario.prefill.schedule = schedule;
  return req;
}

}  // namespace

TEST(Turn, TpuInterleavedChunksConserveBytes) {
  auto req = one_new_prompt("tpu_v5e", 256, 512, 4, 128, workload::PrefillSchedule::Interleave, {"sim.reuse=false"});
  req.model.layers = 2;
  const auto res = system::simulate(req);
  expect_interleaved_turn(req, res);
  // The decode rows' K/V reads and writes land in their own sequences' cache, once each.
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
}

TEST(Turn, GpuInterleavedChunksRunBothAttentionParts) {
  auto req = one_new_prompt("gpu_h100", 256, 512, 4, 256, workload::PrefillSchedule::Interleave);
  req.model.layers = 2;
  const auto res = system::simulate(req);
  expect_interleaved_turn(req, res);
  EXPECT_GE(res.memory_served_bytes, res.workload_memory_bytes);
}

TEST(Turn, LpuInterleavedChunksConserveBytes) {
  auto req = one_new_prompt("lpu_llama2_7b", 0, 256, 2, 64, workload::PrefillSchedule::Interleave);
  req.scenario.weight_dtype = DType::INT8;
  const auto res = system::simulate(req);
  expect_interleaved_turn(req, res);
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
}

TEST(Turn, TpuStalledPrefillLaysOutTheWholeBatchCache) {
  // One new prompt prefills alone; the four sequences' decode steps that follow address their
  // own cache rows, so the plan must hold all of them.
  auto req = one_new_prompt("tpu_v5e", 0, 256, 4, 128, workload::PrefillSchedule::Stall, {"sim.reuse=false"});
  req.model.layers = 2;
  const auto res = system::simulate(req);
  expect_roofline_holds(res);
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
  const auto t = report::turn_metrics(req, res);
  EXPECT_EQ(t.running_tokens_in_prefill, 0u);
  // The others' next token waits for the whole prefill and the first decode step.
  EXPECT_GT(t.running_max_gap_s, t.ttft_s);
}

TEST(Turn, LpuPromptChunksOverlapInThePipeline) {
  // The prompt streams through the stages: chunk c + 1 enters stage 0 when stage 0 is done with
  // chunk c, while chunk c is still in the later stages. Only the last chunk samples a token,
  // so only the first decode step waits for one to come back.
  auto req = turn_request("lpu_llama2_7b", "llama2_7b", 0, 256, 2);
  req.scenario.weight_dtype = DType::INT8;
  req.scenario.prefill.chunk_tokens = 64;
  const auto res = system::simulate(req);
  expect_roofline_holds(res);
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
  ASSERT_GE(res.path_chips.size(), 2u);
  const std::uint32_t first_stage = res.path_chips.front(), last_stage = res.path_chips.back();
  std::map<std::uint32_t, Picos> start_first, end_last;
  for (const auto& r : res.records) {
    if (r.chip == first_stage && !start_first.count(r.token)) start_first[r.token] = r.start;
    if (r.chip == last_stage) end_last[r.token] = std::max(end_last[r.token], r.end);
  }
  for (std::uint32_t c = 0; c + 1 < 4; ++c)
    EXPECT_LT(start_first.at(c + 1), end_last.at(c)) << "chunk " << c + 1 << " waited for chunk " << c;
  // The decode step starts only after the sampled token is back.
  EXPECT_GT(start_first.at(4), end_last.at(3));
  const auto t = report::turn_metrics(req, res);
  EXPECT_EQ(t.prefill_steps, 4u);
}

TEST(Turn, TpuDraftOnTheSameChipRunsInTheTurn) {
  // Speculative decoding with the draft on the target's chip: each round's k draft steps run in
  // this simulation (phase draft) from the draft's own weights and KV cache, laid out above the
  // target's, so the bytes the memory served are still exactly the bytes the steps need.
  auto req = turn_request("tpu_v5e", "llama2_7b", 0, 64, 9, {"sim.reuse=false"});
  req.model.layers = 2;
  req.scenario.batch = 4;
  req.scenario.speculative.draft_tokens = 3;
  req.scenario.speculative.acceptance = 0.8;
  req.scenario.speculative.draft_model = "tiny";
  req.draft = workload::load_model("tiny", std::string(DECODESIM_SOURCE_DIR) + "/workloads");
  const auto res = system::simulate(req);
  expect_roofline_holds(res);
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
  const auto t = report::turn_metrics(req, res);
  ASSERT_TRUE(t.draft_in_run);
  ASSERT_EQ(t.phases.size(), 3u);  // prefill, then draft and verify steps by rounds
  EXPECT_EQ(t.phases[1].phase, "draft");
  EXPECT_EQ(t.phases[1].steps, 3 * t.rounds);
  EXPECT_GT(t.draft_step_s, 0);
  // The draft's kernels are the tiny model's (its own layer count), on the same chip.
  int draft_layers = 0;
  for (const auto& r : res.records)
    if (r.phase == Phase::Draft) draft_layers = std::max(draft_layers, r.layer + 1);
  EXPECT_EQ(draft_layers, static_cast<int>(req.draft.layers));
  EXPECT_DOUBLE_EQ(t.turn_s, picos_to_seconds(res.total_time));
}
