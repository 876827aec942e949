#include "workload/hf_import.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "common/config/error.h"
#include "workload/model_spec.h"

namespace decodesim::workload {

namespace {

using nlohmann::json;

// Fields read by no mapping because they do not change what one decode step reads or computes:
// numerics (eps, dropout, init), token ids, RoPE base and long-context scaling (RoPE's cost is per
// rotated element, not per frequency), serving hints, the checkpoint's own storage format (the
// scenario's --weight-dtype sets it), and DeepSeek's routing details (group-limited selection and
// score function: decodesim's seeded router picks top_k of the experts, workload README).
const std::set<std::string> kNoEffect = {
    "architectures", "auto_map", "attention_dropout", "bos_token_id", "eos_token_id", "pad_token_id",
    "initializer_range", "max_position_embeddings", "rms_norm_eps", "rope_scaling", "rope_theta",
    "torch_dtype", "transformers_version", "use_cache", "pretraining_tp", "quantization_config",
    "aux_loss_alpha", "seq_aux", "norm_topk_prob", "routed_scaling_factor", "scoring_func", "n_group",
    "topk_group", "ep_size", "output_router_logits", "router_aux_loss_coef", "router_jitter_noise",
    "max_window_layers", "_name_or_path", "num_nextn_predict_layers", "model_type", "hidden_act",
    "attention_bias", "mlp_bias", "sliding_window", "use_sliding_window", "moe_layer_freq", "topk_method",
    "head_dim", "tie_word_embeddings"};

class Importer {
 public:
  Importer(std::string path, std::string text) : m_path(std::move(path)), m_text(std::move(text)) {}

  std::string run(const std::string& name) {
    try {
      m_j = json::parse(m_text);
    } catch (const json::parse_error& e) {
      throw config::InputError(config::SourceLoc{m_path, 1, 1}, "", "not valid JSON",
                               std::string(e.what()).substr(0, 120), "a Hugging Face config.json");
    }
    if (!m_j.is_object())
      throw config::InputError(config::SourceLoc{m_path, 1, 1}, "", "not a JSON object", "",
                               "a Hugging Face config.json");
    for (auto it = m_j.begin(); it != m_j.end(); ++it)
      if (!kNoEffect.count(it.key()) && !kMapped.count(it.key()))
        fail(it.key(), "cannot map this field; decodesim does not know what it changes", it.value().dump(),
             "the fields listed in docs/workloads.md (\"Importing a Hugging Face config\")");
    check_supported();

    const bool moe = has("num_local_experts") || has("n_routed_experts");
    const bool mla = has("kv_lora_rank") && !m_j["kv_lora_rank"].is_null();
    out_text("name", name, "");
    out("layers", u("num_hidden_layers"), "num_hidden_layers");
    out("hidden", u("hidden_size"), "hidden_size");
    out("heads", u("num_attention_heads"), "num_attention_heads");
    if (has("num_key_value_heads")) out("kv_heads", u("num_key_value_heads"), "num_key_value_heads");
    else out("kv_heads", u("num_attention_heads"), "num_key_value_heads absent: one KV head per query head");
    if (has("head_dim") && !m_j["head_dim"].is_null() && !mla) {
      const std::uint64_t hd = u("head_dim");
      if (hd * u("num_attention_heads") != u("hidden_size")) out("head_dim", hd, "head_dim");
    }
    if (mla) {
      if (has("q_lora_rank") && !m_j["q_lora_rank"].is_null()) out("q_lora_rank", u("q_lora_rank"), "q_lora_rank");
      out("kv_lora_rank", u("kv_lora_rank"), "kv_lora_rank");
      out("qk_nope_dim", u("qk_nope_head_dim"), "qk_nope_head_dim");
      out("qk_rope_dim", u("qk_rope_head_dim"), "qk_rope_head_dim");
      out("v_head_dim", u("v_head_dim"), "v_head_dim");
    }
    if (moe && has("moe_intermediate_size")) {
      out("ffn", u("moe_intermediate_size"), "moe_intermediate_size (of each expert)");
    } else {
      out("ffn", u("intermediate_size"), moe ? "intermediate_size (of each expert)" : "intermediate_size");
    }
    out("vocab", u("vocab_size"), "vocab_size");
    if (moe) {
      const char* e = has("num_local_experts") ? "num_local_experts" : "n_routed_experts";
      out("experts", u(e), e);
      out("top_k", u("num_experts_per_tok"), "num_experts_per_tok");
      if (has("n_shared_experts") && !m_j["n_shared_experts"].is_null() && u("n_shared_experts") > 0)
        out("shared_experts", u("n_shared_experts"), "n_shared_experts");
      if (has("topk_method") && m_j["topk_method"] == "noaux_tc")
        out_text("router_bias", "true", "topk_method: noaux_tc (a correction bias per expert)");
      if (has("first_k_dense_replace") && u("first_k_dense_replace") > 0) {
        out("dense_layers", u("first_k_dense_replace"), "first_k_dense_replace");
        out("dense_ffn", u("intermediate_size"), "intermediate_size (the dense layers' FFN)");
      }
    }
    if (str("model_type") == "qwen2") out_text("qkv_bias", "true", "model_type qwen2: q/k/v projections carry biases");
    const bool tied = tie_word_embeddings();
    out_text("tied_embeddings", tied ? "true" : "false", has("tie_word_embeddings")
                                                            ? "tie_word_embeddings"
                                                            : "tie_word_embeddings absent: the model_type's default");
    std::ostringstream y;
    y << "# Imported by `decodesim model import` from " << m_path << ".\n"
      << "# Each value's comment names the config.json field it came from.\n";
    if (has("num_nextn_predict_layers") && u("num_nextn_predict_layers") > 0)
      y << "# Not imported: the " << u("num_nextn_predict_layers")
        << " multi-token-prediction layer(s) (num_nextn_predict_layers), unused by plain decode.\n";
    y << "model:\n" << m_body.str();
    return y.str();
  }

 private:
  const std::set<std::string> kMapped = {
      "num_hidden_layers", "hidden_size", "num_attention_heads", "num_key_value_heads", "intermediate_size",
      "vocab_size", "num_local_experts", "n_routed_experts", "num_experts_per_tok", "n_shared_experts",
      "moe_intermediate_size", "first_k_dense_replace", "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
      "qk_rope_head_dim", "v_head_dim"};

  bool has(const std::string& k) const { return m_j.contains(k); }

  config::SourceLoc loc(const std::string& key) const {
    // nlohmann keeps no positions: find the key's first occurrence in the text.
    const std::size_t at = m_text.find("\"" + key + "\"");
    if (at == std::string::npos) return {m_path, 1, 1};
    int line = 1, col = 1;
    for (std::size_t i = 0; i < at; ++i) {
      if (m_text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return {m_path, line, col};
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what, const std::string& got,
                         const std::string& allowed) const {
    throw config::InputError(loc(key), key, what, got, allowed);
  }

  std::uint64_t u(const std::string& key) const {
    if (!has(key)) fail(key, "required field missing", "", "a positive integer");
    const json& v = m_j.at(key);
    if (!v.is_number_unsigned()) fail(key, "must be a non-negative integer", v.dump(), "an integer");
    return v.get<std::uint64_t>();
  }

  std::string str(const std::string& key) const {
    if (!has(key) || !m_j.at(key).is_string()) return {};
    return m_j.at(key).get<std::string>();
  }

  bool flag(const std::string& key) const { return has(key) && m_j.at(key).is_boolean() && m_j.at(key).get<bool>(); }

  void check_supported() const {
    static const std::set<std::string> types = {"llama", "mistral", "mixtral", "qwen2", "deepseek_v3", "deepseek_v2"};
    const std::string type = str("model_type");
    if (!types.count(type))
      fail("model_type", "no mapping for this architecture", has("model_type") ? m_j["model_type"].dump() : "(absent)",
           "llama, mistral, mixtral, qwen2, deepseek_v2, deepseek_v3");
    if (has("hidden_act") && str("hidden_act") != "silu")
      fail("hidden_act", "decodesim lowers SwiGLU FFNs only", m_j["hidden_act"].dump(), "\"silu\"");
    if (flag("attention_bias"))
      fail("attention_bias", "biases on every attention projection including Wo are not modelled", "true", "false");
    if (flag("mlp_bias")) fail("mlp_bias", "FFN biases are not modelled", "true", "false");
    const bool window = type == "qwen2" ? flag("use_sliding_window")
                                        : has("sliding_window") && !m_j["sliding_window"].is_null();
    if (window)
      fail(type == "qwen2" ? "use_sliding_window" : "sliding_window",
           "sliding-window attention is not modelled (every position is attended)",
           type == "qwen2" ? "true" : m_j["sliding_window"].dump(), type == "qwen2" ? "false" : "null");
    if (has("moe_layer_freq") && u("moe_layer_freq") != 1)
      fail("moe_layer_freq", "MoE layers interleaved with dense ones are not modelled", m_j["moe_layer_freq"].dump(),
           "1");
    if (has("topk_method") && str("topk_method") != "noaux_tc" && str("topk_method") != "greedy" &&
        str("topk_method") != "group_limited_greedy")
      fail("topk_method", "unknown routing method", m_j["topk_method"].dump(), "greedy, group_limited_greedy, noaux_tc");
  }

  bool tie_word_embeddings() const {
    if (has("tie_word_embeddings")) {
      if (!m_j["tie_word_embeddings"].is_boolean())
        fail("tie_word_embeddings", "must be a boolean", m_j["tie_word_embeddings"].dump(), "true or false");
      return m_j["tie_word_embeddings"].get<bool>();
    }
    // These architectures' transformers config classes all default to untied.
    return false;
  }

  void out(const std::string& key, std::uint64_t v, const std::string& from) { out_text(key, std::to_string(v), from); }
  void out_text(const std::string& key, const std::string& v, const std::string& from) {
    std::string line = "  " + key + ": " + v;
    if (!from.empty()) {
      if (line.size() < 26) line.resize(26, ' ');
      line += "  # " + from;
    }
    m_body << line << "\n";
  }

  std::string m_path, m_text;
  json m_j;
  std::ostringstream m_body;
};

}  // namespace

std::string import_hf_config(const std::string& json_path, const std::string& name) {
  std::ifstream in(json_path, std::ios::binary);
  if (!in)
    throw config::InputError(config::SourceLoc{json_path, 0, 0}, "", "cannot read the file", "",
                             "a readable Hugging Face config.json");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (1u << 20))
    throw config::InputError(config::SourceLoc{json_path, 0, 0}, "", "larger than 1 MiB", "",
                             "a Hugging Face config.json (a few KiB)");
  return Importer(json_path, text.str()).run(name);
}

}  // namespace decodesim::workload
