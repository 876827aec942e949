// The architect's models of issue 14 (Llama-3.1-70B/405B, Qwen2.5-72B, DeepSeek-V3): exact
// parameter and KV-cache byte counts against hand calculation, and MLA / shared-expert lowering.
//
// Llama-shaped layer (h = hidden, q = heads·head_dim, c = kv_heads·head_dim):
//   attention h·q + 2·h·c + q·h, FFN 3·h·ffn, norms 2·h; + vocab·h (embedding) + vocab·h (head) + h.
// KV bytes per token = layers · 2 · kv_heads · head_dim · 2 bytes (bf16).
#include <gtest/gtest.h>

#include "workload_test_util.h"

using namespace decodesim;
using namespace decodesim::workload;
using namespace decodesim::workload::testing;

namespace {

std::uint64_t kv_bytes_per_token_bf16(const ModelSpec& m) {
  return std::uint64_t{m.layers} * m.kv_elements_per_position(m.kv_heads) * 2;
}

}  // namespace

TEST(NewModels, Llama3_1_70bParametersAndKv) {
  // Model card: huggingface.co/meta-llama/Llama-3.1-70B ("70B"); arXiv:2407.21783 Table 3.
  // Per layer: 2·8192² + 2·8192·1024 = 150,994,944 + 3·8192·28672 = 704,643,072 + 16,384
  //          = 855,654,400; ×80 = 68,452,352,000; + 2·128,256·8192 = 2,101,346,304; + 8,192.
  const ModelSpec m = model("llama3_1_70b");
  EXPECT_EQ(m.parameter_count(), 70'553'706'496ULL);
  // KV: 80 · 2 · 8 · 128 · 2 B = 327,680 B per token.
  EXPECT_EQ(kv_bytes_per_token_bf16(m), 327'680u);
}

TEST(NewModels, Llama3_1_405bParametersAndKv) {
  // Model card: huggingface.co/meta-llama/Llama-3.1-405B ("405B"); arXiv:2407.21783 Table 3.
  // Per layer: 2·16384² + 2·16384·1024 = 570,425,344 + 3·16384·53248 = 2,617,245,696 + 32,768
  //          = 3,187,703,808; ×126 = 401,650,679,808; + 2·128,256·16384 = 4,202,692,608; + 16,384.
  const ModelSpec m = model("llama3_1_405b");
  EXPECT_EQ(m.parameter_count(), 405'853'388'800ULL);
  // KV: 126 · 2 · 8 · 128 · 2 B = 516,096 B per token.
  EXPECT_EQ(kv_bytes_per_token_bf16(m), 516'096u);
}

TEST(NewModels, Qwen2_5_72bParametersIncludeQkvBiasAndKv) {
  // Model card: huggingface.co/Qwen/Qwen2.5-72B ("72.7B", "70.0B non-embedding").
  // Per layer: 150,994,944 (Wq, Wk, Wv, Wo) + 8192 + 2·1024 = 10,240 (biases)
  //          + 3·8192·29568 = 726,663,168 + 16,384 = 877,684,736; ×80 = 70,214,778,880;
  //          + 2·152,064·8192 = 2,491,416,576; + 8,192.
  const ModelSpec m = model("qwen2_5_72b");
  EXPECT_EQ(m.parameter_count(), 72'706'203'648ULL);
  EXPECT_EQ(m.parameter_count() - m.parameter_breakdown().embedding - m.parameter_breakdown().lm_head,
            70'214'787'072ULL);  // the card's 70.0B non-embedding (final norm included)
  EXPECT_EQ(kv_bytes_per_token_bf16(m), 327'680u);  // 80 · 2 · 8 · 128 · 2
  // The bias is read beside the QKV GEMM: (64 + 2·8)·128 = 10,240 bf16 values = 20,480 B per layer.
  const KernelGraph g = lower(m, scenario(1, 128), 0, 1);
  EXPECT_EQ(sum_over(g, "bias", [](const Kernel& k) { return k.weight_bytes; }), 80ULL * 20'480);
}

TEST(NewModels, DeepSeekV3ParametersMatchTheCard) {
  // Model card: huggingface.co/deepseek-ai/DeepSeek-V3 ("671B total, 37B activated";
  // main model without the MTP module). arXiv:2412.19437 §4.2 gives the shapes.
  // MLA per layer: W_DQ 7168·1536 = 11,010,048; W_UQ 1536·128·192 = 37,748,736;
  //   W_DKV+W_KR 7168·576 = 4,128,768; W_UK+W_UV 512·128·256 = 16,777,216; W_O 128·128·7168
  //   = 117,440,512; sum 187,105,280; ×61 = 11,413,422,080.
  // FFN: 3 dense layers · 3·7168·18432 = 1,189,085,184; 58 MoE layers · (256 + 1)·3·7168·2048
  //   = 58 · 11,318,329,344 = 656,463,101,952; total 657,652,187,136.
  // Router: 58 · (7168·256 + 256) = 106,445,312.
  // Norms: 61 · (2·7168 + 1536 + 512) + 7168 = 1,006,592.
  // Embedding and head: 2 · 129,280·7168 = 1,853,358,080.
  const ModelSpec m = model("deepseek_v3");
  const ParameterBreakdown p = m.parameter_breakdown();
  EXPECT_EQ(p.attention, 11'413'422'080ULL);
  EXPECT_EQ(p.ffn, 657'652'187'136ULL);
  EXPECT_EQ(p.router, 106'445'312ULL);
  EXPECT_EQ(p.norms, 1'006'592ULL);
  EXPECT_EQ(p.embedding + p.lm_head, 1'853'358'080ULL);
  EXPECT_EQ(m.parameter_count(), 671'026'419'200ULL);
  // Active: the 248 unchosen routed experts of 58 layers drop out: 671,026,419,200
  //   − 248·58·44,040,192 = 37,552,297,472 (the card's "37B").
  EXPECT_EQ(m.active_parameters_per_token(), 37'552'297'472ULL);
}

TEST(NewModels, DeepSeekV3CachesOnlyTheLatent) {
  // MLA caches c_kv (512) and the shared RoPE key (64) per token per layer:
  // 61 · 576 · 2 B = 70,272 B per token, against 61 · 2 · 128 · 128 · 2 = 3,997,696 B for
  // the same heads under standard MHA (arXiv:2405.04434 Table 1: (d_c + d_h^R)·l elements).
  const ModelSpec m = model("deepseek_v3");
  EXPECT_EQ(kv_bytes_per_token_bf16(m), 70'272u);
  // Resident at batch 1, context 4096: the KV part is 61 · 4096 · 576 · 2 B = 287,834,112 B, and
  // tensor parallelism does not shrink it (every chip's heads read the whole latent).
  Scenario s = scenario(1, 4096);
  const Bytes kv1 = resident_bytes_per_chip(m, s, 1) - resident_weight_bytes(m, 1, s.weight_dtype).layers_total(61) -
                    resident_weight_bytes(m, 1, s.weight_dtype).embedding -
                    resident_weight_bytes(m, 1, s.weight_dtype).lm_head -
                    resident_weight_bytes(m, 1, s.weight_dtype).final_norm;
  EXPECT_EQ(kv1, 287'834'112ULL);
  const ResidentBytes r8 = resident_weight_bytes(m, 8, s.weight_dtype);
  EXPECT_EQ(resident_bytes_per_chip(m, s, 8) - r8.layers_total(61) - r8.embedding - r8.lm_head - r8.final_norm,
            287'834'112ULL);
}

TEST(NewModels, MlaLowersAbsorbedOverTheLatent) {
  const ModelSpec m = model("deepseek_v3");
  const std::uint64_t ctx = 1000;
  const KernelGraph g = lower(m, scenario(2, ctx), 0, 1);
  const Kernel* attn = nullptr;
  const Kernel* append = nullptr;
  std::vector<std::string> ops;
  for (const Kernel& k : g.kernels) {
    if (k.layer != 0) continue;
    ops.push_back(k.op == "norm" || k.op == "residual" ? k.name.substr(3) : k.op);
    if (k.kind == KernelKind::Attention) attn = &k;
    if (k.kind == KernelKind::KvAppend) append = &k;
  }
  const std::vector<std::string> want = {"norm_attn", "q_a",      "q_a_norm", "q_b",           "kv_a",
                                         "kv_a_norm", "rope",     "kv_append", "q_absorb",     "attn",
                                         "v_up",      "o",        "residual_attn", "norm_ffn", "gate_up",
                                         "silu_mul",  "down",     "residual_ffn"};
  EXPECT_EQ(ops, want);  // layer 0 is one of the 3 dense layers
  ASSERT_TRUE(attn && append);
  // One latent "head" per sequence, read once for QKᵀ (576 wide) and P·V (its first 512).
  EXPECT_TRUE(attn->kv_shared);
  EXPECT_EQ(attn->groups, 2u);
  EXPECT_EQ(attn->m, 128u);
  EXPECT_EQ(attn->k, 576u);
  EXPECT_EQ(attn->value_dim(), 512u);
  EXPECT_EQ(attn->kv_read_bytes, 2ULL * 1000 * 576 * 2);
  // FLOPs: 2 · 128 heads · 1000 positions · (576 + 512) · 2 sequences.
  EXPECT_EQ(attn->flops, 2ULL * 128 * 1000 * 1088 * 2);
  EXPECT_EQ(append->kv_write_bytes, 2ULL * 576 * 2);
  // q_absorb: per head q_nope (128) · W_UK (128×512); v_up: latent out (512) · W_UV (512×128).
  for (const Kernel& k : g.kernels)
    if (k.layer == 0 && k.op == "q_absorb") {
      EXPECT_EQ(k.groups, 128u);
      EXPECT_EQ(k.k, 128u);
      EXPECT_EQ(k.n, 512u);
      EXPECT_EQ(k.weight_bytes, 128ULL * 128 * 512 * 2);
    } else if (k.layer == 0 && k.op == "v_up") {
      EXPECT_EQ(k.groups, 128u);
      EXPECT_EQ(k.k, 512u);
      EXPECT_EQ(k.n, 128u);
    }
}

TEST(NewModels, SharedExpertRunsBesideTheRoutedOnes) {
  const ModelSpec m = model("deepseek_v3");
  const KernelGraph g = lower(m, scenario(1, 16), 0, 1);
  std::vector<std::string> ops;
  for (const Kernel& k : g.kernels)
    if (k.layer == 3 && (k.kind == KernelKind::Gemm || k.kind == KernelKind::SiluMul)) ops.push_back(k.op);
  const std::vector<std::string> want = {"q_a",    "q_b",     "kv_a",     "q_absorb",       "v_up",     "o",
                                         "router", "gate_up", "silu_mul", "down",           "shared_gate_up",
                                         "silu_mul", "shared_down"};
  EXPECT_EQ(ops, want);
  for (const Kernel& k : g.kernels)
    if (k.layer == 3 && k.op == "shared_gate_up") {
      EXPECT_EQ(k.weight_bytes, 7168ULL * 2 * 2048 * 2);
    }
  // Every weight byte one token reads, over the whole step, at batch 1 (8 routed experts per
  // MoE layer, bf16): the active parameters minus the embedding table (only one row gathered:
  // 7168 values) = 2 · (37,552,297,472 − 129,280·7168 + 7168).
  EXPECT_EQ(g.total_weight_bytes(), 2ULL * (37'552'297'472ULL - 129'280ULL * 7168 + 7168));
}

TEST(NewModels, ResidentBytesMatchParametersOnOneChip) {
  // With bf16 weights and one chip every parameter is resident exactly once: 2 B each.
  for (const char* name : {"llama3_1_70b", "qwen2_5_72b", "deepseek_v3"}) {
    const ModelSpec m = model(name);
    const ResidentBytes r = resident_weight_bytes(m, 1, DType::BF16);
    EXPECT_EQ(r.layers_total(m.layers) + r.embedding + r.lm_head + r.final_norm, 2 * m.parameter_count()) << name;
  }
}

TEST(NewModels, MlaKeysRefusedWithoutMla) {
  TempDir t;
  const std::string f = t.write("bad.yaml",
                                "model:\n  layers: 1\n  hidden: 64\n  heads: 4\n  kv_heads: 4\n  ffn: 64\n"
                                "  vocab: 10\n  qk_rope_dim: 64\n");
  EXPECT_NE(error_of([&] { load_model(f, workloads_dir()); }).find("qk_rope_dim"), std::string::npos);
  const std::string g = t.write("bad2.yaml",
                                "model:\n  layers: 1\n  hidden: 64\n  heads: 4\n  kv_heads: 4\n  ffn: 64\n"
                                "  vocab: 10\n  shared_experts: 1\n");
  EXPECT_NE(error_of([&] { load_model(g, workloads_dir()); }).find("only meaningful for MoE"), std::string::npos);
}
