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
      config::Schema<ModelSpec>("Decoder-only transformer (RMSNorm, RoPE, GQA, SwiGLU FFN, optional MoE)")
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
                "LM head shares the embedding table (one copy stored)");
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
  if (head_dim == 0) {
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
}

ParameterBreakdown ModelSpec::parameter_breakdown() const {
  const std::uint64_t h = hidden, L = layers, d = head_size();
  const std::uint64_t q_width = std::uint64_t{heads} * d, kv_width = std::uint64_t{kv_heads} * d;
  ParameterBreakdown p;
  p.embedding = std::uint64_t{vocab} * h;
  p.lm_head = tied_embeddings ? 0 : std::uint64_t{vocab} * h;
  p.attention = L * (h * q_width + 2 * h * kv_width + q_width * h);
  p.ffn = L * std::max<std::uint64_t>(experts, 1) * 3 * h * ffn;
  p.router = L * h * experts;
  p.norms = (2 * L + 1) * h;
  return p;
}

std::uint64_t ModelSpec::parameter_count() const { return parameter_breakdown().total(); }

std::uint64_t ModelSpec::active_parameters_per_token() const {
  if (!is_moe()) return parameter_count();
  const std::uint64_t per_expert_all_layers = std::uint64_t{layers} * 3 * hidden * ffn;
  return parameter_count() - std::uint64_t{experts - top_k} * per_expert_all_layers;
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
  if (m.head_dim == 0) m.head_dim = m.hidden / m.heads;
  return m;
}

}  // namespace decodesim::workload
