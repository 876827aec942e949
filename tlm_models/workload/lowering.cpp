#include "workload/lowering.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>

namespace decodesim::workload {

namespace {

// Vector-unit operation counts per element (docs/workloads.md, "Vector operations").
constexpr std::uint64_t kRmsNormOpsPerElement = 4;  // square, accumulate, × 1/rms, × gain
constexpr std::uint64_t kRmsNormOpsPerRow = 3;      // ÷ n, + eps, rsqrt
constexpr std::uint64_t kRopeOpsPerElement = 3;     // per rotated pair: 4 multiplies + 2 adds
constexpr std::uint64_t kSoftmaxOpsPerScore = 6;    // × 1/√d, max, − max, exp, sum, × 1/sum
constexpr std::uint64_t kSoftmaxOpsPerRow = 1;      // 1/sum
constexpr std::uint64_t kRouterSoftmaxOpsPerScore = 5;  // as attention, without the 1/√d scale
constexpr std::uint64_t kSiluMulOpsPerElement = 4;  // exp(−g), + 1, g ÷ (…), × up
constexpr std::uint64_t kResidualOpsPerElement = 1; // one add

constexpr Bytes kTokenIdBytes = 4;     // int32 token id per sequence, input of the embedding gather
constexpr Bytes kArgmaxPairBytes = 8;  // fp32 best logit + int32 token id, per sequence

// Product of counts; bad input (not a bug) if it leaves 64 bits, so the CLI exits 2.
std::uint64_t prod(std::initializer_list<std::uint64_t> factors) {
  std::uint64_t r = 1;
  for (std::uint64_t f : factors)
    if (__builtin_mul_overflow(r, f, &r))
      throw config::InputError(config::SourceLoc{"<workload>", 0, 0}, "",
                               "byte or FLOP count exceeds 2^64; reduce batch, context or model size");
  return r;
}

class Lowering {
 public:
  Lowering(const ModelSpec& model, const Scenario& sc, const TensorParallelShard& shard, const StepShape& step)
      : m_model(model), m_sc(sc), m_shard(shard), m_step(step), m_token(step.index), m_positions(step.positions) {}

  KernelGraph run() {
    m_graph.layers = m_model.layers;
    m_graph.batch = m_sc.batch;
    m_graph.context = m_positions;
    m_graph.tensor_parallel = m_shard.tp;
    m_graph.phase = m_step.phase;
    m_graph.seq_tokens = m_step.seq_tokens;
    m_graph.rows = m_rows;

    embedding();
    for (std::uint32_t l = 0; l < m_model.layers; ++l) {
      const int layer = static_cast<int>(l);
      norm(layer, "norm_attn");
      if (m_model.is_mla()) mla_block(layer);
      else attention_block(layer);
      norm(layer, "norm_ffn");
      if (m_model.layer_is_moe(l)) moe_ffn_block(layer);
      else dense_ffn_block(layer);
    }
    // Only the rows that sample a token go on: the prompt's last row in prefill (TensorRT-LLM's
    // gather of the last token's hidden state), every drafted row in a verify.
    // The decoding sequences of a mixed step each sample their next token.
    m_rows = prod({sequences(), m_step.logits_per_seq}) + m_step.decode_seqs;
    if (m_rows == 0) {  // an inner prefill chunk samples nothing
      m_graph.feeds_back = false;
      return std::move(m_graph);
    }
    norm(-1, "final_norm");
    lm_head();
    return std::move(m_graph);
  }

  /// One GEMM as a whole step, counted exactly as a layer's GEMM is.
  KernelGraph single_gemm(std::uint64_t m, std::uint64_t n, std::uint64_t k) {
    m_graph.batch = m_sc.batch;
    m_graph.context = m_positions;
    gemm(-1, "gemm", m, n, k, 1, m);
    return std::move(m_graph);
  }

 private:
  /// Sequences taking the step's q tokens each (the prefill's, in a mixed step).
  std::uint64_t sequences() const { return m_step.seqs(m_sc.batch); }
  /// Token rows flowing through this step's kernels: sequences × tokens per sequence.
  std::uint64_t batch() const { return m_rows; }
  std::uint64_t hidden() const { return m_model.hidden; }
  std::uint64_t head_dim() const { return m_model.head_size(); }
  Bytes act(std::uint64_t elements) const { return bytes_of(elements, m_sc.act_dtype); }
  Bytes wgt(std::uint64_t elements) const { return bytes_of(elements, m_sc.weight_dtype); }
  Bytes kv(std::uint64_t elements) const { return bytes_of(elements, m_sc.kv_dtype); }

  Kernel& add(KernelKind kind, int layer, const std::string& op, const std::string& name) {
    Kernel k;
    k.kind = kind;
    k.layer = layer;
    k.op = op;
    k.name = layer >= 0 ? "L" + std::to_string(layer) + "." + name : name;
    k.weight_dtype = m_sc.weight_dtype;
    k.act_dtype = m_sc.act_dtype;
    k.kv_dtype = m_sc.kv_dtype;
    k.phase = m_step.phase;
    k.seq_tokens = m_step.seq_tokens;
    m_graph.kernels.push_back(std::move(k));
    return m_graph.kernels.back();
  }

  /// y[rows, n] = x[rows, k] · W[k, n] over `groups` weight matrices; `rows` is the total over
  /// groups and `m` the rows of the largest group (equal for dense: rows = m × groups).
  Kernel& gemm(int layer, const std::string& op, std::uint64_t m, std::uint64_t n, std::uint64_t k,
               std::uint64_t groups, std::uint64_t rows) {
    Kernel& g = add(KernelKind::Gemm, layer, op, op);
    g.m = m;
    g.n = n;
    g.k = k;
    g.groups = groups;
    prod({groups, k, n});  // element count in range, so matrix_bytes cannot overflow below
    g.weight_bytes = prod({groups, matrix_bytes(k, n, m_sc.weight_dtype)});
    g.act_in_bytes = act(prod({rows, k}));
    g.act_out_bytes = act(prod({rows, n}));
    g.flops = prod({2, rows, n, k});
    return g;
  }

  Kernel& dense_gemm(int layer, const std::string& op, std::uint64_t n, std::uint64_t k) {
    return gemm(layer, op, batch(), n, k, 1, batch());
  }

  void embedding() {
    Kernel& e = add(KernelKind::Embedding, -1, "embedding", "embedding");
    e.m = batch();
    e.n = hidden();
    e.k = m_model.vocab;  // table rows: where the gathered rows live, not what is read
    e.weight_bytes = wgt(prod({batch(), hidden()}));
    e.act_in_bytes = prod({batch(), kTokenIdBytes});
    e.act_out_bytes = act(prod({batch(), hidden()}));
  }

  void norm(int layer, const std::string& name, std::uint64_t width = 0) {
    if (width == 0) width = hidden();
    Kernel& k = add(KernelKind::RmsNorm, layer, "norm", name);
    k.m = batch();
    k.n = width;
    k.weight_bytes = wgt(width);
    k.act_in_bytes = act(prod({batch(), width}));
    k.act_out_bytes = k.act_in_bytes;
    k.vector_ops = prod({batch(), kRmsNormOpsPerElement * width + kRmsNormOpsPerRow});
  }

  void rope(int layer, std::uint64_t elements) {
    Kernel& r = add(KernelKind::Rope, layer, "rope", "rope");
    r.m = batch();
    r.n = elements;
    r.act_in_bytes = act(prod({r.m, r.n}));
    r.act_out_bytes = r.act_in_bytes;
    r.vector_ops = prod({kRopeOpsPerElement, r.m, r.n});
  }

  /// Attention of each sequence's `per_seq` groups (KV heads, or MLA's one latent), `heads`
  /// query heads per group, each with the step's q query rows; keys `k` wide and values `v`
  /// wide; `shared`: V is the first v columns of the K row (MLA's latent).
  /// Causal: the i-th of the step's q tokens attends over the past positions and new tokens
  /// 0..i, so a group scores q·past + q(q+1)/2 keys per query head (q = 1: the decode count).
  /// Every K/V row of the context is read from memory once per group; the re-reads of a blocked
  /// or flash kernel's query tiles are on-chip traffic. A mixed step's decoding sequences ride
  /// along as the kernel's decode_part (one query row each, over their own positions).
  void attend(int layer, std::uint64_t per_seq, std::uint64_t heads, std::uint64_t k, std::uint64_t v, bool shared) {
    Kernel& a = add(KernelKind::Attention, layer, "attn", "attn");
    attention_counts(a, prod({sequences(), per_seq}), m_step.seq_tokens, m_positions, heads, k, v, shared);
    if (m_step.decode_seqs == 0) return;
    auto d = std::make_shared<Kernel>(a);
    d->phase = Phase::Decode;
    d->seq_tokens = 1;
    attention_counts(*d, prod({m_step.decode_seqs, per_seq}), 1, m_step.decode_positions, heads, k, v, shared);
    add_part(a, std::move(d));
  }

  void attention_counts(Kernel& a, std::uint64_t groups, std::uint64_t q, std::uint64_t positions,
                        std::uint64_t heads, std::uint64_t k, std::uint64_t v, bool shared) {
    const std::uint64_t past = positions - q;
    const std::uint64_t scores_per_head = prod({q, past}) + q * (q + 1) / 2;
    a.groups = groups;
    a.m = prod({heads, q});
    a.k = k;
    a.v_dim = v;
    a.kv_shared = shared;
    a.n = positions;
    a.kv_read_bytes = kv(prod({shared ? 1ULL : 2ULL, a.groups, a.n, a.k}));
    a.act_in_bytes = act(prod({a.groups, a.m, a.k}));
    a.act_out_bytes = act(prod({a.groups, a.m, v}));
    a.flops = prod({2, heads, k + v, scores_per_head, a.groups});
    a.vector_ops = prod({a.groups, heads, kSoftmaxOpsPerScore * scores_per_head + kSoftmaxOpsPerRow * q});
  }

  /// Makes `part` the decode part of `k` and adds its counts to k's.
  static void add_part(Kernel& k, std::shared_ptr<Kernel> part) {
    k.weight_bytes += part->weight_bytes;
    k.kv_read_bytes += part->kv_read_bytes;
    k.kv_write_bytes += part->kv_write_bytes;
    k.act_in_bytes += part->act_in_bytes;
    k.act_out_bytes += part->act_out_bytes;
    k.flops += part->flops;
    k.vector_ops += part->vector_ops;
    k.decode_part = std::move(part);
  }

  void residual(int layer, const std::string& name) {
    Kernel& k = add(KernelKind::Residual, layer, "residual", name);
    k.m = batch();
    k.n = hidden();
    k.act_in_bytes = act(prod({2, batch(), hidden()}));
    k.act_out_bytes = act(prod({batch(), hidden()}));
    k.vector_ops = prod({kResidualOpsPerElement, batch(), hidden()});
  }

  /// Row-parallel GEMM outputs are partial sums on each chip; sum them over the chips.
  void all_reduce(int layer, const std::string& name) {
    if (m_shard.tp == 1) return;
    Kernel& k = add(KernelKind::AllReduce, layer, "all_reduce", name);
    k.m = batch();
    k.n = hidden();
    k.collective_bytes = act(prod({batch(), hidden()}));
    k.act_in_bytes = k.collective_bytes;
    k.act_out_bytes = k.collective_bytes;
  }

  void attention_block(int layer) {
    const std::uint64_t hp = m_shard.heads, kvp = m_shard.kv_heads, d = head_dim();
    dense_gemm(layer, "qkv", prod({hp + 2 * kvp, d}), hidden());
    if (m_model.qkv_bias) {
      // Bias vectors of Wq, Wk, Wv (this chip's heads), added element-wise after the GEMM.
      Kernel& b = add(KernelKind::Residual, layer, "bias", "qkv_bias");
      b.m = batch();
      b.n = prod({hp + 2 * kvp, d});
      b.weight_bytes = wgt(b.n);
      b.act_in_bytes = act(prod({b.m, b.n}));
      b.act_out_bytes = b.act_in_bytes;
      b.vector_ops = prod({b.m, b.n});
    }
    rope(layer, prod({hp + kvp, d}));
    kv_append(layer, m_model.kv_elements_per_position(m_shard.kv_heads), false);
    attend(layer, kvp, hp / kvp, d, d, false);
    dense_gemm(layer, "o", hidden(), prod({hp, d}));
    all_reduce(layer, "all_reduce_attn");
    residual(layer, "residual_attn");
  }

  void kv_append(int layer, std::uint64_t per_sequence, bool shared) {
    Kernel& append = add(KernelKind::KvAppend, layer, "kv_append", "kv_append");
    append.m = batch();
    append.n = per_sequence;
    append.kv_shared = shared;
    append.act_in_bytes = act(prod({append.m, append.n}));
    append.kv_write_bytes = kv(prod({append.m, append.n}));
    if (m_step.decode_seqs == 0) return;
    auto d = std::make_shared<Kernel>(append);
    d->phase = Phase::Decode;
    d->seq_tokens = 1;
    d->m = m_step.decode_seqs;
    d->k = m_step.decode_positions;  // where its rows go: the position before this
    d->act_in_bytes = act(prod({d->m, d->n}));
    d->kv_write_bytes = kv(prod({d->m, d->n}));
    // The part's rows are already among append.m and its counts: only name it.
    append.decode_part = std::move(d);
  }

  /// Multi-head latent attention (DeepSeek-V2 §2.1, arXiv:2405.04434), in the absorbed form
  /// decode uses (the paper's §2.1.2 remark; DeepSeek's inference code and vLLM/SGLang's MLA
  /// decode path): W_UK is applied to the query (q_absorb) and W_UV to the attention output
  /// (v_up), so attention runs directly over the cached latent [c_kv | k_rope] and nothing is
  /// decompressed per position. Not absorbing would up-project every cached position of every
  /// head each step, 2·kv_lora_rank·heads·(nope + v) FLOPs per position instead of reading
  /// kv_lora_rank + rope elements. Under tensor parallelism the down-projections and the latent
  /// are replicated on every chip (each chip's heads read the whole latent), the per-head
  /// up-projections split by heads, W_O by rows.
  void mla_block(int layer) {
    const std::uint64_t hp = m_shard.heads, qr = m_model.q_lora_rank, kvr = m_model.kv_lora_rank;
    const std::uint64_t nope = m_model.qk_nope_dim, rdim = m_model.qk_rope_dim, v = m_model.v_head_dim;
    if (qr > 0) {
      dense_gemm(layer, "q_a", qr, hidden());
      norm(layer, "q_a_norm", qr);
      dense_gemm(layer, "q_b", prod({hp, nope + rdim}), qr);
    } else {
      dense_gemm(layer, "q", prod({hp, nope + rdim}), hidden());
    }
    dense_gemm(layer, "kv_a", kvr + rdim, hidden());  // [c_kv | k_rope] from the token
    norm(layer, "kv_a_norm", kvr);
    rope(layer, prod({hp, rdim}) + rdim);  // each head's q_rope and the one shared k_rope
    kv_append(layer, m_model.kv_elements_per_position(m_shard.kv_heads), true);
    gemm(layer, "q_absorb", batch(), kvr, nope, hp, prod({batch(), hp}));  // q_nope · W_UKᵀ per head
    attend(layer, 1, hp, kvr + rdim, kvr, true);
    gemm(layer, "v_up", batch(), v, kvr, hp, prod({batch(), hp}));  // latent output · W_UV per head
    dense_gemm(layer, "o", hidden(), prod({hp, v}));
    all_reduce(layer, "all_reduce_attn");
    residual(layer, "residual_attn");
  }

  void dense_ffn_block(int layer) {
    const std::uint64_t f = m_shard.dense_ffn;
    dense_gemm(layer, "gate_up", 2 * f, hidden());
    silu_mul(layer, batch(), f);
    dense_gemm(layer, "down", hidden(), f);
    all_reduce(layer, "all_reduce_ffn");
    residual(layer, "residual_ffn");
  }

  void moe_ffn_block(int layer) {
    const std::uint64_t f = m_shard.ffn, experts = m_model.experts, top_k = m_model.top_k;
    Kernel& router = dense_gemm(layer, "router", experts, hidden());
    // Top-k selection (top_k passes over the expert scores), then softmax over the chosen logits.
    router.vector_ops = prod({batch(), top_k * experts + kRouterSoftmaxOpsPerScore * top_k + kSoftmaxOpsPerRow});
    if (m_model.router_bias) {
      // DeepSeek-V3's correction bias is added to the scores before the top-k choice (arXiv:2412.19437 §2.1.2).
      Kernel& b = add(KernelKind::Residual, layer, "bias", "router_bias");
      b.m = batch();
      b.n = experts;
      b.weight_bytes = wgt(experts);
      b.act_in_bytes = act(prod({b.m, b.n}));
      b.act_out_bytes = b.act_in_bytes;
      b.vector_ops = prod({b.m, b.n});
    }

    const Routing r = route_tokens(m_model.experts, m_model.top_k, static_cast<std::uint32_t>(batch()), m_sc.seed, m_token,
                                   static_cast<std::uint32_t>(layer));
    const std::uint64_t groups = r.distinct_experts(), m = r.max_rows(), rows = r.routed_rows();
    gemm(layer, "gate_up", m, 2 * f, hidden(), groups, rows);
    silu_mul(layer, rows, f);
    Kernel& down = gemm(layer, "down", m, hidden(), f, groups, rows);
    // The epilogue combines each token's top_k expert outputs with its routing weights
    // (top_k multiplies and top_k − 1 adds per element), so one row per token leaves.
    down.act_out_bytes = act(prod({batch(), hidden()}));
    down.vector_ops = prod({batch(), hidden(), 2 * top_k - 1});
    if (m_model.shared_experts > 0) {
      // Shared experts (DeepSeekMoE, arXiv:2401.06066 §3.2): every token passes through them
      // beside its routed experts; as in the reference code they form one SwiGLU FFN of width
      // shared_experts × ffn, and their output is one more add in the combine.
      const std::uint64_t fs = prod({m_model.shared_experts, f});
      dense_gemm(layer, "shared_gate_up", 2 * fs, hidden());
      silu_mul(layer, batch(), fs);
      Kernel& sd = dense_gemm(layer, "shared_down", hidden(), fs);
      sd.vector_ops = prod({batch(), hidden()});
    }
    all_reduce(layer, "all_reduce_ffn");
    residual(layer, "residual_ffn");
  }

  void silu_mul(int layer, std::uint64_t rows, std::uint64_t f) {
    Kernel& k = add(KernelKind::SiluMul, layer, "silu_mul", "silu_mul");
    k.m = rows;
    k.n = f;
    k.act_in_bytes = act(prod({2, rows, f}));
    k.act_out_bytes = act(prod({rows, f}));
    k.vector_ops = prod({kSiluMulOpsPerElement, rows, f});
  }

  void lm_head() {
    dense_gemm(-1, "lm_head", m_shard.vocab, hidden());
    if (m_shard.tp == 1) return;
    // Each chip holds vocab/tp logits per sequence; greedy decoding needs only the best one, so
    // chips all-reduce a (logit, token id) pair with a max-loc reduction instead of gathering logits.
    Kernel& k = add(KernelKind::AllReduce, -1, "all_reduce", "lm_head.all_reduce");
    k.m = batch();
    k.n = 1;
    k.collective_bytes = prod({batch(), kArgmaxPairBytes});
    k.act_in_bytes = k.collective_bytes;
    k.act_out_bytes = k.collective_bytes;
  }

  const ModelSpec& m_model;
  const Scenario& m_sc;
  const TensorParallelShard& m_shard;
  StepShape m_step;
  std::uint32_t m_token;
  std::uint64_t m_positions;
  std::uint64_t m_rows = prod({m_step.seqs(m_sc.batch), m_step.seq_tokens}) + m_step.decode_seqs;
  KernelGraph m_graph;
};

}  // namespace

TensorParallelShard shard_model(const ModelSpec& model, std::uint32_t tensor_parallel,
                                const config::SourceLoc& where, const std::string& key) {
  const std::uint32_t tp = tensor_parallel;
  const std::string tp_text = std::to_string(tp);
  auto fail = [&](const std::string& what, const std::string& allowed) {
    throw config::InputError(where, key, what, tp_text, allowed);
  };
  if (tp == 0) fail("needs at least one chip", ">= 1");
  auto must_divide = [&](std::uint32_t value, const char* what) {
    if (value % tp != 0)
      fail("does not split " + model.name + "'s " + std::to_string(value) + " " + what + " evenly",
           "a divisor of " + std::to_string(value));
  };
  must_divide(model.heads, "query heads");
  if (model.kv_heads % tp != 0 && tp % model.kv_heads != 0)
    fail("does not split or evenly replicate " + model.name + "'s " + std::to_string(model.kv_heads) + " KV heads",
         "a divisor or multiple of " + std::to_string(model.kv_heads));
  must_divide(model.ffn, "FFN columns");
  if (model.dense_ffn > 0) must_divide(model.dense_ffn, "dense-layer FFN columns");
  must_divide(model.vocab, "vocabulary rows");

  TensorParallelShard s;
  s.tp = tp;
  s.heads = model.heads / tp;
  s.kv_heads = model.kv_heads >= tp ? model.kv_heads / tp : 1;
  s.kv_replication = model.kv_heads >= tp ? 1 : tp / model.kv_heads;
  s.ffn = model.ffn / tp;
  s.dense_ffn = model.dense_width() / tp;
  s.vocab = model.vocab / tp;
  return s;
}

KernelGraph lower(const ModelSpec& model, const Scenario& scenario, std::uint32_t token_index,
                  std::uint32_t tensor_parallel) {
  if (token_index >= scenario.tokens)
    throw std::invalid_argument("lower: token_index " + std::to_string(token_index) + " >= scenario.tokens " +
                                std::to_string(scenario.tokens));
  StepShape step;
  step.positions = scenario.context + token_index;
  step.index = token_index;
  return lower_step(model, scenario, step, tensor_parallel);
}

KernelGraph lower_step(const ModelSpec& model, const Scenario& scenario, const StepShape& shape,
                       std::uint32_t tensor_parallel) {
  const TensorParallelShard shard = shard_model(model, tensor_parallel);
  return Lowering(model, scenario, shard, shape).run();
}

std::vector<StepShape> turn_steps(const Scenario& sc) {
  std::vector<StepShape> steps;
  auto push = [&steps](Phase p, std::uint64_t q, std::uint64_t positions, std::uint64_t logits) {
    StepShape s;
    s.phase = p;
    s.seq_tokens = q;
    s.positions = positions;
    s.logits_per_seq = logits;
    s.index = static_cast<std::uint32_t>(steps.size());
    steps.push_back(s);
  };
  if (!sc.turn) {
    for (std::uint32_t t = 0; t < sc.tokens; ++t) push(Phase::Decode, 1, sc.context + t, 1);
    return steps;
  }
  const std::uint64_t chunk = sc.prefill.chunk_tokens ? std::min(sc.prefill.chunk_tokens, sc.prompt_tokens)
                                                      : sc.prompt_tokens;
  const std::uint64_t base = sc.cached_tokens + sc.prompt_tokens;  // KV positions after the prefill
  const bool one_new = sc.prefill.schedule != PrefillSchedule::Together;
  const bool interleave = sc.prefill.schedule == PrefillSchedule::Interleave;
  for (std::uint64_t done = 0, c = 0; done < sc.prompt_tokens; ++c) {
    const std::uint64_t q = std::min(chunk, sc.prompt_tokens - done);
    done += q;
    // The last chunk's last row samples the turn's first output token.
    push(Phase::Prefill, q, sc.cached_tokens + done, done == sc.prompt_tokens ? 1 : 0);
    if (!one_new) continue;
    steps.back().sequences = 1;
    if (!interleave) continue;
    // The other sequences are mid-answer in a turn of the same shape: they hold `base`
    // positions when the new prompt arrives, and each chunk step emits one more token of each.
    steps.back().decode_seqs = sc.batch - 1;
    steps.back().decode_positions = base + c + 1;
  }
  const std::uint64_t remaining = sc.output_tokens - 1;
  if (!sc.speculative.enabled()) {
    for (std::uint64_t t = 0; t < remaining; ++t) push(Phase::Decode, 1, base + t + 1, 1);
    return steps;
  }
  // One verify step per round: the last emitted token plus k drafted ones, all scored at once.
  const std::uint64_t k = sc.speculative.draft_tokens;
  const double e = sc.speculative.expected_tokens();
  const std::uint64_t rounds = static_cast<std::uint64_t>(std::ceil(static_cast<double>(remaining) / e - 1e-9));
  for (std::uint64_t r = 0; r < rounds; ++r) {
    const std::uint64_t emitted = static_cast<std::uint64_t>(std::llround(static_cast<double>(r) * e));
    push(Phase::Verify, k + 1, base + emitted + k + 1, k + 1);
  }
  return steps;
}

KernelGraph lower_gemm(const Scenario& scenario, std::uint64_t m, std::uint64_t n, std::uint64_t k) {
  StepShape step;
  step.positions = scenario.context;
  return Lowering(ModelSpec{}, scenario, TensorParallelShard{}, step).single_gemm(m, n, k);
}

ResidentBytes resident_weight_bytes(const ModelSpec& model, std::uint32_t tensor_parallel, DType wd) {
  const TensorParallelShard s = shard_model(model, tensor_parallel);
  const std::uint64_t h = model.hidden, d = model.head_size(), hp = s.heads;
  // Every matrix as the lowering's GEMMs read it (k × n, through matrix_bytes, so quantisation
  // scales are counted the same way); gathered embedding rows and norm gains carry none.
  auto mat = [wd](std::uint64_t k, std::uint64_t n) { return matrix_bytes(k, n, wd); };
  Bytes attention = 0, attention_norms = 0;
  if (model.is_mla()) {
    const std::uint64_t qr = model.q_lora_rank, kvr = model.kv_lora_rank, rope = model.qk_rope_dim;
    const std::uint64_t nope = model.qk_nope_dim, v = model.v_head_dim;
    attention = (qr > 0 ? mat(h, qr) + mat(qr, hp * (nope + rope)) : mat(h, hp * (nope + rope))) +
                mat(h, kvr + rope) + prod({hp, mat(nope, kvr)}) + prod({hp, mat(kvr, v)}) + mat(hp * v, h);
    attention_norms = bytes_of(qr + kvr, wd);
  } else {
    attention = mat(h, (hp + 2ULL * s.kv_heads) * d) + mat(hp * d, h) +
                (model.qkv_bias ? bytes_of((hp + 2ULL * s.kv_heads) * d, wd) : 0);
  }
  const Bytes common = bytes_of(2 * h, wd) + attention_norms + attention;
  auto swiglu = [&](std::uint64_t f) { return mat(h, 2 * f) + mat(f, h); };
  ResidentBytes r;
  r.dense_layers = model.is_moe() ? model.dense_layers : model.layers;
  r.dense_layer = common + swiglu(s.dense_ffn);
  if (model.is_moe()) {
    // Every expert stays resident: any token may pick any of them.
    r.per_layer = common + mat(h, model.experts) + bytes_of(model.router_bias ? model.experts : 0, wd) +
                  prod({model.experts, swiglu(s.ffn)}) +
                  (model.shared_experts > 0 ? swiglu(std::uint64_t{model.shared_experts} * s.ffn) : 0);
  } else {
    r.per_layer = r.dense_layer;
  }
  r.embedding = bytes_of(prod({model.vocab, h}), wd);
  r.lm_head = model.tied_embeddings ? scale_bytes_before(h, h, s.vocab, wd) : mat(h, s.vocab);
  r.final_norm = bytes_of(h, wd);
  return r;
}

Bytes ResidentBytes::layers_total(std::uint32_t layers) const {
  Bytes total = 0, dense = 0, rest = 0;
  const std::uint32_t nd = std::min(dense_layers, layers);
  if (__builtin_mul_overflow(Bytes{nd}, dense_layer, &dense) ||
      __builtin_mul_overflow(Bytes{layers - nd}, per_layer, &rest) || __builtin_add_overflow(dense, rest, &total))
    throw config::InputError(config::SourceLoc{"<workload>", 0, 0}, "", "resident bytes exceed 2^64");
  return total;
}

Bytes resident_weight_bytes_per_chip(const ModelSpec& model, DType weight_dtype, std::uint32_t tensor_parallel) {
  const ResidentBytes r = resident_weight_bytes(model, tensor_parallel, weight_dtype);
  // The HBM systems replicate the embedding table on every chip.
  Bytes weights = r.layers_total(model.layers);
  if (__builtin_add_overflow(weights, r.embedding + r.lm_head + r.final_norm, &weights))
    throw config::InputError(config::SourceLoc{"<workload>", 0, 0}, "", "resident bytes exceed 2^64");
  return weights;
}

Bytes resident_bytes_per_chip(const ModelSpec& model, const Scenario& scenario, std::uint32_t tensor_parallel) {
  const TensorParallelShard s = shard_model(model, tensor_parallel);
  const Bytes weights = resident_weight_bytes_per_chip(model, scenario.weight_dtype, tensor_parallel);
  const std::uint64_t kv_elements =
      prod({model.layers, scenario.batch, scenario.max_context(), model.kv_elements_per_position(s.kv_heads)});
  Bytes total = 0;
  if (__builtin_add_overflow(weights, bytes_of(kv_elements, scenario.kv_dtype), &total))
    throw config::InputError(config::SourceLoc{"<workload>", 0, 0}, "", "resident bytes exceed 2^64");
  return total;
}

}  // namespace decodesim::workload
