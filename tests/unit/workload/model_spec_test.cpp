// Model files and parameter counts, checked against hand calculations.
//
// Per layer of a Llama-shaped model with h = hidden, q = heads·head_dim, c = kv_heads·head_dim:
//   attention  h·q + 2·h·c + q·h      (Wq, Wk, Wv, Wo)
//   FFN        3·h·ffn (× experts)    (gate, up, down)
//   norms      2·h
// plus the embedding table vocab·h, the untied LM head vocab·h, and the final norm h.
#include <gtest/gtest.h>

#include "workload_test_util.h"

using namespace decodesim;
using namespace decodesim::workload;
using namespace decodesim::workload::testing;

TEST(ModelSpec, Llama2_7bHasPublishedParameterCount) {
  const ModelSpec m = model("llama2_7b");
  // Per layer: 4·4096² = 67,108,864 (attention) + 3·4096·11008 = 135,266,304 (FFN) + 8,192 (norms)
  //          = 202,383,360; ×32 = 6,476,267,520; + 2·32000·4096 = 262,144,000; + 4,096.
  const ParameterBreakdown p = m.parameter_breakdown();
  EXPECT_EQ(p.attention, 32ULL * 67'108'864);
  EXPECT_EQ(p.ffn, 32ULL * 135'266'304);
  EXPECT_EQ(p.norms, 65ULL * 4096);
  EXPECT_EQ(p.embedding, 131'072'000u);
  EXPECT_EQ(p.lm_head, 131'072'000u);
  EXPECT_EQ(p.router, 0u);
  EXPECT_EQ(m.parameter_count(), 6'738'415'616ULL);
  EXPECT_EQ(m.active_parameters_per_token(), 6'738'415'616ULL);
  EXPECT_EQ(bytes_of(m.parameter_count(), DType::BF16), 13'476'831'232ULL);
}

TEST(ModelSpec, Llama2_70bHasPublishedParameterCount) {
  // Per layer: 2·8192² + 2·8192·1024 = 150,994,944 (attention) + 3·8192·28672 = 704,643,072
  //          + 16,384 = 855,654,400; ×80 = 68,452,352,000; + 2·32000·8192 = 524,288,000; + 8,192.
  EXPECT_EQ(model("llama2_70b").parameter_count(), 68'976'648'192ULL);
}

TEST(ModelSpec, Llama3_8bHasPublishedParameterCount) {
  // Per layer: 2·4096² + 2·4096·1024 = 41,943,040 + 3·4096·14336 = 176,160,768 + 8,192
  //          = 218,112,000; ×32 = 6,979,584,000; + 2·128256·4096 = 1,050,673,152; + 4,096.
  EXPECT_EQ(model("llama3_8b").parameter_count(), 8'030'261'248ULL);
}

TEST(ModelSpec, MixtralTotalAndActiveParameters) {
  const ModelSpec m = model("mixtral_8x7b");
  // Per layer: 41,943,040 (attention) + 8·176,160,768 = 1,409,286,144 (experts) + 4096·8 = 32,768
  //          (router) + 8,192 = 1,451,270,144; ×32 = 46,440,644,608; + 262,144,000 + 4,096.
  EXPECT_EQ(m.parameter_count(), 46'702'792'704ULL);
  // Active: the 6 unchosen experts drop out: 46,702,792,704 − 6·32·176,160,768 = 12,879,925,248
  // (the "12.9B active" of the Mixtral paper, which also counts the embedding table).
  EXPECT_EQ(m.active_parameters_per_token(), 12'879'925'248ULL);
  EXPECT_EQ(m.parameter_breakdown().router, 32ULL * 32'768);
}

TEST(ModelSpec, TinyIsSmallAndTilesOnto16x16Arrays) {
  const ModelSpec m = model("tiny");
  // Per layer: 3·256² + ... : 65,536 (Wq) + 2·32,768 (Wk, Wv) + 65,536 (Wo) + 3·256·512 (FFN)
  //          + 512 = 590,336; ×2 = 1,180,672; + 2·512·256 = 262,144; + 256.
  EXPECT_EQ(m.parameter_count(), 1'443'072u);
  EXPECT_EQ(m.layers, 2u);
  EXPECT_EQ(m.hidden, 256u);
  for (const Kernel& k : lower(m, scenario(1, 16), 0, 1).kernels)
    if (k.kind == KernelKind::Gemm && k.op != "router") {
      EXPECT_EQ(k.n % 16, 0u) << k.name;
      EXPECT_EQ(k.k % 16, 0u) << k.name;
    }
}

TEST(ModelSpec, HeadDimDerivedWhenOmittedAndKeptWhenStated) {
  EXPECT_EQ(model("llama2_7b").head_dim, 128u);
  TempDir t;
  // Gemma-7B style: 16 heads × 256 = 4096 attention width with hidden 3072.
  const std::string f = t.write("wide.yaml",
                                "model:\n  layers: 1\n  hidden: 3072\n  heads: 16\n  kv_heads: 16\n  head_dim: 256\n"
                                "  ffn: 64\n  vocab: 10\n");
  const ModelSpec m = load_model(f, workloads_dir());
  EXPECT_EQ(m.name, "wide");
  EXPECT_EQ(m.head_dim, 256u);
  EXPECT_EQ(m.parameter_breakdown().attention, 4ULL * 3072 * 4096);
}

TEST(ModelSpec, LoadsByPathAsWellAsByName) {
  const ModelSpec a = model("llama3_8b");
  const ModelSpec b = load_model(workloads_dir() + "/llama3_8b.yaml", "/nonexistent");
  EXPECT_EQ(a.parameter_count(), b.parameter_count());
  EXPECT_EQ(b.name, "llama3_8b");
}

TEST(ModelSpec, ExplainListsEveryKeyWithUnitAndDescription) {
  std::vector<config::ParamInfo> rows;
  ModelSpec::schema().collect("model", rows);
  ASSERT_EQ(rows.size(), 21u);  // 11 Llama/MoE keys + shared experts, dense layers, biases, 5 MLA widths
  EXPECT_EQ(rows[1].key, "model.layers");
  for (const auto& r : rows) {
    EXPECT_FALSE(r.unit.empty()) << r.key;
    EXPECT_FALSE(r.description.empty()) << r.key;
  }
  rows.clear();
  Scenario::schema().collect("scenario", rows);
  ASSERT_EQ(rows.size(), 20u);  // 7 decode keys, 4 turn keys, prefill.chunk_tokens and .schedule, 5 speculative keys, 2 tiers keys
  EXPECT_EQ(rows[3].key, "scenario.weight_dtype");
  EXPECT_EQ(rows[3].allowed, "bf16 | fp8 | int8 | int4 | int4_g32 | int4_g64 | int4_g128");
}
