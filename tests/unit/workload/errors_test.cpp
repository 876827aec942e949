// Bad workload input gives one located line: where, what, what was given, what is allowed.
#include <gtest/gtest.h>

#include "workload_test_util.h"

using namespace decodesim;
using namespace decodesim::workload;
using namespace decodesim::workload::testing;

namespace {

const char* kValidBody = "  layers: 2\n  hidden: 256\n  heads: 4\n  kv_heads: 2\n  ffn: 512\n  vocab: 512\n";

Scenario read_scenario(const config::Node& root) {
  Scenario s;
  Scenario::schema().read(root.find("scenario"), "scenario", s);
  return s;
}

}  // namespace

TEST(WorkloadErrors, UnknownModelListsAvailableModels) {
  const std::string e = error_of([] { model("llama9"); });
  EXPECT_EQ(e, "--model: unknown model, got 'llama9', allowed one of: deepseek_v3, llama2_70b, llama2_7b, "
               "llama3_1_405b, llama3_1_70b, llama3_8b, mixtral_8x7b, qwen2_5_72b, tiny (in " + workloads_dir() + "), or a path to a .yaml file");
}

TEST(WorkloadErrors, MissingModelPathIsAnError) {
  const std::string e = error_of([] { load_model("/nonexistent/x.yaml", workloads_dir()); });
  EXPECT_NE(e.find("/nonexistent/x.yaml"), std::string::npos) << e;
}

TEST(WorkloadErrors, UnknownDtypeListsChoices) {
  EXPECT_EQ(error_of([] { parse_dtype("fp4", config::SourceLoc{"--weight-dtype", 0, 0}, "scenario.weight_dtype"); }),
            "--weight-dtype: scenario.weight_dtype: unknown dtype, got 'fp4', allowed bf16 | fp8 | int8 | int4");
  EXPECT_EQ(parse_dtype("int4", {}, "k"), DType::INT4);
  EXPECT_EQ(error_of([] { read_scenario(config::load_string("scenario:\n  kv_dtype: fp16\n", "s.yaml")); }),
            "s.yaml:2:13: scenario.kv_dtype: unknown choice, got 'fp16', allowed bf16 | fp8 | int8 | int4");
}

TEST(WorkloadErrors, BatchZeroIsOutOfRange) {
  EXPECT_EQ(error_of([] { read_scenario(config::load_string("scenario: {batch: 0}", "s.yaml")); }),
            "s.yaml:1:19: scenario.batch: value out of range, got 0, allowed [1, 65536]");
  config::Node root = config::load_string("{}", "flags");
  config::apply_set(root, "scenario.batch=0");
  EXPECT_EQ(error_of([&] { read_scenario(root); }),
            "--set:1:16: scenario.batch: value out of range, got 0, allowed [1, 65536]");
}

TEST(WorkloadErrors, HeadsNotMultipleOfKvHeadsIsLocated) {
  TempDir t;
  const std::string f =
      t.write("bad.yaml", "model:\n  layers: 2\n  hidden: 256\n  heads: 4\n  kv_heads: 3\n  ffn: 512\n  vocab: 512\n");
  EXPECT_EQ(error_of([&] { load_model(f, workloads_dir()); }),
            f + ":5:13: model.kv_heads: must divide heads (each KV head serves a whole group of query heads), "
                "got 3, allowed a divisor of heads = 4");
}

TEST(WorkloadErrors, UnknownKeyInModelFileIsLocated) {
  TempDir t;
  const std::string f = t.write("typo.yaml", std::string("model:\n") + kValidBody + "  hiden: 4096\n");
  const std::string e = error_of([&] { load_model(f, workloads_dir()); });
  EXPECT_EQ(e.rfind(f + ":8:10: model.hiden: unknown key, got 'hiden', allowed one of: name, layers,", 0), 0u) << e;
  const std::string g = t.write("top.yaml", std::string("model:\n") + kValidBody + "modle: {}\n");
  EXPECT_EQ(error_of([&] { load_model(g, workloads_dir()); }).rfind(g + ":8:8: modle: unknown key", 0), 0u);
}

TEST(WorkloadErrors, MissingRequiredKeyIsNamed) {
  TempDir t;
  const std::string f = t.write("novocab.yaml", "model:\n  layers: 2\n  hidden: 256\n  heads: 4\n  kv_heads: 2\n"
                                                "  ffn: 512\n");
  EXPECT_EQ(error_of([&] { load_model(f, workloads_dir()); }),
            f + ":2:3: model.vocab: required key missing, allowed a positive integer");
  const std::string g = t.write("empty.yaml", "other: 1\n");
  EXPECT_NE(error_of([&] { load_model(g, workloads_dir()); }).find("empty.yaml:1:1: model: not a model file"), std::string::npos);
}

TEST(WorkloadErrors, BadMoeAndHeadShapes) {
  TempDir t;
  const std::string k = t.write("topk.yaml", std::string("model:\n") + kValidBody + "  experts: 4\n  top_k: 5\n");
  EXPECT_EQ(error_of([&] { load_model(k, workloads_dir()); }),
            k + ":9:10: model.top_k: MoE needs 1 <= top_k <= experts, got 5, allowed [1, 4]");
  const std::string d = t.write("dense_topk.yaml", std::string("model:\n") + kValidBody + "  top_k: 2\n");
  EXPECT_NE(error_of([&] { load_model(d, workloads_dir()); }).find("model.top_k: only meaningful for MoE"),
            std::string::npos);
  const std::string h = t.write("odd.yaml", "model:\n  layers: 1\n  hidden: 300\n  heads: 7\n  kv_heads: 7\n"
                                            "  ffn: 8\n  vocab: 8\n");
  EXPECT_NE(error_of([&] { load_model(h, workloads_dir()); }).find("model.heads: must divide hidden"),
            std::string::npos);
}

TEST(WorkloadErrors, TensorParallelMustSplitTheModel) {
  const ModelSpec m = model("llama2_7b");
  EXPECT_EQ(error_of([&] { lower(m, scenario(1, 16), 0, 3); }),
            "<tensor_parallel>: tensor_parallel: does not split llama2_7b's 32 query heads evenly, got 3, "
            "allowed a divisor of 32");
  EXPECT_EQ(error_of([&] { shard_model(model("llama2_70b"), 128, {"sys.yaml", 4, 10}, "system.chips"); }),
            "sys.yaml:4:10: system.chips: does not split llama2_70b's 64 query heads evenly, got 128, "
            "allowed a divisor of 64");
}
