// The decodesim binary as users drive it: outputs, determinism, reuse, multi-chip, sweeps.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "cli_harness.h"

using namespace decodesim::test;
using nlohmann::json;

TEST(Cli, RunWritesResultKernelsAndTrace) {
  ScratchDir d("run");
  const CliRun r = run_cli({"run", "--system", "tpu_v5e", "--model", "llama2_7b", "--out", d.path("o"), "--trace",
                            d.path("trace.json")},
                           d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("time per token"), std::string::npos);
  EXPECT_NE(r.out.find("roofline bound"), std::string::npos);
  EXPECT_NE(r.out.find("energy per token"), std::string::npos);
  const json j = json::parse(slurp(d.path("o/result.json")));
  EXPECT_EQ(j["schema"], "decodesim.result/1");
  for (const char* k : {"tokens_per_s", "token_latency_s", "roofline_latency_s", "energy_per_token_j", "hbm_bytes",
                        "achieved_hbm_bw_bytes_per_s", "bottleneck"})
    EXPECT_TRUE(j["summary"].contains(k)) << k;
  ASSERT_FALSE(j["kernels"].empty());
  for (const char* k : {"name", "kind", "layer", "cycles", "time_s", "bytes", "flops", "bound"})
    EXPECT_TRUE(j["kernels"][0].contains(k)) << k;
  EXPECT_TRUE(j["config"].contains("hbm"));
  EXPECT_TRUE(j.contains("seed"));
  EXPECT_TRUE(j["version"].contains("decodesim"));
  const std::string csv = slurp(d.path("o/kernels.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(j["kernels"].size()) + 1);
  const json trace = json::parse(slurp(d.path("trace.json")));
  std::set<std::string> tracks;
  for (const auto& e : trace["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name") tracks.insert(e["args"]["name"].get<std::string>());
  for (const char* t : {"dma", "mxu", "vector", "kernels"}) EXPECT_TRUE(tracks.count(t)) << t;
}

TEST(Cli, SameInputGivesByteIdenticalResult) {
  ScratchDir d("determinism");
  const std::vector<std::string> args = {"--system", "tpu_v5e", "--model", "llama2_7b", "--context", "512"};
  run_json(d, "a", args);
  run_json(d, "b", args);
  EXPECT_EQ(slurp(d.path("a/result.json")), slurp(d.path("b/result.json")));
  EXPECT_EQ(slurp(d.path("a/kernels.csv")), slurp(d.path("b/kernels.csv")));
}

TEST(Cli, LayerReuseIsExactWithoutRefreshAndCloseWithIt) {
  ScratchDir d("reuse");
  const std::vector<std::string> base = {"--system", "tpu_v5e", "--model", "llama2_7b", "--context", "512"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  // Exact when no hardware state depends on where or when a layer runs: no refresh (tied to
  // absolute time) and no bank hash (tied to the absolute row; docs/reuse.md).
  const std::vector<std::string> plain = {"--set", "hbm.refresh=off", "--set", "hbm.bank_hash=none"};
  const json off_reuse = run_json(d, "a", with(plain));
  std::vector<std::string> plain_full = plain;
  plain_full.push_back("--no-reuse");
  const json off_full = run_json(d, "b", with(plain_full));
  EXPECT_GT(off_reuse["reuse"]["layers"].get<int>(), 0);
  EXPECT_EQ(off_full["reuse"]["layers"].get<int>(), 0);
  EXPECT_EQ(off_reuse["summary"]["simulated_time_s"], off_full["summary"]["simulated_time_s"]);
  // With both (the default) the refresh phase and the hashed banks differ per layer.
  const json on_reuse = run_json(d, "c", base);
  const json on_full = run_json(d, "d", with({"--no-reuse"}));
  const double a = on_reuse["summary"]["simulated_time_s"], b = on_full["summary"]["simulated_time_s"];
  EXPECT_NEAR(a / b, 1.0, 0.01);
}

TEST(Cli, TensorParallelShardsAreSymmetricAndExact) {
  ScratchDir d("tp");
  // Refresh and the bank hash off: the --no-reuse run also simulates every layer, which is exact
  // only then (LayerReuseIsExactWithoutRefreshAndCloseWithIt); the shards themselves are exact anyway.
  const std::vector<std::string> base = {"--system", "tpu_v5e_x8", "--model", "llama2_7b", "--context", "256",
                                         "--set", "hbm.refresh=off", "--set", "hbm.bank_hash=none"};
  const json one = run_json(d, "a", base);
  std::vector<std::string> all = base;
  all.push_back("--no-reuse");
  const json every = run_json(d, "b", all);
  EXPECT_EQ(one["reuse"]["chips"].get<int>(), 7);
  EXPECT_EQ(every["reuse"]["chips"].get<int>(), 0);
  EXPECT_EQ(one["summary"]["simulated_time_s"], every["summary"]["simulated_time_s"]);
}

TEST(Cli, V5eX8RunsLlama70bWithAnEighthOfTheWeightsPerChip) {
  ScratchDir d("x8");
  // 70B in bf16 is 138 GB: more than 8 x 16 GB, so the x8 slice serves it with int8 weights.
  const json j = run_json(d, "a", {"--system", "tpu_v5e_x8", "--model", "llama2_70b", "--context", "1",
                                   "--weight-dtype", "int8"});
  const double params = j["model"]["parameters"].get<double>();
  const double per_chip = j["summary"]["hbm_bytes_per_token_per_chip"].get<double>();
  // One token reads every weight but the embedding table (only its rows); KV at context 1 is tiny.
  EXPECT_NEAR(per_chip / (params * 1 / 8), 1.0, 0.01);
  double link_bytes = 0;
  for (const auto& k : j["kernels"]) link_bytes += k["link_bytes"].get<double>();
  EXPECT_GT(link_bytes, 0);
}

TEST(Cli, BatchSweepCrossesRidgePointOnV5e) {
  // Context 1 keeps batch 1024's KV cache inside 16 GB; the GEMMs are what this checks.
  ScratchDir d("ridge");
  std::map<int, std::string> gemm_bound;
  for (int batch : {1, 8, 64, 256, 1024}) {
    const json j = run_json(d, "b" + std::to_string(batch),
                            {"--system", "tpu_v5e", "--model", "llama2_7b", "--context", "1", "--batch",
                             std::to_string(batch)});
    std::map<std::string, double> t;
    for (const auto& k : j["kernels"])
      if (k["op"] == "gate_up") t[k["bound"].get<std::string>()] += k["time_s"].get<double>();
    double best = -1;
    for (const auto& [b, v] : t)
      if (v > best) { best = v; gemm_bound[batch] = b; }
  }
  EXPECT_EQ(gemm_bound[1], "memory");
  EXPECT_EQ(gemm_bound[8], "memory");
  EXPECT_EQ(gemm_bound[64], "memory");
  EXPECT_EQ(gemm_bound[1024], "compute");
}

TEST(Cli, CompareRunsEachSystemAsChildProcess) {
  ScratchDir d("compare");
  const CliRun r = run_cli({"compare", "--model", "llama2_7b", "--systems", "tpu_v4", "tpu_v5e", "--context", "256",
                            "-j", "2"},
                           d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tpu_v4"), std::string::npos);
  EXPECT_NE(r.out.find("tpu_v5e"), std::string::npos);
  EXPECT_NE(r.out.find("time/token"), std::string::npos);
}

TEST(Cli, ConfigExplainListsEveryKeyWithUnitAndDefault) {
  ScratchDir d("explain");
  const CliRun r = run_cli({"config", "explain"}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* key : {"hbm.tRCD_ns", "hbm.stacks", "tpu.mxu.rows", "tpu.vmem.banks", "dma.chunk_bytes",
                          "link.latency_ns", "energy.hbm_pj_per_bit", "sim.reuse", "scenario.batch"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key;
  const CliRun one = run_cli({"config", "explain", "tpu.mxu"}, d);
  EXPECT_NE(one.out.find("PEs"), std::string::npos);
  EXPECT_EQ(one.out.find("hbm."), std::string::npos);
}

TEST(Cli, ConfigReferenceDocMatchesTheCode) {
  // docs/config-reference.md is generated; regenerate with
  //   build/apps/decodesim/decodesim config explain --markdown > docs/config-reference.md
  ScratchDir d("docs");
  const CliRun r = run_cli({"config", "explain", "--markdown"}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(std::string(DECODESIM_SOURCE_DIR) + "/docs/config-reference.md"))
      << "docs/config-reference.md is stale: regenerate it (command in this test)";
}

TEST(Cli, WatchdogStopsARunWithExitThreeAndNoOutput) {
  // Every architecture, one chip and several: under ASan (make test-sanitize) the processes the
  // watchdog left suspended used to leak what their stacks owned (LeakSanitizer: exit 1).
  for (const char* system : {"tpu_v5e", "tpu_v5e_x8", "gpu_h100", "lpu_llama2_7b"}) {
    SCOPED_TRACE(system);
    ScratchDir d(std::string("watchdog_") + system);
    const CliRun r = run_cli({"run", "--system", system, "--model", "llama2_7b", "--tokens", "3", "--set",
                              "sim.max_simulated_s=0.00001", "--out", d.path("o")},
                             d);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("watchdog"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(d.path("o")));
  }
}

TEST(Cli, TinyDecodeGivesIdenticalCyclesWithRtlAndTlmCores) {
  // The whole tiny workload through the TPU tile with 16x16 MXUs: the Verilated array and
  // the TLM formula must agree on every kernel's cycles and on the totals.
  ScratchDir d("rtl_vs_tlm");
  const std::vector<std::string> base = {"--system", "tpu_v5e", "--model", "tiny", "--context", "64", "--tokens",
                                         "2", "--no-reuse", "--set", "tpu.mxu.rows=16", "--set", "tpu.mxu.cols=16"};
  auto with = [&](const std::string& impl) {
    std::vector<std::string> a = base;
    a.insert(a.end(), {"--set", "tpu.matmul.impl=" + impl});
    return a;
  };
  const json rtl = run_json(d, "rtl", with("rtl"));
  const json tlm = run_json(d, "tlm", with("tlm"));
  ASSERT_EQ(rtl["kernels"].size(), tlm["kernels"].size());
  for (std::size_t i = 0; i < rtl["kernels"].size(); ++i) {
    EXPECT_EQ(rtl["kernels"][i]["cycles"], tlm["kernels"][i]["cycles"]) << rtl["kernels"][i]["name"];
    EXPECT_EQ(rtl["kernels"][i]["end_s"], tlm["kernels"][i]["end_s"]) << rtl["kernels"][i]["name"];
  }
  EXPECT_EQ(rtl["summary"]["simulated_time_s"], tlm["summary"]["simulated_time_s"]);
  EXPECT_EQ(rtl["config"]["tpu"]["matmul"]["impl"], "rtl");
  expect_every_tile_through_rtl(rtl, 16, 16);
  std::vector<std::string> sampled = with("rtl");
  sampled.insert(sampled.end(), {"--set", "tpu.matmul.rtl.sample=2"});
  expect_sampled_within_stated_error(run_json(d, "sampled", sampled), rtl);
}

TEST(Cli, ValidateRtlPassesAndReportsEachSize) {
  ScratchDir d("validate");
  const CliRun r = run_cli({"validate-rtl", "--sizes", "8,16", "--tiles", "200"}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("16x16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  const CliRun bad = run_cli({"validate-rtl", "--sizes", "300"}, d);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("rows 1-256 x cols 2-256"), std::string::npos) << bad.err;
}

TEST(Cli, EveryShippedSweepSpecValidates) {
  // The examples in configs/sweeps/ name keys of every architecture; a renamed key must
  // break this test, not a user's first sweep.
  ScratchDir d("sweeps");
  int specs = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(DECODESIM_SOURCE_DIR) + "/configs/sweeps")) {
    if (e.path().extension() != ".yaml") continue;
    ++specs;
    const CliRun r = run_cli({"sweep", e.path().string(), "--dry-run"}, d);
    EXPECT_EQ(r.exit_code, 0) << e.path() << ": " << r.err;
  }
  EXPECT_GE(specs, 3);
}
