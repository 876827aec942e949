// A decoder-only transformer (Llama family: RMSNorm, RoPE, GQA, SwiGLU, optional MoE FFN),
// described by the `model:` section of workloads/<name>.yaml.
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
  std::uint64_t router = 0;     ///< MoE gate (hidden × experts) over all layers
  std::uint64_t norms = 0;      ///< RMSNorm gains: 2 per layer + the final norm

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

  static const config::Schema<ModelSpec>& schema();
  /// Cross-field rules: required keys present, heads % kv_heads == 0, hidden == heads × head_dim
  /// unless head_dim is stated, head_dim even (RoPE rotates pairs), 1 <= top_k <= experts for
  /// MoE and top_k == 0 for dense. Throws a located config::InputError.
  void validate(const config::Node* section, const std::string& path) const;

  bool is_moe() const { return experts > 0; }
  /// head_dim, or hidden / heads when the file left it out.
  std::uint32_t head_size() const { return head_dim != 0 ? head_dim : hidden / heads; }

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
