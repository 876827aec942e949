// Lowering: kernel order, and exact bytes/FLOPs against hand calculations.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "workload_test_util.h"

using namespace decodesim;
using namespace decodesim::workload;
using namespace decodesim::workload::testing;

namespace {

std::vector<std::string> ops_of_layer(const KernelGraph& g, int layer) {
  std::vector<std::string> ops;
  for (const auto& k : g.kernels)
    if (k.layer == layer) ops.push_back(k.op);
  return ops;
}

std::map<std::string, Kernel> by_name(const KernelGraph& g) {
  std::map<std::string, Kernel> m;
  for (const auto& k : g.kernels) m[k.name] = k;
  return m;
}

const Kernel& find(const KernelGraph& g, const std::string& name) {
  for (const auto& k : g.kernels)
    if (k.name == name) return k;
  throw std::runtime_error("no kernel " + name);
}

Bytes weight_bytes(const Kernel& k) { return k.weight_bytes; }
Bytes kv_write_bytes(const Kernel& k) { return k.kv_write_bytes; }
std::uint64_t flops(const Kernel& k) { return k.flops; }

}  // namespace

TEST(Lowering, KernelOrderPerLayerAndAroundTheStack) {
  const KernelGraph g = lower(model("llama2_7b"), scenario(1, 2048), 0, 1);
  EXPECT_EQ(ops_of_layer(g, 3), (std::vector<std::string>{"norm", "qkv", "rope", "kv_append", "attn", "o",
                                                          "residual", "norm", "gate_up", "silu_mul", "down",
                                                          "residual"}));
  ASSERT_EQ(g.kernels.size(), 1u + 32 * 12 + 2);
  EXPECT_EQ(g.kernels.front().name, "embedding");
  EXPECT_EQ(g.kernels[1].name, "L0.norm_attn");
  EXPECT_EQ(g.kernels[5].name, "L0.attn");
  EXPECT_EQ(g.kernels[g.kernels.size() - 2].name, "final_norm");
  EXPECT_EQ(g.kernels.back().name, "lm_head");
  EXPECT_EQ(g.layers, 32u);
  EXPECT_EQ(g.context, 2048u);

  const KernelGraph tp = lower(model("llama2_7b"), scenario(1, 2048), 0, 2);
  EXPECT_EQ(ops_of_layer(tp, 0), (std::vector<std::string>{"norm", "qkv", "rope", "kv_append", "attn", "o",
                                                           "all_reduce", "residual", "norm", "gate_up", "silu_mul",
                                                           "down", "all_reduce", "residual"}));
  EXPECT_EQ(tp.kernels.back().name, "lm_head.all_reduce");

  const KernelGraph moe = lower(model("mixtral_8x7b"), scenario(1, 2048), 0, 1);
  EXPECT_EQ(ops_of_layer(moe, 0), (std::vector<std::string>{"norm", "qkv", "rope", "kv_append", "attn", "o",
                                                            "residual", "norm", "router", "gate_up", "silu_mul",
                                                            "down", "residual"}));
}

TEST(Lowering, Llama2_7bKvReadAtContext2048) {
  const KernelGraph g = lower(model("llama2_7b"), scenario(1, 2048), 0, 1);
  // 2 (K and V) × 32 layers × 2048 positions × 4096 (32 heads × 128) × 2 B.
  EXPECT_EQ(g.total_kv_read_bytes(), 1'073'741'824ULL);
  const Kernel& a = find(g, "L0.attn");
  EXPECT_EQ(a.kind, KernelKind::Attention);
  EXPECT_EQ(a.groups, 32u);
  EXPECT_EQ(a.m, 1u);
  EXPECT_EQ(a.k, 128u);
  EXPECT_EQ(a.n, 2048u);
  EXPECT_EQ(a.kv_read_bytes, 33'554'432u);
  EXPECT_EQ(a.flops, 4ULL * 1 * 128 * 2048 * 32);
  // This token's K and V: 2 × 4096 × 2 B = 16,384 B per layer.
  EXPECT_EQ(find(g, "L0.kv_append").kv_write_bytes, 16'384u);
  EXPECT_EQ(sum_over(g, "", kv_write_bytes), 524'288u);
}

TEST(Lowering, GqaReadsOnlyKvHeads) {
  // Llama-2-70B: 2 × 80 × 2048 × (8 KV heads × 128) × 2 B; 8 query heads share each KV head.
  const KernelGraph g = lower(model("llama2_70b"), scenario(1, 2048), 0, 1);
  EXPECT_EQ(g.total_kv_read_bytes(), 671'088'640ULL);
  EXPECT_EQ(find(g, "L0.attn").m, 8u);
  EXPECT_EQ(find(g, "L0.attn").groups, 8u);
  EXPECT_EQ(find(g, "L0.qkv").n, (64u + 2 * 8) * 128);
}

TEST(Lowering, KvGrowsByOnePositionPerDecodedToken) {
  const ModelSpec m = model("llama2_7b");
  const Scenario s = scenario(4, 2048, 3);
  const KernelGraph t0 = lower(m, s, 0, 1), t2 = lower(m, s, 2, 1);
  EXPECT_EQ(t2.context, 2050u);
  EXPECT_EQ(find(t2, "L31.attn").n, 2050u);
  // One position = 2 × 32 layers × 4096 × 2 B = 524,288 B per sequence; 2 positions × 4 sequences.
  EXPECT_EQ(t2.total_kv_read_bytes() - t0.total_kv_read_bytes(), 2ULL * 4 * 524'288);
  EXPECT_EQ(t2.total_weight_bytes(), t0.total_weight_bytes());
  EXPECT_THROW(lower(m, s, 3, 1), std::invalid_argument);
}

TEST(Lowering, WeightBytesAreAllParametersButTheEmbeddingTablePlusGatheredRows) {
  // Rule: a step reads every parameter once (the LM head reads its whole matrix), except the
  // embedding table, of which it gathers one row per sequence.
  // Llama-2-7B, batch 1: (6,738,415,616 − 131,072,000 + 4,096) × 2 B.
  const ModelSpec m = model("llama2_7b");
  EXPECT_EQ(lower(m, scenario(1, 2048), 0, 1).total_weight_bytes(), 13'214'695'424ULL);
  // Batch 4 gathers 4 rows: (6,607,343,616 + 4 × 4,096) × 2 B.
  EXPECT_EQ(lower(m, scenario(4, 2048), 0, 1).total_weight_bytes(), 13'214'720'000ULL);
  EXPECT_EQ(find(lower(m, scenario(4, 2048), 0, 1), "embedding").weight_bytes, 4u * 4096 * 2);

  for (const char* name : {"llama2_70b", "llama3_8b", "tiny"}) {
    const ModelSpec d = model(name);
    for (std::uint32_t batch : {1u, 16u})
      EXPECT_EQ(lower(d, scenario(batch, 128), 0, 1).total_weight_bytes(),
                2 * (d.parameter_count() - d.parameter_breakdown().embedding + std::uint64_t{batch} * d.hidden))
          << name;
  }
  // Tied: the LM head reads the whole (only) table, and the gather reads rows of it again.
  ModelSpec tied = model("tiny");
  tied.tied_embeddings = true;
  EXPECT_EQ(tied.parameter_count(), 1'443'072u - 512 * 256);
  EXPECT_EQ(lower(tied, scenario(2, 16), 0, 1).total_weight_bytes(), 2 * (tied.parameter_count() + 2 * 256));
}

TEST(Lowering, FlopsAreTwicePerActiveParameterPerTokenPlusAttention) {
  // GEMMs do 2 FLOPs per weight per token; the embedding gather and the norms do none.
  // Llama-2-7B, batch 1, context 2048:
  //   2 × (6,738,415,616 − 131,072,000 − 65 × 4,096) = 13,214,154,752
  //   + attention 4 × 32 heads × 128 × 2048 × 32 layers = 1,073,741,824.
  EXPECT_EQ(lower(model("llama2_7b"), scenario(1, 2048), 0, 1).total_flops(), 14'287'896'576ULL);

  for (const char* name : {"llama2_70b", "llama3_8b", "mixtral_8x7b", "tiny"}) {
    const ModelSpec m = model(name);
    const ParameterBreakdown p = m.parameter_breakdown();
    for (std::uint32_t batch : {1u, 8u}) {
      const std::uint64_t context = 1000;
      const std::uint64_t gemm = 2ULL * batch * (m.active_parameters_per_token() - p.embedding - p.norms);
      const std::uint64_t attn = 4ULL * m.layers * m.heads * m.head_dim * context * batch;
      const KernelGraph g = lower(m, scenario(batch, context), 0, 1);
      EXPECT_EQ(g.total_flops(), gemm + attn) << name << " batch " << batch;
      EXPECT_EQ(sum_over(g, "attn", flops), attn) << name;
    }
  }
}

TEST(Lowering, GemmFieldsFollowTheirShapes) {
  const KernelGraph g = lower(model("llama3_8b"), scenario(3, 512), 0, 1);
  for (const Kernel& k : g.kernels) {
    if (k.kind != KernelKind::Gemm) continue;
    EXPECT_EQ(k.flops, 2 * k.m * k.n * k.k * k.groups) << k.name;
    EXPECT_EQ(k.weight_bytes, 2 * k.k * k.n * k.groups) << k.name;
    EXPECT_EQ(k.act_in_bytes, 2 * k.m * k.k) << k.name;
    EXPECT_EQ(k.act_out_bytes, 2 * k.m * k.n) << k.name;
  }
  EXPECT_EQ(find(g, "lm_head").n, 128256u);
  EXPECT_EQ(find(g, "L0.gate_up").n, 2u * 14336);
  EXPECT_EQ(find(g, "L0.down").k, 14336u);
  EXPECT_EQ(find(g, "L0.o").k, 4096u);
}

TEST(Lowering, VectorOpCountsPerKernel) {
  const KernelGraph g = lower(model("llama2_7b"), scenario(1, 2048), 0, 1);
  EXPECT_EQ(find(g, "L0.norm_attn").vector_ops, 4u * 4096 + 3);       // per element 4, per row 3
  EXPECT_EQ(find(g, "L0.rope").vector_ops, 3u * (32 + 32) * 128);     // Q and K, 3 per element
  EXPECT_EQ(find(g, "L0.attn").vector_ops, 32u * (6 * 2048 + 1));     // softmax: 6 per score, 1 per row
  EXPECT_EQ(find(g, "L0.silu_mul").vector_ops, 4u * 11008);
  EXPECT_EQ(find(g, "L0.residual_ffn").vector_ops, 4096u);
  EXPECT_EQ(find(g, "L0.kv_append").vector_ops, 0u);

  const KernelGraph moe = lower(model("mixtral_8x7b"), scenario(1, 64), 0, 1);
  EXPECT_EQ(find(moe, "L0.router").vector_ops, 2u * 8 + 5 * 2 + 1);   // top-2 of 8, softmax over 2
  EXPECT_EQ(find(moe, "L0.down").vector_ops, 4096u * (2 * 2 - 1));    // weighted combine of 2 experts
}

TEST(Lowering, TensorParallel8ShardsLlama2_70bExactlyOneEighth) {
  const ModelSpec m = model("llama2_70b");
  const Scenario s = scenario(2, 2048);
  const KernelGraph full = lower(m, s, 0, 1), chip = lower(m, s, 0, 8);
  const auto shard = by_name(chip);
  EXPECT_EQ(chip.tensor_parallel, 8u);
  for (const Kernel& f : full.kernels) {
    const Kernel& c = shard.at(f.name);
    if (f.op == "qkv" || f.op == "gate_up" || f.op == "lm_head") {  // column-parallel
      EXPECT_EQ(c.n * 8, f.n) << f.name;
      EXPECT_EQ(c.k, f.k) << f.name;
    } else if (f.op == "o" || f.op == "down") {  // row-parallel
      EXPECT_EQ(c.k * 8, f.k) << f.name;
      EXPECT_EQ(c.n, f.n) << f.name;
    } else if (f.op == "attn" || f.op == "kv_append") {  // heads split
      EXPECT_EQ(c.kv_read_bytes * 8, f.kv_read_bytes) << f.name;
      EXPECT_EQ(c.kv_write_bytes * 8, f.kv_write_bytes) << f.name;
      EXPECT_EQ(c.flops * 8, f.flops) << f.name;
      continue;
    } else if (f.op == "rope" || f.op == "silu_mul") {  // on this chip's heads / FFN columns
      EXPECT_EQ(c.vector_ops * 8, f.vector_ops) << f.name;
      EXPECT_EQ(c.act_out_bytes * 8, f.act_out_bytes) << f.name;
      continue;
    } else {  // embedding gather, norms and residuals replicated
      EXPECT_EQ(f.op == "embedding" || f.op == "norm" || f.op == "residual", true) << f.name;
      EXPECT_EQ(c.weight_bytes, f.weight_bytes) << f.name;
      EXPECT_EQ(c.vector_ops, f.vector_ops) << f.name;
      continue;
    }
    EXPECT_EQ(c.weight_bytes * 8, f.weight_bytes) << f.name;
    EXPECT_EQ(c.flops * 8, f.flops) << f.name;
  }
  EXPECT_EQ(find(chip, "L0.attn").groups, 2u * 1);  // batch × 1 KV head per chip
  EXPECT_EQ(find(chip, "L0.attn").m, 8u);
  EXPECT_EQ(find(chip, "L0.qkv").n, (8u + 2) * 128);
  EXPECT_EQ(find(chip, "lm_head").n, 4000u);

  // One all-reduce after each row-parallel GEMM: batch × hidden × 2 B; plus the LM-head argmax.
  std::uint32_t reduces = 0;
  for (const Kernel& k : chip.kernels)
    if (k.kind == KernelKind::AllReduce) ++reduces;
  EXPECT_EQ(reduces, 2u * 80 + 1);
  EXPECT_EQ(find(chip, "L79.all_reduce_ffn").collective_bytes, 2u * 8192 * 2);
  EXPECT_EQ(find(chip, "lm_head.all_reduce").collective_bytes, 2u * 8);
}

TEST(Lowering, KvHeadsReplicateWhenFewerThanChips) {
  const ModelSpec m = model("llama2_70b");
  const TensorParallelShard s = shard_model(m, 16);
  EXPECT_EQ(s.kv_heads, 1u);
  EXPECT_EQ(s.kv_replication, 2u);
  EXPECT_EQ(s.heads, 4u);
  const KernelGraph g = lower(m, scenario(1, 2048), 0, 16);
  EXPECT_EQ(find(g, "L0.attn").m, 4u);
  EXPECT_EQ(find(g, "L0.qkv").n, (4u + 2) * 128);
  // Each chip streams its whole (replicated) KV head: 1/8 of the model's KV, not 1/16.
  EXPECT_EQ(g.total_kv_read_bytes(), 671'088'640ULL / 8);
}

TEST(Lowering, QuantisedWeightsCountTheirScalesExactly) {
  // Llama-2-7B at batch 1 reads 6,607,347,712 weight elements per token: 6,607,077,376 in the
  // matrices (per layer qkv 4096x12288, o 4096x4096, gate_up 4096x22016, down 11008x4096; LM
  // head 4096x32000), 266,240 norm gains and one 4096-wide embedding row.
  // Per-channel formats add one bf16 scale per output channel: (12288 + 4096 + 22016 + 4096) x
  // 32 + 32000 = 1,391,872 channels = 2,783,744 B. Grouped int4 adds a bf16 scale and zero
  // (4 B) per group: matrix elements / 32 x 4 = 825,884,672 B for groups of 32, half for 64.
  const ModelSpec m = model("llama2_7b");
  Scenario s = scenario(1, 2048);
  const KernelGraph bf16 = lower(m, s, 0, 1);
  s.weight_dtype = DType::INT8;
  const KernelGraph int8 = lower(m, s, 0, 1);
  s.weight_dtype = DType::INT4;
  const KernelGraph int4 = lower(m, s, 0, 1);
  s.weight_dtype = DType::INT4_G32;
  const KernelGraph g32 = lower(m, s, 0, 1);
  s.weight_dtype = DType::INT4_G64;
  const KernelGraph g64 = lower(m, s, 0, 1);
  EXPECT_EQ(bf16.total_weight_bytes(), 2 * 6'607'347'712ULL);
  EXPECT_EQ(int8.total_weight_bytes(), 6'607'347'712ULL + 2'783'744ULL);
  EXPECT_EQ(int4.total_weight_bytes(), 3'303'673'856ULL + 2'783'744ULL);
  EXPECT_EQ(g32.total_weight_bytes(), 3'303'673'856ULL + 825'884'672ULL);
  EXPECT_EQ(g64.total_weight_bytes(), 3'303'673'856ULL + 412'942'336ULL);
  // One matrix by hand: qkv 4096 x 12288 at int4_g32 = 25,165,824 B + 12288 x 128 x 4 B.
  EXPECT_EQ(find(g32, "L0.qkv").weight_bytes, 25'165'824ULL + 6'291'456ULL);
  EXPECT_EQ(int4.total_kv_read_bytes(), bf16.total_kv_read_bytes());
  EXPECT_EQ(g32.total_flops(), bf16.total_flops());
  EXPECT_EQ(g32.kernels[2].weight_dtype, DType::INT4_G32);
  s.kv_dtype = DType::FP8;
  EXPECT_EQ(lower(m, s, 0, 1).total_kv_read_bytes(), 1'073'741'824ULL / 2);
  // Resident bytes hold the same scales (embedding table and gains carry none).
  s.kv_dtype = DType::BF16;
  s.weight_dtype = DType::INT4;
  const Bytes r4 = resident_bytes_per_chip(m, s, 1);
  s.weight_dtype = DType::INT4_G32;
  EXPECT_EQ(resident_bytes_per_chip(m, s, 1) - r4, 825'884'672ULL - 2'783'744ULL);
}

TEST(Lowering, MatrixOffsetsTileEveryByteOnce) {
  // Any split of a matrix into column tiles and k-slices, walked through matrix_offset, covers
  // [0, matrix_bytes) without gaps or overlaps; each group's scale goes with its first row.
  for (DType d : {DType::BF16, DType::INT8, DType::INT4, DType::INT4_G32, DType::INT4_G128}) {
    const std::uint64_t k = 11008, n = 4096;
    for (std::uint64_t tile : {64ULL, 256ULL})
      for (std::uint64_t split : {1ULL, 4ULL, 16ULL}) {
        std::uint64_t expect = 0;
        const std::uint64_t kc = (k + split - 1) / split;
        for (std::uint64_t n0 = 0; n0 < n; n0 += tile)
          for (std::uint64_t k0 = 0; k0 < k; k0 += kc) {
            const std::uint64_t cols = std::min(tile, n - n0), k1 = std::min(k, k0 + kc);
            ASSERT_EQ(matrix_offset(n0, cols, k0, k, d), expect) << dtype_name(d) << " tile " << tile;
            expect = matrix_offset(n0, cols, k1, k, d);
          }
        EXPECT_EQ(expect, matrix_bytes(k, n, d)) << dtype_name(d);
      }
  }
}

TEST(Lowering, BatchScalesActivationsAndKvButNotDenseWeights) {
  const ModelSpec m = model("llama2_7b");
  const KernelGraph one = lower(m, scenario(1, 2048), 0, 1), eight = lower(m, scenario(8, 2048), 0, 1);
  ASSERT_EQ(one.kernels.size(), eight.kernels.size());
  for (std::size_t i = 0; i < one.kernels.size(); ++i) {
    const Kernel &a = one.kernels[i], &b = eight.kernels[i];
    EXPECT_EQ(b.act_in_bytes, 8 * a.act_in_bytes) << a.name;
    EXPECT_EQ(b.act_out_bytes, 8 * a.act_out_bytes) << a.name;
    EXPECT_EQ(b.kv_read_bytes, 8 * a.kv_read_bytes) << a.name;
    EXPECT_EQ(b.kv_write_bytes, 8 * a.kv_write_bytes) << a.name;
    EXPECT_EQ(b.flops, 8 * a.flops) << a.name;
    if (a.kind == KernelKind::Embedding) EXPECT_EQ(b.weight_bytes, 8 * a.weight_bytes);
    else EXPECT_EQ(b.weight_bytes, a.weight_bytes) << a.name;
  }
}

TEST(Lowering, MixtralBatch1ReadsExactlyTwoExperts) {
  const ModelSpec m = model("mixtral_8x7b");
  for (std::uint64_t seed : {1u, 2u, 99u}) {
    Scenario s = scenario(1, 2048);
    s.seed = seed;
    const KernelGraph g = lower(m, s, 0, 1);
    for (std::uint32_t l = 0; l < 32; ++l) {
      const Kernel& gu = find(g, "L" + std::to_string(l) + ".gate_up");
      const Kernel& dn = find(g, "L" + std::to_string(l) + ".down");
      EXPECT_EQ(gu.groups, 2u);
      EXPECT_EQ(gu.weight_bytes, 2ULL * 4096 * 2 * 14336 * 2);
      EXPECT_EQ(dn.weight_bytes, 2ULL * 14336 * 4096 * 2);
      EXPECT_EQ(gu.m, 1u);
    }
    // (12,879,925,248 active − 131,072,000 embedding + 4,096 gathered) × 2 B.
    EXPECT_EQ(g.total_weight_bytes(), 25'497'714'688ULL);
  }
}

TEST(Lowering, MixtralLargeBatchGroupsDistinctExpertsDeterministically) {
  const ModelSpec m = model("mixtral_8x7b");
  const Scenario s = scenario(64, 256);
  const KernelGraph a = lower(m, s, 0, 1), b = lower(m, s, 0, 1);
  std::uint64_t expert_bytes = 0;
  for (std::uint32_t l = 0; l < 32; ++l) {
    const Routing r = route_tokens(8, 2, 64, s.seed, 0, l);
    const Kernel& gu = find(a, "L" + std::to_string(l) + ".gate_up");
    EXPECT_EQ(gu.groups, r.distinct_experts());
    EXPECT_EQ(gu.m, r.max_rows());
    EXPECT_EQ(r.routed_rows(), 128u);
    EXPECT_EQ(gu.flops, 2ULL * 128 * 2 * 14336 * 4096);  // every routed row, whatever the routing
    EXPECT_EQ(find(a, "L" + std::to_string(l) + ".silu_mul").m, 128u);
    EXPECT_EQ(find(a, "L" + std::to_string(l) + ".down").act_out_bytes, 64u * 4096 * 2);
    EXPECT_EQ(gu.groups, find(b, gu.name).groups);
    expert_bytes += gu.weight_bytes;
  }
  EXPECT_GT(expert_bytes, 32ULL * 2 * 4096 * 2 * 14336 * 2);  // more than 2 experts per layer
  EXPECT_LE(expert_bytes, 32ULL * 8 * 4096 * 2 * 14336 * 2);
}

TEST(Lowering, RoutingIsDistinctSortedAndSeeded) {
  bool seed_matters = false;
  for (std::uint32_t layer = 0; layer < 32; ++layer) {
    const Routing r = route_tokens(8, 2, 16, 7, 3, layer);
    for (const auto& c : r.chosen) {
      ASSERT_EQ(c.size(), 2u);
      EXPECT_LT(c[0], c[1]);
      EXPECT_LT(c[1], 8u);
    }
    seed_matters = seed_matters || route_tokens(8, 2, 16, 8, 3, layer).chosen != r.chosen;
  }
  EXPECT_TRUE(seed_matters);
  EXPECT_EQ(route_tokens(8, 8, 1, 1, 0, 0).distinct_experts(), 8u);
}

TEST(Lowering, ResidentBytesPerChip) {
  // Llama-2-7B on one chip: 13,476,831,232 B of weights + 1,073,741,824 B of KV at context 2048.
  EXPECT_EQ(resident_bytes_per_chip(model("llama2_7b"), scenario(1, 2048), 1), 14'550'573'056ULL);
  // Decoding 10 tokens keeps KV for 2057 positions: 9 more × 524,288 B.
  EXPECT_EQ(resident_bytes_per_chip(model("llama2_7b"), scenario(1, 2048, 10), 1),
            14'550'573'056ULL + 9ULL * 524'288);
  // Llama-2-70B, tp 8: embedding 262,144,000 (replicated) + LM head 4,000 × 8,192 = 32,768,000
  // + 80 × (16,384 norms + 8,192 × 10 × 128 QKV + 1,024 × 8,192 O + 3 × 8,192 × 3,584 FFN)
  // = 80 × 106,971,136 = 8,557,690,880, + 8,192 final norm → 8,852,611,072 weights × 2 B;
  // KV: 80 × 2048 × 2 × 128 × 2 B = 83,886,080.
  EXPECT_EQ(resident_bytes_per_chip(model("llama2_70b"), scenario(1, 2048), 8), 17'705'222'144ULL + 83'886'080ULL);
  // Every expert stays resident for MoE.
  const ModelSpec mx = model("mixtral_8x7b");
  EXPECT_EQ(resident_bytes_per_chip(mx, scenario(1, 1), 1), 2 * mx.parameter_count() + 2ULL * 32 * 2 * 1024);
}

TEST(Lowering, MemoryBytesAreWeightsPlusKv) {
  const KernelGraph g = lower(model("llama3_8b"), scenario(2, 4096), 0, 2);
  EXPECT_EQ(g.total_memory_bytes(), g.total_weight_bytes() + g.total_kv_read_bytes() + sum_over(g, "", kv_write_bytes));
  EXPECT_EQ(g.total_weight_bytes(), sum_over(g, "", weight_bytes));
}

TEST(Lowering, WorkedExampleOfTheDocsHolds) {
  // docs/workloads.md, section 8.
  const ModelSpec m = model("llama2_7b");
  const KernelGraph g = lower(m, scenario(1, 2048), 0, 1);
  std::uint64_t layer_weights = 0;
  for (const Kernel& k : g.kernels)
    if (k.layer == 0) layer_weights += k.weight_bytes;
  EXPECT_EQ(layer_weights, 404'766'720u);
  EXPECT_EQ(g.total_memory_bytes(), 14'288'961'536ULL);
  const KernelGraph tp = lower(m, scenario(8, 2048), 0, 2);
  EXPECT_EQ(tp.total_weight_bytes(), 6'607'675'392ULL);
  EXPECT_EQ(tp.total_kv_read_bytes(), 4'294'967'296ULL);
  EXPECT_EQ(tp.total_flops(), 57'151'586'304ULL);
}
