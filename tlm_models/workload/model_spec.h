// A decoder-only transformer (Llama family: RMSNorm, RoPE, GQA, SwiGLU, optional MoE FFN; and
// the DeepSeek-V2/V3 family: multi-head latent attention (MLA), shared experts, leading dense
// layers), described by the `model:` section of workloads/<name>.yaml.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/schema.h"

namespace decodesim::workload {

/// Parameter counts by role, summed over the whole model (all layers, all experts).
struct ParameterBreakdown {
  std::uint64_t embedding = 0;  ///< vocab × hidden token-embedding table
  std::uint64_t lm_head = 0;    ///< vocab × hidden, or 0 when tied to the embedding table
  std::uint64_t attention = 0;  ///< Wq, Wk, Wv, Wo over all layers
  std::uint64_t ffn = 0;        ///< gate, up, down over all layers and all experts
  std::uint64_t router = 0;     ///< MoE gate (hidden × experts, + experts bias terms) over the MoE layers
  std::uint64_t norms = 0;      ///< RMSNorm gains: 2 per layer (+ MLA's q/kv latent norms) + the final norm

  std::uint64_t total() const { return embedding + lm_head + attention + ffn + router + norms; }
};

struct ModelSpec {
  std::string name;                ///< defaults to the file's stem
  std::uint32_t layers = 0;        ///< 0 in the struct means "missing"; the file must state it
  std::uint32_t hidden = 0;
  std::uint32_t heads = 0;
  std::uint32_t kv_heads = 0;
  std::uint32_t head_dim = 0;      ///< 0 in the file = hidden / heads; load_model() resolves it
  std::uint32_t ffn = 0;           ///< intermediate size of one (expert) FFN
  std::uint32_t vocab = 0;
  std::uint32_t experts = 0;       ///< 0 = dense
  std::uint32_t top_k = 0;         ///< experts chosen per token (MoE only)
  bool tied_embeddings = false;    ///< LM head reuses the embedding table
  std::uint32_t shared_experts = 0;  ///< always-active experts of width ffn beside the routed top_k
  std::uint32_t dense_layers = 0;    ///< MoE: the first N layers have a dense FFN of width dense_ffn
  std::uint32_t dense_ffn = 0;       ///< intermediate size of those leading dense layers
  bool qkv_bias = false;             ///< Wq, Wk, Wv carry biases (Qwen2 family)
  bool router_bias = false;          ///< router carries a per-expert bias (DeepSeek-V3's correction bias)
  // Multi-head latent attention (DeepSeek-V2, arXiv:2405.04434 §2.1); kv_lora_rank = 0: not MLA.
  std::uint32_t q_lora_rank = 0;   ///< query down-projection rank; 0 = queries projected directly
  std::uint32_t kv_lora_rank = 0;  ///< compressed KV latent width (the cached c_kv)
  std::uint32_t qk_nope_dim = 0;   ///< per-head query/key width without RoPE
  std::uint32_t qk_rope_dim = 0;   ///< per-head query width with RoPE; the decoupled shared RoPE key width
  std::uint32_t v_head_dim = 0;    ///< per-head value width

  static const config::Schema<ModelSpec>& schema();
  /// Cross-field rules: required keys present, heads % kv_heads == 0, hidden == heads × head_dim
  /// unless head_dim is stated, head_dim even (RoPE rotates pairs), 1 <= top_k <= experts for
  /// MoE and top_k == 0 for dense; shared experts, dense_layers and dense_ffn only with MoE;
  /// MLA needs its three per-head widths and kv_heads == heads. Throws a located config::InputError.
  void validate(const config::Node* section, const std::string& path) const;

  bool is_moe() const { return experts > 0; }
  bool is_mla() const { return kv_lora_rank > 0; }
  /// Layer l uses a routed-expert FFN (MoE model, past the leading dense layers).
  bool layer_is_moe(std::uint32_t l) const { return is_moe() && l >= dense_layers; }
  /// FFN intermediate width of a dense layer: dense_ffn for MoE models' leading layers, else ffn.
  std::uint32_t dense_width() const { return is_moe() ? dense_ffn : ffn; }
  /// KV-cache elements one position of one layer adds per sequence, for `kv_heads_per_chip` KV
  /// heads: K and V rows (2 × kv_heads × head_dim), or MLA's latent c_kv plus its shared RoPE
  /// key (kv_lora_rank + qk_rope_dim), which every chip keeps whole because all heads read it.
  std::uint64_t kv_elements_per_position(std::uint32_t kv_heads_per_chip) const;
  /// head_dim, or hidden / heads when the file left it out.
  /// MLA: qk_nope_dim + qk_rope_dim (the width each head's query meets its key in).
  std::uint32_t head_size() const {
    return head_dim != 0 ? head_dim : is_mla() ? qk_nope_dim + qk_rope_dim : hidden / heads;
  }

  ParameterBreakdown parameter_breakdown() const;
  /// Every parameter of the model, exactly (embedding counted once when tied).
  std::uint64_t parameter_count() const;
  /// Parameters one token touches: everything except the experts it is not routed to
  /// (the whole embedding table is counted, as is conventional). Dense: parameter_count().
  std::uint64_t active_parameters_per_token() const;
};

/// Loads `name_or_path`: a path when it contains '/' or ends in ".yaml", else
/// <workloads_dir>/<name>.yaml. The file holds one `model:` section (includes allowed).
/// Unknown name -> config::InputError listing the models in workloads_dir.
/// `sets` ("model.layers=4") override keys of the file, as `decodesim run --set` does.
ModelSpec load_model(const std::string& name_or_path, const std::string& workloads_dir,
                     const std::vector<std::string>& sets = {});

}  // namespace decodesim::workload
