// Agent turns in the lowering: prefill chunks, the decode steps after them, speculative verify
// steps, and exact bytes and FLOPs of a prefill step against hand calculations (docs/turns.md).
#include <gtest/gtest.h>

#include <cmath>

#include "workload_test_util.h"

using namespace decodesim;
using namespace decodesim::workload;
using namespace decodesim::workload::testing;

namespace {

Scenario turn(std::uint64_t cached, std::uint64_t prompt, std::uint32_t output, std::uint64_t chunk = 0) {
  Scenario s;
  s.turn = true;
  s.cached_tokens = cached;
  s.prompt_tokens = prompt;
  s.output_tokens = output;
  s.prefill.chunk_tokens = chunk;
  return s;
}

const Kernel& find(const KernelGraph& g, const std::string& name) {
  for (const auto& k : g.kernels)
    if (k.name == name) return k;
  throw std::runtime_error("no kernel " + name);
}

}  // namespace

TEST(TurnLowering, PlainDecodeStepsAreTheDecodeScenario) {
  const Scenario s = scenario(1, 2048, 3);
  const auto steps = turn_steps(s);
  ASSERT_EQ(steps.size(), 3u);
  for (std::uint32_t t = 0; t < 3; ++t) {
    EXPECT_EQ(steps[t].phase, Phase::Decode);
    EXPECT_EQ(steps[t].seq_tokens, 1u);
    EXPECT_EQ(steps[t].positions, 2048u + t);
  }
}

TEST(TurnLowering, ChunkedPrefillThenDecodeSteps) {
  // 8k cached, 2k prompt in chunks of 768 (768 + 768 + 512), 300 output tokens: the prefill
  // emits the first, so 299 decode steps follow.
  const auto steps = turn_steps(turn(8192, 2048, 300, 768));
  ASSERT_EQ(steps.size(), 3u + 299u);
  EXPECT_EQ(steps[0].phase, Phase::Prefill);
  EXPECT_EQ(steps[0].seq_tokens, 768u);
  EXPECT_EQ(steps[0].positions, 8192u + 768u);
  EXPECT_EQ(steps[0].logits_per_seq, 0u);  // an inner chunk samples nothing
  EXPECT_EQ(steps[2].seq_tokens, 512u);
  EXPECT_EQ(steps[2].positions, 8192u + 2048u);
  EXPECT_EQ(steps[2].logits_per_seq, 1u);
  EXPECT_EQ(steps[3].phase, Phase::Decode);
  EXPECT_EQ(steps[3].positions, 8192u + 2048u + 1u);
  EXPECT_EQ(steps.back().positions, 8192u + 2048u + 299u);
}

TEST(TurnLowering, PrefillStepCountsRowsCausalScoresAndKvWrites) {
  const ModelSpec m = model("llama2_7b");
  const Scenario s = turn(1000, 512, 1);
  const auto steps = turn_steps(s);
  ASSERT_EQ(steps.size(), 1u);
  const KernelGraph g = lower_step(m, s, steps[0], 1);
  EXPECT_EQ(g.phase, Phase::Prefill);
  const std::uint64_t q = 512, past = 1000, h = 4096, d = 128, heads = 32;
  const Kernel& qkv = find(g, "L0.qkv");
  EXPECT_EQ(qkv.m, q);  // M = prompt tokens x batch: compute-heavy
  EXPECT_EQ(qkv.flops, 2 * q * 3 * h * h);
  EXPECT_EQ(qkv.weight_bytes, 2 * h * 3 * h);  // weights read once for all rows
  EXPECT_EQ(qkv.phase, Phase::Prefill);
  const Kernel& a = find(g, "L0.attn");
  // Token i of the chunk sees the past and new tokens 0..i.
  const std::uint64_t scores = q * past + q * (q + 1) / 2;
  EXPECT_EQ(a.flops, 4 * heads * d * scores);
  EXPECT_EQ(a.kv_read_bytes, 2 * 2 * heads * (past + q) * d);  // each K/V row once
  EXPECT_EQ(a.m, q);  // one query head per KV head (MHA) times q tokens
  const Kernel& kv = find(g, "L0.kv_append");
  EXPECT_EQ(kv.kv_write_bytes, 2 * q * 2 * heads * d);  // K and V of every new token
  // Only the last prompt row reaches the LM head.
  EXPECT_EQ(find(g, "lm_head").m, 1u);
  EXPECT_EQ(find(g, "final_norm").m, 1u);
}

TEST(TurnLowering, DecodeStepOfATurnEqualsTheDecodeLowering) {
  // The step after a prefill is an ordinary decode step at the grown context.
  const ModelSpec m = model("llama2_7b");
  const Scenario s = turn(100, 50, 3);
  const auto steps = turn_steps(s);
  ASSERT_EQ(steps.size(), 3u);
  const KernelGraph g = lower_step(m, s, steps[1], 1);
  const KernelGraph d = lower(m, scenario(1, 151, 1), 0, 1);
  ASSERT_EQ(g.kernels.size(), d.kernels.size());
  for (std::size_t i = 0; i < g.kernels.size(); ++i) {
    EXPECT_EQ(g.kernels[i].flops, d.kernels[i].flops) << g.kernels[i].name;
    EXPECT_EQ(g.kernels[i].memory_bytes(), d.kernels[i].memory_bytes()) << g.kernels[i].name;
  }
}

TEST(TurnLowering, SpeculativeVerifyIsADecodeOfKPlusOneRows) {
  Scenario s = turn(0, 64, 101);
  s.speculative.draft_tokens = 4;
  s.speculative.acceptance = 0.8;
  s.speculative.draft_model = "tiny";
  const double e = (1 - std::pow(0.8, 5)) / (1 - 0.8);
  EXPECT_NEAR(s.speculative.expected_tokens(), e, 1e-12);
  const auto steps = turn_steps(s);
  const std::size_t rounds = static_cast<std::size_t>(std::ceil(100 / e));
  ASSERT_EQ(steps.size(), 1 + rounds);
  EXPECT_EQ(steps[1].phase, Phase::Verify);
  EXPECT_EQ(steps[1].seq_tokens, 5u);
  EXPECT_EQ(steps[1].logits_per_seq, 5u);
  const KernelGraph g = lower_step(model("llama2_7b"), s, steps[1], 1);
  EXPECT_EQ(find(g, "L0.qkv").m, 5u);
  EXPECT_EQ(find(g, "lm_head").m, 5u);  // every drafted position is scored
  double p = 0;
  for (double x : s.speculative.emitted_distribution()) p += x;
  EXPECT_NEAR(p, 1.0, 1e-12);
}

TEST(TurnLowering, TurnKeysWithoutTurnAreRefused) {
  const std::string err = error_of([] {
    Scenario s;
    config::Node n;
    n.kind = config::Node::Kind::Map;
    n.loc = {"<test>", 1, 1};
    config::Node v;
    v.kind = config::Node::Kind::Scalar;
    v.scalar = "100";
    v.loc = {"<test>", 2, 3};
    n.map.emplace_back("prompt_tokens", v);
    Scenario::schema().read(&n, "scenario", s);
  });
  EXPECT_NE(err.find("scenario.prompt_tokens"), std::string::npos) << err;
  EXPECT_NE(err.find("turn"), std::string::npos) << err;
}
