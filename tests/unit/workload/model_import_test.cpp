// `decodesim model import`: the shipped models' published config.json files (hf/) become the
// same models as the hand-written workloads/*.yaml.
#include <gtest/gtest.h>

#include "workload/hf_import.h"
#include "workload_test_util.h"

using namespace decodesim;
using namespace decodesim::workload;
using namespace decodesim::workload::testing;

namespace {

std::string fixture(const std::string& name) {
  return std::string(DECODESIM_SOURCE_DIR) + "/tests/unit/workload/hf/" + name + ".json";
}

void expect_same(const ModelSpec& a, const ModelSpec& b, const std::string& what) {
  EXPECT_EQ(a.layers, b.layers) << what;
  EXPECT_EQ(a.hidden, b.hidden) << what;
  EXPECT_EQ(a.heads, b.heads) << what;
  EXPECT_EQ(a.kv_heads, b.kv_heads) << what;
  EXPECT_EQ(a.head_size(), b.head_size()) << what;
  EXPECT_EQ(a.ffn, b.ffn) << what;
  EXPECT_EQ(a.vocab, b.vocab) << what;
  EXPECT_EQ(a.experts, b.experts) << what;
  EXPECT_EQ(a.top_k, b.top_k) << what;
  EXPECT_EQ(a.tied_embeddings, b.tied_embeddings) << what;
  EXPECT_EQ(a.shared_experts, b.shared_experts) << what;
  EXPECT_EQ(a.dense_layers, b.dense_layers) << what;
  EXPECT_EQ(a.dense_ffn, b.dense_ffn) << what;
  EXPECT_EQ(a.router_bias, b.router_bias) << what;
  EXPECT_EQ(a.qkv_bias, b.qkv_bias) << what;
  EXPECT_EQ(a.q_lora_rank, b.q_lora_rank) << what;
  EXPECT_EQ(a.kv_lora_rank, b.kv_lora_rank) << what;
  EXPECT_EQ(a.qk_nope_dim, b.qk_nope_dim) << what;
  EXPECT_EQ(a.qk_rope_dim, b.qk_rope_dim) << what;
  EXPECT_EQ(a.v_head_dim, b.v_head_dim) << what;
  EXPECT_EQ(a.parameter_count(), b.parameter_count()) << what;
}

}  // namespace

TEST(ModelImport, PublishedConfigsGiveTheShippedWorkloads) {
  TempDir t;
  for (const char* name : {"llama2_7b", "llama2_70b", "llama3_8b", "mixtral_8x7b", "llama3_1_70b", "llama3_1_405b",
                           "qwen2_5_72b", "deepseek_v3"}) {
    const std::string yaml = import_hf_config(fixture(name), name);
    const ModelSpec imported = load_model(t.write(std::string(name) + ".yaml", yaml), workloads_dir());
    EXPECT_EQ(imported.name, name);
    expect_same(imported, model(name), name);
  }
}

TEST(ModelImport, UnmappableFieldsAreOneLineErrorsWithTheirPlace) {
  TempDir t;
  const std::string gelu = t.write("gelu.json",
                                   "{\n  \"model_type\": \"llama\",\n  \"hidden_act\": \"gelu\",\n"
                                   "  \"hidden_size\": 64\n}\n");
  const std::string e1 = error_of([&] { import_hf_config(gelu, "x"); });
  EXPECT_NE(e1.find("gelu.json:3:3"), std::string::npos) << e1;
  EXPECT_NE(e1.find("hidden_act"), std::string::npos) << e1;
  EXPECT_NE(e1.find("silu"), std::string::npos) << e1;
  EXPECT_EQ(e1.find('\n'), std::string::npos) << e1;

  const std::string unknown = t.write("unknown.json", "{\"model_type\": \"llama\", \"num_sparkles\": 3}");
  const std::string e2 = error_of([&] { import_hf_config(unknown, "x"); });
  EXPECT_NE(e2.find("num_sparkles"), std::string::npos) << e2;
  EXPECT_NE(e2.find("cannot map"), std::string::npos) << e2;

  const std::string arch = t.write("arch.json", "{\"model_type\": \"gpt2\"}");
  EXPECT_NE(error_of([&] { import_hf_config(arch, "x"); }).find("model_type"), std::string::npos);

  const std::string window = t.write("win.json", "{\"model_type\": \"mistral\", \"sliding_window\": 4096}");
  EXPECT_NE(error_of([&] { import_hf_config(window, "x"); }).find("sliding_window"), std::string::npos);

  const std::string missing = t.write("missing.json", "{\"model_type\": \"llama\", \"hidden_size\": 64}");
  EXPECT_NE(error_of([&] { import_hf_config(missing, "x"); }).find("num_hidden_layers"), std::string::npos);

  const std::string broken = t.write("broken.json", "{\"model_type\": ");
  EXPECT_NE(error_of([&] { import_hf_config(broken, "x"); }).find("not valid JSON"), std::string::npos);
}
