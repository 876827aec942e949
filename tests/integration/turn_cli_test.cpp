// Agent turns through the CLI: what a turn writes (phase column, turn section), speculative
// decoding's speed-up against acceptance and draft length, and bad turn input.
#include <gtest/gtest.h>

#include "cli_harness.h"

using namespace decodesim::test;

namespace {

// A 2-layer Llama-2-7B at batch 32 on TPU v5e: plain decode rows (32) are far below the
// chip's ridge point (197 TFLOP/s / 819 GB/s = 240 FLOP/B), so the verify step is memory-bound
// until (k + 1) x 32 rows pass it.
std::vector<std::string> spec_args(int k, double acceptance) {
  return {"--system", "tpu_v5e", "--model", "llama2_7b", "--set", "model.layers=2", "--batch", "32", "--turn",
          "--prompt-tokens", "64", "--output-tokens", "33", "--set", "scenario.speculative.draft_model=tiny",
          "--set", "scenario.speculative.draft_tokens=" + std::to_string(k), "--set",
          "scenario.speculative.acceptance=" + std::to_string(acceptance)};
}

}  // namespace

TEST(TurnCli, ATurnWritesItsPhasesAndFigures) {
  ScratchDir d("turn-out");
  const auto j = run_json(d, "r", {"--system", "tpu_v5e", "--model", "tiny", "--turn", "--cached-tokens", "100",
                                   "--prompt-tokens", "40", "--output-tokens", "4"});
  const auto& t = j.at("turn");
  EXPECT_GT(t.at("ttft_s").get<double>(), 0);
  EXPECT_GT(t.at("tpot_s").get<double>(), 0);
  EXPECT_NEAR(t.at("turn_s").get<double>(), t.at("ttft_s").get<double>() + 3 * t.at("tpot_s").get<double>(), 1e-12);
  EXPECT_EQ(j.at("scenario").at("prompt_tokens"), 40);
  EXPECT_EQ(j.at("kernels").front().at("phase"), "prefill");
  EXPECT_EQ(j.at("kernels").back().at("phase"), "decode");
  const std::string csv = slurp(d.path("r/kernels.csv"));
  EXPECT_NE(csv.substr(0, csv.find('\n')).find(",phase"), std::string::npos);
  EXPECT_NE(csv.find(",prefill\n"), std::string::npos);
}

TEST(TurnCli, PlainDecodeKeepsItsOutputsWithoutTurnFields) {
  ScratchDir d("turn-plain");
  const auto j = run_json(d, "r", {"--system", "tpu_v5e", "--model", "tiny"});
  EXPECT_FALSE(j.contains("turn"));
  EXPECT_FALSE(j.at("scenario").contains("prompt_tokens"));
  EXPECT_FALSE(j.at("kernels").front().contains("phase"));
  const std::string csv = slurp(d.path("r/kernels.csv"));
  EXPECT_EQ(csv.substr(0, csv.find('\n')).find("phase"), std::string::npos);
}

TEST(TurnCli, SpeculativeSpeedupGrowsWithAcceptanceAndFallsPastTheRidge) {
  ScratchDir d("turn-spec");
  auto speedup = [&](int k, double a, double* verify = nullptr) {
    const auto j = run_json(d, "k" + std::to_string(k) + "a" + std::to_string(a), spec_args(k, a));
    const auto& s = j.at("turn").at("speculative");
    EXPECT_GT(s.at("draft_step_s").get<double>(), 0);
    EXPECT_GT(s.at("decode_step_s").get<double>(), 0);
    if (verify) *verify = s.at("verify_step_s").get<double>();
    return s.at("speedup").get<double>();
  };
  double v2 = 0, v4 = 0, v8 = 0, v16 = 0;
  const double low = speedup(8, 0.5), k8 = speedup(8, 0.9, &v8);
  EXPECT_GT(k8, low) << "more accepted tokens per round, same round time";
  const double k2 = speedup(2, 0.9, &v2), k4 = speedup(4, 0.9, &v4), k16 = speedup(16, 0.9, &v16);
  EXPECT_GT(k4, k2) << "below the ridge, a longer draft is nearly free";
  EXPECT_GT(k8, k4);
  EXPECT_LT(k16, k8) << "past the ridge, each drafted token costs compute";
  // The verify step barely grows while memory-bound (96 -> 160 rows), then with the rows (288 -> 544).
  EXPECT_LT(v4, 1.05 * v2);
  EXPECT_GT(v16, 1.5 * v8);
}

TEST(TurnCli, TurnKeysWithoutTurnAreRejected) {
  ScratchDir d("turn-bad");
  expect_rejected(d, {"run", "--system", "tpu_v5e", "--model", "tiny", "--prompt-tokens", "10"},
                  {"--prompt-tokens", "scenario.prompt_tokens", "turn"});
  expect_rejected(d,
                  {"run", "--system", "tpu_v5e", "--model", "tiny", "--turn", "--set",
                   "scenario.speculative.draft_tokens=3"},
                  {"scenario.speculative.draft_model"});
}

TEST(TurnCli, InterleavedChunksKeepTheOtherSequencesDecoding) {
  // One new 1024-token prompt in chunks of 256 at batch 8 on TPU v5e: stalled, the seven running
  // sequences wait for the whole prefill; interleaved (Sarathi-Serve), each chunk step gives each
  // of them a token, at the price of a longer TTFT for the new one.
  ScratchDir d("turn-interleave");
  auto run = [&](const std::string& schedule) {
    return run_json(d, schedule,
                    {"--system", "tpu_v5e", "--model", "llama2_7b", "--set", "model.layers=2", "--batch", "8", "--turn",
                     "--cached-tokens", "1024", "--prompt-tokens", "1024", "--output-tokens", "4", "--set",
                     "scenario.prefill.chunk_tokens=256", "--set", "scenario.prefill.schedule=" + schedule});
  };
  const auto stall = run("stall"), inter = run("interleave");
  const auto& s = stall.at("turn");
  const auto& i = inter.at("turn");
  EXPECT_EQ(i.at("schedule"), "interleave");
  EXPECT_EQ(s.at("running").at("tokens_in_prefill"), 0);
  EXPECT_EQ(i.at("running").at("tokens_in_prefill"), 4);  // one per chunk step
  // The decode rows ride on the chunk's GEMMs: the prefill takes longer, but not 4 decode steps longer.
  const double ttft_s = s.at("ttft_s").get<double>(), ttft_i = i.at("ttft_s").get<double>();
  EXPECT_GT(ttft_i, ttft_s);
  EXPECT_LT(ttft_i - ttft_s, 4 * s.at("tpot_s").get<double>());
  // Stalled, the others' longest wait is the whole prefill and a decode step; interleaved it is
  // one mixed step, a quarter of the prefill.
  const double gap_s = s.at("running").at("max_gap_s").get<double>();
  const double gap_i = i.at("running").at("max_gap_s").get<double>();
  EXPECT_GT(gap_s, ttft_s);
  EXPECT_LT(gap_i, gap_s / 2);
  // Every chunk step's GEMMs carry the chunk and the seven decode rows.
  int mixed = 0;
  for (const auto& k : inter.at("kernels"))
    if (k.at("phase") == "prefill" && k.at("name") == "L0.qkv") {
      EXPECT_EQ(k.at("m"), 256 + 7);
      ++mixed;
    }
  EXPECT_EQ(mixed, 4);
  const std::string csv = slurp(d.path("interleave/kernels.csv"));
  EXPECT_NE(csv.find(",prefill\n"), std::string::npos);
}

TEST(TurnCli, TheDraftsKernelsAreInTheTurnsOutputsWhereItRunsOnTheSameChip) {
  ScratchDir d("turn-draft");
  std::vector<std::string> args = spec_args(4, 0.8);
  const std::string trace = d.path("trace.json");
  args.insert(args.end(), {"--trace", trace});
  const auto j = run_json(d, "same", args);
  EXPECT_TRUE(j.at("turn").at("speculative").at("draft_in_run").get<bool>());
  int draft_kernels = 0;
  for (const auto& k : j.at("kernels")) draft_kernels += k.at("phase") == "draft";
  EXPECT_GT(draft_kernels, 0);
  EXPECT_NE(slurp(d.path("same/kernels.csv")).find(",draft\n"), std::string::npos);
  EXPECT_NE(slurp(trace).find("\"phase\":\"draft\""), std::string::npos);
  // On its own system the draft's step is measured by its own run: not in these outputs.
  std::vector<std::string> own = spec_args(4, 0.8);
  own.insert(own.end(), {"--set", "scenario.speculative.draft_system=tpu_v5e"});
  const auto o = run_json(d, "own", own);
  EXPECT_FALSE(o.at("turn").at("speculative").at("draft_in_run").get<bool>());
  EXPECT_GT(o.at("turn").at("speculative").at("draft_step_s").get<double>(), 0);
  for (const auto& k : o.at("kernels")) EXPECT_NE(k.at("phase"), "draft");
}
