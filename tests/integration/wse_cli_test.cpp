// The WSE through the decodesim binary: determinism, the outputs (result.json "wse", kernels.csv),
// and bad input (the refusals: one clear line, exit 2, nothing left behind).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include "cli_harness.h"

using namespace decodesim::test;
using nlohmann::json;

TEST(WseCli, DeterministicWithItsPlacementInResultJson) {
  ScratchDir d("wse-det");
  const std::vector<std::string> args = {"--system", "wse3_x4", "--model", "llama2_7b", "--context", "1024"};
  const json a = run_json(d, "a", args), b = run_json(d, "b", args);
  EXPECT_EQ(a["kernels"], b["kernels"]);
  EXPECT_EQ(a["wse"], b["wse"]);
  ASSERT_EQ(a["wse"]["wafer"].size(), 4u);
  EXPECT_EQ(slurp(d.path("a/kernels.csv")), slurp(d.path("b/kernels.csv")));
  // Per-kernel busy times carry the fabric under its own name.
  bool fabric = false;
  for (const auto& k : a["kernels"])
    if (k.contains("breakdown") && k["breakdown"].contains("fabric_s")) fabric = true;
  EXPECT_TRUE(fabric);
}

TEST(WseCli, RefusesWhatDoesNotFitAndGemmInOneLine) {
  ScratchDir d("wse-refuse");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"run", "--system", "wse3", "--model", "llama2_70b", "--out", d.path("o1")},
           {"gemm", "--system", "wse3", "--m", "1", "--k", "4096", "--n", "4096", "--out", d.path("o2")}}) {
    const CliRun r = run_cli(args, d);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(args[0] == "run" ? d.path("o1") : d.path("o2")));
  }
  const CliRun r = run_cli({"run", "--system", "wse3", "--model", "llama2_70b", "--context", "4096"}, d);
  EXPECT_NE(r.err.find("model does not fit in SRAM: llama2_70b needs 139.30 GB"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("at least 4 wafers (system.chips)"), std::string::npos) << r.err;
}

TEST(WseCli, TraceHasEachWafersKernelsFabricAndLink) {
  ScratchDir d("wse-trace");
  const CliRun r = run_cli({"run", "--quiet", "--system", "wse3_x4", "--model", "llama2_7b", "--context", "256",
                            "--trace", d.path("t.json")},
                           d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json t = json::parse(slurp(d.path("t.json")));
  std::set<std::string> tracks;
  for (const auto& e : t["traceEvents"])
    if (e.value("ph", "") == "M" && e.value("name", "") == "thread_name") tracks.insert(e["args"]["name"].get<std::string>());
  for (const char* want : {"kernels", "fabric", "link"}) EXPECT_TRUE(tracks.count(want)) << want;
}
