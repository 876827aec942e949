// The LPU through the decodesim binary: determinism, symmetric-shard reuse, compare, and bad
// input (one clear line, exit 2, nothing left behind).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

#include "cli_harness.h"

using namespace decodesim::test;
using nlohmann::json;

namespace {

const std::vector<std::string> kTiny4 = {"--system", "lpu_groq",      "--model", "tiny",
                                         "--set",    "system.chips=4", "--set",   "lpu.partition=tensor",
                                         "--set",    "lpu.tensor_parallel=2", "--context", "256", "--tokens", "2"};

}  // namespace

TEST(LpuCli, DeterministicAcrossRuns) {
  ScratchDir d("lpu-det");
  std::vector<std::string> args = {"--system", "lpu_llama2_7b", "--model", "llama2_7b", "--weight-dtype", "int8"};
  const json a = run_json(d, "a", args), b = run_json(d, "b", args);
  EXPECT_EQ(a["kernels"], b["kernels"]);
  EXPECT_EQ(a["summary"], b["summary"]);
  EXPECT_EQ(a["lpu"], b["lpu"]);
}

TEST(LpuCli, SymmetricShardReuseIsExact) {
  ScratchDir d("lpu-reuse");
  const json a = run_json(d, "a", kTiny4);
  std::vector<std::string> no = kTiny4;
  no.push_back("--no-reuse");
  const json b = run_json(d, "b", no);
  EXPECT_EQ(a["summary"]["token_latency_s"], b["summary"]["token_latency_s"]);
  EXPECT_EQ(a["lpu"]["critical_path"], b["lpu"]["critical_path"]);
  EXPECT_EQ(a["energy"], b["energy"]);
  EXPECT_EQ(a["reuse"]["chips"].get<int>(), 2);
  EXPECT_EQ(b["reuse"]["chips"].get<int>(), 0);
  // Every elaborated chip ran the same timeline as its stage's first chip.
  std::map<std::pair<int, std::string>, double> first;
  for (const auto& k : b["kernels"]) {
    const int stage = k["chip"].get<int>() / 2;
    const auto key = std::make_pair(stage * 1000 + k["token"].get<int>(), k["name"].get<std::string>());
    if (!first.count(key)) {
      first[key] = k["end_s"].get<double>();
    } else {
      EXPECT_EQ(first[key], k["end_s"].get<double>()) << k["name"];
    }
  }
}

TEST(LpuCli, TraceHasUnitTracks) {
  ScratchDir d("lpu-trace");
  std::vector<std::string> args = kTiny4;
  args.insert(args.begin(), {"run", "--quiet", "--trace", d.path("t.json")});
  const CliRun r = run_cli(args, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string t = slurp(d.path("t.json"));
  for (const char* unit : {"\"mxm\"", "\"vxm\"", "\"c2c\"", "\"mem\"", "\"kernels\""})
    EXPECT_NE(t.find(unit), std::string::npos) << unit;
}

TEST(LpuCli, ConfigExplainListsEveryLpuKey) {
  ScratchDir d("lpu-explain");
  const CliRun r = run_cli({"config", "explain", "lpu"}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* key : {"lpu.clock_ghz", "lpu.superlanes", "lpu.mem.slices", "lpu.streams.per_direction",
                          "lpu.mxm.planes", "lpu.mxm.install_streams", "lpu.matmul.impl", "lpu.vxm.alus_per_lane",
                          "lpu.sxm.vectors_per_cycle", "lpu.c2c.node_chips", "lpu.partition", "lpu.tensor_parallel"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key;
}

TEST(LpuBadInput, ModelThatDoesNotFitNamesBytesAndChipCount) {
  ScratchDir d("lpu-bad1");
  expect_rejected(d, {"run", "--system", "lpu_groq", "--model", "llama2_7b", "--weight-dtype", "int8"},
                  {"lpu_groq.yaml:", "system.chips: model does not fit in SRAM: llama2_7b needs 7.81 GB",
                   "at least 40 chips"});
}

TEST(LpuBadInput, ZeroChips) {
  ScratchDir d("lpu-bad2");
  expect_rejected(d, {"run", "--system", "lpu_groq", "--model", "tiny", "--set", "system.chips=0"},
                  {"system.chips: value out of range, got 0"});
}

TEST(LpuBadInput, MoreLinksThanTheChipHas) {
  ScratchDir d("lpu-bad3");
  expect_rejected(d, {"run", "--system", "lpu_groq", "--model", "tiny", "--set", "lpu.c2c.links_per_peer=3"},
                  {"lpu.c2c.links_per_peer: more links than the chip has", "= 25", "link.links_per_chip = 16"});
}

TEST(LpuBadInput, TensorGroupNotWholeNodes) {
  // 12 chips would be a node and a half: the cross-node step pairs whole nodes' counterparts.
  ScratchDir d("lpu-bad4");
  expect_rejected(d, {"run", "--system", "lpu_llama2_70b", "--model", "llama2_70b", "--set", "lpu.tensor_parallel=12"},
                  {"lpu.tensor_parallel: a tensor group is one node or whole nodes", "got 12",
                   "a multiple of it up to (global_links + 1) x node_chips = 40"});
}

TEST(LpuCli, CompareIncludesTheLpu) {
  ScratchDir d("lpu-compare");
  const CliRun r = run_cli({"compare", "--model", "llama2_7b", "--context", "2048", "--systems", "tpu_v5e",
                            "lpu_llama2_7b"},
                           d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("lpu_llama2_7b"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("failed"), std::string::npos) << r.out;
}

TEST(LpuCli, TinyDecodeGivesIdenticalTimelinesWithRtlAndTlmCores) {
  // 16x16 planes (a built RTL size): every MXM phase of tiny's two tokens goes through the
  // Verilated array in rtl mode. Cycles are counted there and computed in tlm; the whole
  // schedule must agree to the picosecond.
  ScratchDir d("lpu-rtl");
  auto with = [](const std::string& impl) {
    return std::vector<std::string>{"--system", "lpu_groq", "--model", "tiny", "--context", "64", "--tokens", "2",
                                    "--weight-dtype", "int8", "--set", "lpu.mxm.rows=16", "--set", "lpu.mxm.cols=16",
                                    "--set", "lpu.matmul.impl=" + impl};
  };
  const json rtl = run_json(d, "rtl", with("rtl"));
  const json tlm = run_json(d, "tlm", with("tlm"));
  ASSERT_EQ(rtl["kernels"].size(), tlm["kernels"].size());
  for (std::size_t i = 0; i < rtl["kernels"].size(); ++i) {
    EXPECT_EQ(rtl["kernels"][i]["cycles"], tlm["kernels"][i]["cycles"]) << rtl["kernels"][i]["name"];
    EXPECT_EQ(rtl["kernels"][i]["end_s"], tlm["kernels"][i]["end_s"]) << rtl["kernels"][i]["name"];
  }
  EXPECT_EQ(rtl["summary"]["simulated_time_s"], tlm["summary"]["simulated_time_s"]);
  EXPECT_EQ(rtl["lpu"]["critical_path"], tlm["lpu"]["critical_path"]);
  EXPECT_EQ(rtl["config"]["lpu"]["matmul"]["impl"], "rtl");
  // One slot is a band of rows / install_streams rows of a plane (lpu_config.h).
  expect_every_tile_through_rtl(rtl, 16 / rtl["config"]["lpu"]["mxm"]["install_streams"].get<std::uint64_t>(), 16);
  std::vector<std::string> sampled = with("rtl");
  sampled.insert(sampled.end(), {"--set", "lpu.matmul.rtl.sample=2"});
  expect_sampled_within_stated_error(run_json(d, "sampled", sampled), rtl);
}
