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
