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

TEST(TurnLowering, InterleavedChunksCarryOneDecodeRowOfEveryOtherSequence) {
  // Sarathi-Serve's mixed step: batch 8, one new 1000-token prompt in chunks of 256 (256 x 3 +
  // 232) after 512 cached; the other 7 sequences are mid-answer at 1512 positions and decode one
  // token per chunk step.
  const ModelSpec m = model("llama2_7b");
  Scenario s = turn(512, 1000, 4, 256);
  s.batch = 8;
  s.prefill.schedule = PrefillSchedule::Interleave;
  const auto steps = turn_steps(s);
  ASSERT_EQ(steps.size(), 4u + 3u);
  for (std::size_t c = 0; c < 4; ++c) {
    EXPECT_EQ(steps[c].sequences, 1u);
    EXPECT_EQ(steps[c].decode_seqs, 7u);
    EXPECT_EQ(steps[c].decode_positions, 1512u + c + 1);
  }
  EXPECT_EQ(steps[4].phase, Phase::Decode);
  EXPECT_EQ(steps[4].decode_seqs, 0u);  // after the prefill the whole batch decodes together
  EXPECT_EQ(s.max_context(), 1512u + 4u);

  const std::uint64_t q = 256, past = 512, h = 4096, d = 128, heads = 32, others = 7, pos = 1513;
  const KernelGraph g = lower_step(m, s, steps[0], 1);
  EXPECT_EQ(g.rows, q + others);
  // GEMMs: chunk + batch - 1 rows through the weights, read once.
  const Kernel& qkv = find(g, "L0.qkv");
  EXPECT_EQ(qkv.m, q + others);
  EXPECT_EQ(qkv.flops, 2 * (q + others) * 3 * h * h);
  EXPECT_EQ(qkv.weight_bytes, 2 * h * 3 * h);
  // Attention covers both: the chunk's causal scores over its past, and one query row of each
  // decoding sequence over its own positions; each K/V row read once per group.
  const Kernel& a = find(g, "L0.attn");
  ASSERT_TRUE(a.decode_part);
  const std::uint64_t prefill_scores = q * past + q * (q + 1) / 2, decode_scores = others * pos;
  EXPECT_EQ(a.flops, 4 * heads * d * (prefill_scores + decode_scores));
  EXPECT_EQ(a.kv_read_bytes, 2 * 2 * heads * d * ((past + q) + others * pos));
  EXPECT_EQ(a.groups, heads);  // the prefill's groups; the part's follow them
  EXPECT_EQ(a.decode_part->groups, others * heads);
  EXPECT_EQ(a.decode_part->n, pos);
  EXPECT_EQ(a.decode_part->seq_tokens, 1u);
  const std::vector<Kernel> parts = kernel_parts(a);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].flops, 4 * heads * d * prefill_scores);
  EXPECT_EQ(parts[0].kv_read_bytes + parts[1].kv_read_bytes, a.kv_read_bytes);
  EXPECT_EQ(parts[0].act_in_bytes + parts[1].act_in_bytes, a.act_in_bytes);
  // K/V of the chunk's tokens and of each decoding sequence's one token.
  const Kernel& kv = find(g, "L0.kv_append");
  EXPECT_EQ(kv.m, q + others);
  EXPECT_EQ(kv.kv_write_bytes, 2 * (q + others) * 2 * heads * d);
  ASSERT_TRUE(kv.decode_part);
  EXPECT_EQ(kv.decode_part->m, others);
  EXPECT_EQ(kv.decode_part->k, pos);
  EXPECT_EQ(kernel_parts(kv)[0].m, q);
  // Every decoding sequence samples a token, even from an inner chunk.
  EXPECT_EQ(find(g, "lm_head").m, others);
  EXPECT_EQ(find(lower_step(m, s, steps[3], 1), "lm_head").m, others + 1);
}

TEST(TurnLowering, StalledPrefillCarriesTheNewSequenceAlone) {
  Scenario s = turn(0, 512, 3, 256);
  s.batch = 4;
  s.prefill.schedule = PrefillSchedule::Stall;
  const auto steps = turn_steps(s);
  ASSERT_EQ(steps.size(), 2u + 2u);
  const KernelGraph g = lower_step(model("llama2_7b"), s, steps[0], 1);
  EXPECT_EQ(find(g, "L0.qkv").m, 256u);
  EXPECT_FALSE(find(g, "L0.attn").decode_part);
  EXPECT_EQ(find(g, "L0.attn").groups, 32u);
  EXPECT_EQ(find(lower_step(model("llama2_7b"), s, steps[2], 1), "L0.qkv").m, 4u);  // then all four decode
}
