// Decode attention on the TPU at batch > 1 (issue 9, section 1): pairs of (sequence, KV head)
// stream back to back through every MXU, so the step scales with batch as the roofline does,
// and attention over a long enough context is bound by HBM, not by the arrays' fill and drain.
// Each run is a child process (SystemC elaborates once per process).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cli_harness.h"

using decodesim::test::run_json;
using decodesim::test::ScratchDir;
using json = nlohmann::json;

namespace {

struct Tpu {
  std::string system, model;
  std::vector<std::string> extra;  ///< e.g. the weight dtype that makes the model fit
};

json decode(const ScratchDir& d, const Tpu& t, int batch, int context) {
  std::vector<std::string> args = {"--system", t.system, "--model", t.model, "--batch", std::to_string(batch),
                                   "--context", std::to_string(context)};
  args.insert(args.end(), t.extra.begin(), t.extra.end());
  return run_json(d, t.model + "_b" + std::to_string(batch) + "c" + std::to_string(context), args);
}

/// Total tokens/s from batch 1 to batch 64 at context 128, over the roofline's own growth.
void expect_batch_scaling_tracks_roofline(const ScratchDir& d, const Tpu& t) {
  const json one = decode(d, t, 1, 128), many = decode(d, t, 64, 128);
  const double sim = many["summary"]["tokens_per_s"].get<double>() / one["summary"]["tokens_per_s"].get<double>();
  const double roof = (64 / many["summary"]["roofline_latency_s"].get<double>()) /
                      (1 / one["summary"]["roofline_latency_s"].get<double>());
  EXPECT_GE(sim / roof, 0.7) << t.system << ": tokens/s grow " << sim << "x from batch 1 to 64, the roofline " << roof
                             << "x";
}

/// Every attention kernel of the step is bound by HBM.
void expect_attention_memory_bound(const ScratchDir& d, const Tpu& t, int batch, int context) {
  const json j = decode(d, t, batch, context);
  int attn = 0;
  for (const auto& k : j["kernels"]) {
    if (k["op"] != "attn") continue;
    ++attn;
    EXPECT_EQ(k["bound"], "memory") << t.system << " batch " << batch << " context " << context << ": " << k["name"]
                                    << " spans " << k["span_s"] << " s for a roofline of " << k["roofline_s"] << " s";
  }
  EXPECT_GT(attn, 0);
}

}  // namespace

TEST(TpuAttention, V5eScalesWithBatchAndStreamsKvAtHbmSpeed) {
  ScratchDir d("attn-v5e");
  // bf16 Llama-2-7B at batch 64 needs 17.8 GB with its KV cache: int8 weights make it fit 16 GB.
  const Tpu t{"tpu_v5e", "llama2_7b", {"--weight-dtype", "int8"}};
  expect_batch_scaling_tracks_roofline(d, t);
  expect_attention_memory_bound(d, t, 8, 512);
  // GQA: the 4 query heads of each KV head share one pass over K and V.
  expect_attention_memory_bound(d, {"tpu_v5e", "llama3_8b", {"--weight-dtype", "int8"}}, 8, 512);
}

TEST(TpuAttention, V4ScalesWithBatchAndStreamsKvAtHbmSpeed) {
  ScratchDir d("attn-v4");
  const Tpu t{"tpu_v4", "llama2_7b", {}};
  expect_batch_scaling_tracks_roofline(d, t);
  expect_attention_memory_bound(d, t, 8, 512);
  expect_attention_memory_bound(d, t, 16, 2048);
}

TEST(TpuAttention, V5eX8ScalesWithBatchAndStreamsKvAtHbmSpeed) {
  ScratchDir d("attn-x8");
  const Tpu t{"tpu_v5e_x8", "llama2_7b", {}};
  expect_batch_scaling_tracks_roofline(d, t);
  expect_attention_memory_bound(d, t, 8, 512);
  expect_attention_memory_bound(d, t, 64, 2048);
  // Llama-2-70B (int8 to fit 8 x 16 GB): one KV head per chip, its 8 query heads in one pass.
  expect_attention_memory_bound(d, {"tpu_v5e_x8", "llama2_70b", {"--weight-dtype", "int8"}}, 8, 512);
}
