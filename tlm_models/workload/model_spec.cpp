#include "workload/model_spec.h"

#include <algorithm>
#include <filesystem>
#include <vector>

namespace fs = std::filesystem;

namespace decodesim::workload {

const config::Schema<ModelSpec>& ModelSpec::schema() {
  // Structural keys default to 0, which is outside their range, so a file must state them;
  // validate() reports a missing one. Ranges keep parameter and byte counts below 2^64.
  static const config::Schema<ModelSpec> s =
      config::Schema<ModelSpec>("Decoder-only transformer (RMSNorm, RoPE, GQA or MLA, SwiGLU FFN, optional MoE)")
          .text("name", &ModelSpec::name, "", "display name; defaults to the file name without .yaml")
          .num("layers", &ModelSpec::layers, "count", 0u, 1u, 1024u, "decoder layers (required)")
          .num("hidden", &ModelSpec::hidden, "elements", 0u, 1u, 65536u, "model width d_model (required)")
          .num("heads", &ModelSpec::heads, "count", 0u, 1u, 1024u, "query heads (required)")
          .num("kv_heads", &ModelSpec::kv_heads, "count", 0u, 1u, 1024u,
               "key/value heads; < heads is grouped-query attention (required)")
          .num("head_dim", &ModelSpec::head_dim, "elements", 0u, 2u, 1024u,
               "width of one head; omit for hidden / heads, state it when heads × head_dim != hidden")
          .num("ffn", &ModelSpec::ffn, "elements", 0u, 1u, 1u << 20,
               "intermediate size of the SwiGLU FFN (of one expert for MoE) (required)")
          .num("vocab", &ModelSpec::vocab, "tokens", 0u, 1u, 1u << 22, "vocabulary size (required)")
          .num("experts", &ModelSpec::experts, "count", 0u, 0u, 256u, "FFN experts per layer; 0 = dense FFN")
          .num("top_k", &ModelSpec::top_k, "count", 0u, 0u, 256u, "experts each token is routed to (MoE only)")
          .flag("tied_embeddings", &ModelSpec::tied_embeddings, false,
                "LM head shares the embedding table (one copy stored)")
          .num("shared_experts", &ModelSpec::shared_experts, "count", 0u, 0u, 64u,
               "MoE: experts of width ffn every token always passes through, beside its routed top_k")
          .num("dense_layers", &ModelSpec::dense_layers, "count", 0u, 0u, 1024u,
               "MoE: the first N layers have a dense FFN of width dense_ffn instead of experts")
          .num("dense_ffn", &ModelSpec::dense_ffn, "elements", 0u, 0u, 1u << 20,
               "MoE: intermediate size of the leading dense layers (required when dense_layers > 0)")
.flag("qkv_bias", &ModelSpec::qkv_bias, false,
                "the query, key and value projections carry bias vectors (Qwen2 family)")
          .flag("router_bias", &ModelSpec::router_bias, false,
                "MoE: the router holds a bias per expert (DeepSeek-V3's load-balancing correction)")
          .num("q_lora_rank", &ModelSpec::q_lora_rank, "elements", 0u, 0u, 65536u,
               "MLA: rank of the query down-projection; 0 = queries projected directly from hidden")
          .num("kv_lora_rank", &ModelSpec::kv_lora_rank, "elements", 0u, 0u, 65536u,
               "MLA: width of the compressed KV latent that is cached; 0 = standard (GQA) attention")
          .num("qk_nope_dim", &ModelSpec::qk_nope_dim, "elements", 0u, 0u, 1024u,
               "MLA: per-head query/key width without rotary embedding")
          .num("qk_rope_dim", &ModelSpec::qk_rope_dim, "elements", 0u, 0u, 1024u,
               "MLA: per-head rotary query width and the width of the one shared rotary key")
          .num("v_head_dim", &ModelSpec::v_head_dim, "elements", 0u, 0u, 1024u, "MLA: per-head value width");
  return s;
}

void ModelSpec::validate(const config::Node* n, const std::string& path) const {
  const std::pair<const char*, std::uint32_t> required[] = {{"layers", layers}, {"hidden", hidden},
                                                            {"heads", heads},   {"kv_heads", kv_heads},
                                                            {"ffn", ffn},       {"vocab", vocab}};
  for (const auto& [key, value] : required)
    if (value == 0) config::fail_at(n, path, key, "required key missing", "", "a positive integer");
  if (heads % kv_heads != 0)
    config::fail_at(n, path, "kv_heads", "must divide heads (each KV head serves a whole group of query heads)",
                    std::to_string(kv_heads), "a divisor of heads = " + std::to_string(heads));
  if (head_dim == 0 && !is_mla()) {
    if (hidden % heads != 0)
      config::fail_at(n, path, "heads", "must divide hidden when head_dim is not stated",
                      std::to_string(heads), "a divisor of hidden = " + std::to_string(hidden));
  }
  if (head_size() % 2 != 0)
    config::fail_at(n, path, head_dim != 0 ? "head_dim" : "heads",
                    "head_dim must be even (RoPE rotates pairs of elements)", std::to_string(head_size()),
                    "an even head_dim");
  if (experts == 1)
    config::fail_at(n, path, "experts", "one expert is a dense FFN", "1", "0 (dense) or >= 2");
  if (experts == 0 && top_k != 0)
    config::fail_at(n, path, "top_k", "only meaningful for MoE models (experts > 0)", std::to_string(top_k), "0");
  if (experts > 0 && (top_k == 0 || top_k > experts))
    config::fail_at(n, path, "top_k", "MoE needs 1 <= top_k <= experts", std::to_string(top_k),
                    "[1, " + std::to_string(experts) + "]");
  if (experts == 0) {
    const std::pair<const char*, std::uint32_t> moe_only[] = {
        {"shared_experts", shared_experts}, {"dense_layers", dense_layers}, {"dense_ffn", dense_ffn}};
    for (const auto& [key, value] : moe_only)
      if (value != 0)
        config::fail_at(n, path, key, "only meaningful for MoE models (experts > 0)", std::to_string(value), "0");
    if (router_bias) config::fail_at(n, path, "router_bias", "only meaningful for MoE models", "true", "false");
  }
  if (dense_layers > layers)
    config::fail_at(n, path, "dense_layers", "more leading dense layers than layers", std::to_string(dense_layers),
                    "[0, " + std::to_string(layers) + "]");
  if ((dense_layers > 0) != (dense_ffn > 0))
    config::fail_at(n, path, dense_layers > 0 ? "dense_ffn" : "dense_layers",
                    "dense_layers and dense_ffn go together", std::to_string(dense_layers > 0 ? dense_ffn : dense_layers),
                    "both positive, or both 0");
  if (is_mla()) {
    const std::pair<const char*, std::uint32_t> widths[] = {
        {"qk_nope_dim", qk_nope_dim}, {"qk_rope_dim", qk_rope_dim}, {"v_head_dim", v_head_dim}};
    for (const auto& [key, value] : widths)
      if (value == 0) config::fail_at(n, path, key, "required with MLA (kv_lora_rank > 0)", "0", "a positive integer");
    if (qk_rope_dim % 2 != 0)
      config::fail_at(n, path, "qk_rope_dim", "must be even (RoPE rotates pairs of elements)",
                      std::to_string(qk_rope_dim), "an even width");
    // The latent is up-projected to one K and one V per query head: no grouping to state.
    if (kv_heads != heads)
      config::fail_at(n, path, "kv_heads", "MLA up-projects one key and value per query head",
                      std::to_string(kv_heads), "heads = " + std::to_string(heads));
    if (qkv_bias) config::fail_at(n, path, "qkv_bias", "MLA has no Wq/Wk/Wv to bias", "true", "false");
    if (head_dim != 0 && head_dim != qk_nope_dim + qk_rope_dim)
      config::fail_at(n, path, "head_dim", "MLA's query/key width is qk_nope_dim + qk_rope_dim",
                      std::to_string(head_dim), std::to_string(qk_nope_dim + qk_rope_dim) + " or omitted");
  } else {
    const std::pair<const char*, std::uint32_t> mla_only[] = {{"q_lora_rank", q_lora_rank},
                                                              {"qk_nope_dim", qk_nope_dim},
                                                              {"qk_rope_dim", qk_rope_dim},
                                                              {"v_head_dim", v_head_dim}};
    for (const auto& [key, value] : mla_only)
      if (value != 0)
        config::fail_at(n, path, key, "only meaningful with MLA (kv_lora_rank > 0)", std::to_string(value), "0");
  }
}

std::uint64_t ModelSpec::kv_elements_per_position(std::uint32_t kv_heads_per_chip) const {
  if (is_mla()) return std::uint64_t{kv_lora_rank} + qk_rope_dim;
  return std::uint64_t{2} * kv_heads_per_chip * head_size();
}

ParameterBreakdown ModelSpec::parameter_breakdown() const {
  const std::uint64_t h = hidden, L = layers, d = head_size(), H = heads;
  const std::uint64_t moe_layers = is_moe() ? L - dense_layers : 0, dense = L - moe_layers;
  ParameterBreakdown p;
  p.embedding = std::uint64_t{vocab} * h;
  p.lm_head = tied_embeddings ? 0 : std::uint64_t{vocab} * h;
  std::uint64_t extra_norms = 0;
  if (is_mla()) {
    const std::uint64_t qr = q_lora_rank, kvr = kv_lora_rank, rope = qk_rope_dim;
    const std::uint64_t q = qr > 0 ? h * qr + qr * H * d : h * H * d;     // W_DQ, W_UQ (or W_Q)
    const std::uint64_t kv = h * (kvr + rope) + kvr * H * (qk_nope_dim + v_head_dim);  // W_DKV+W_KR, W_UK+W_UV
    p.attention = L * (q + kv + H * v_head_dim * h);                       // + W_O
    extra_norms = qr + kvr;                                                // latent RMSNorms
  } else {
    const std::uint64_t q_width = H * d, kv_width = std::uint64_t{kv_heads} * d;
    p.attention = L * (h * q_width + 2 * h * kv_width + q_width * h + (qkv_bias ? q_width + 2 * kv_width : 0));
  }
  p.ffn = dense * 3 * h * dense_width() + moe_layers * (std::uint64_t{experts} + shared_experts) * 3 * h * ffn;
  p.router = moe_layers * (h * experts + (router_bias ? experts : 0));
  p.norms = L * (2 * h + extra_norms) + h;
  return p;
}

std::uint64_t ModelSpec::parameter_count() const { return parameter_breakdown().total(); }

std::uint64_t ModelSpec::active_parameters_per_token() const {
  if (!is_moe()) return parameter_count();
  const std::uint64_t per_expert_all_moe_layers = std::uint64_t{layers - dense_layers} * 3 * hidden * ffn;
  return parameter_count() - std::uint64_t{experts - top_k} * per_expert_all_moe_layers;
}

namespace {

// The file's only section; anything else at top level is an unknown-key error.
struct ModelFile {
  ModelSpec model;
  static const config::Schema<ModelFile>& schema() {
    static const config::Schema<ModelFile> s =
        config::Schema<ModelFile>("workload model file").section("model", &ModelFile::model);
    return s;
  }
  void validate(const config::Node* n, const std::string& path) const {
    if (!n || !n->find("model"))
      throw config::InputError(n ? n->loc : config::SourceLoc{}, "model", "missing section", "",
                               "a `model:` section");
  }
};

std::vector<std::string> available_models(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

ModelSpec load_model(const std::string& name_or_path, const std::string& workloads_dir,
                     const std::vector<std::string>& sets) {
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       (name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".yaml");
  std::string file = name_or_path;
  if (!is_path) {
    file = (fs::path(workloads_dir) / (name_or_path + ".yaml")).string();
    std::error_code ec;
    if (name_or_path.empty() || !fs::is_regular_file(file, ec)) {
      std::string list;
      for (const auto& m : available_models(workloads_dir)) list += (list.empty() ? "" : ", ") + m;
      if (list.empty()) list = "(none found)";
      throw config::InputError(config::SourceLoc{"--model", 0, 0}, "", "unknown model",
                               "'" + name_or_path + "'",
                               "one of: " + list + " (in " + workloads_dir + "), or a path to a .yaml file");
    }
  }
  const config::Node root = config::load_file(file, {}, "--model");
  // A file without its section (a system file given as --model) is refused, not run on defaults.
  if (!root.find("model") || !root.find("model")->is_map())
    throw config::InputError(config::SourceLoc{file, 1, 1}, "model", "not a model file: no `model:` map", "",
                             "a file such as workloads/llama2_7b.yaml");
  config::Node tree = root;
  for (const auto& s : sets) config::apply_set(tree, s);
  ModelFile mf;
  ModelFile::schema().read(&tree, "", mf);
  ModelSpec m = mf.model;
  if (m.name.empty()) m.name = fs::path(file).stem().string();
  if (m.head_dim == 0) m.head_dim = m.head_size();
  return m;
}

}  // namespace decodesim::workload
