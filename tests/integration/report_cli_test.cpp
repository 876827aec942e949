// The report verbs and fields as users meet them: kernel shapes in kernels.csv and result.json,
// `decodesim gemm` against its roofline, portfolio input errors, and the HTML size limit of a
// full 70B run on 8 chips. (Rendering in a browser: html_report_test.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "cli_harness.h"

using namespace decodesim::test;
using nlohmann::json;

namespace {

/// Rows of a CSV as maps from header name to cell (no quoting: kernels.csv has none).
std::vector<std::map<std::string, std::string>> csv_table(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> head;
  std::vector<std::map<std::string, std::string>> rows;
  auto split = [](const std::string& l) {
    std::vector<std::string> v;
    std::stringstream ss(l);
    std::string c;
    while (std::getline(ss, c, ',')) v.push_back(c);
    return v;
  };
  std::getline(in, line);
  head = split(line);
  while (std::getline(in, line)) {
    const auto cells = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < head.size() && i < cells.size(); ++i) row[head[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST(ReportCli, KernelsCarryTheirGemmShapeAndDtypes) {
  ScratchDir d("shape");
  const json j = run_json(d, "o", {"--system", "tpu_v5e", "--model", "tiny", "--batch", "3", "--context", "256",
                                    "--weight-dtype", "int8"});
  // tiny: hidden 256, 4 heads of 64, 2 KV heads, ffn 512.
  bool saw_qkv = false;
  for (const auto& k : j["kernels"]) {
    for (const char* f : {"m", "n", "k", "groups", "weight_dtype", "act_dtype", "kv_dtype"}) ASSERT_TRUE(k.contains(f)) << f;
    if (k["op"] == "qkv") {
      saw_qkv = true;
      EXPECT_EQ(k["m"], 3);
      EXPECT_EQ(k["k"], 256);
      EXPECT_EQ(k["n"], (4 + 2 * 2) * 64);
      EXPECT_EQ(k["weight_dtype"], "int8");
      EXPECT_EQ(k["act_dtype"], "bf16");
      EXPECT_EQ(k["flops"], 2 * 3 * 256 * (4 + 2 * 2) * 64);
    }
  }
  EXPECT_TRUE(saw_qkv);
  const auto rows = csv_table(slurp(d.path("o/kernels.csv")));
  ASSERT_EQ(rows.size(), j["kernels"].size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at("m"), j["kernels"][i]["m"].dump());
    EXPECT_EQ(rows[i].at("n"), j["kernels"][i]["n"].dump());
    EXPECT_EQ(rows[i].at("k"), j["kernels"][i]["k"].dump());
    EXPECT_EQ(rows[i].at("weight_dtype"), j["kernels"][i]["weight_dtype"].get<std::string>());
  }
  // The console's per-layer rows are in result.json too, and add up to the step.
  double t = 0;
  for (const auto& l : j["layer_types"]) t += l["time_per_token_s"].get<double>();
  EXPECT_NEAR(t, j["summary"]["token_latency_s"].get<double>(), 1e-9 * t + 1e-15);
  EXPECT_GT(j["summary"]["peak_flops_per_chip"].get<double>(), 0);
}

TEST(ReportCli, GemmRunsOneKernelAgainstItsRoofline) {
  ScratchDir d("gemm");
  const CliRun r = run_cli({"gemm", "--system", "tpu_v5e_x8", "--m", "8", "--k", "8192", "--n", "8192", "--out",
                            d.path("o"), "--trace", d.path("t.json")}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"time ", "core cycles", "memory ", "compute ", "intensity", "roofline bound", "bound "})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << " missing in:\n" << r.out;
  const json j = json::parse(slurp(d.path("o/result.json")));
  ASSERT_EQ(j["kernels"].size(), 1u);
  const json& k = j["kernels"][0];
  EXPECT_EQ(j["system"]["chips"], 1);
  EXPECT_EQ(k["kind"], "gemm");
  EXPECT_EQ(k["m"], 8);
  EXPECT_EQ(k["k"], 8192);
  EXPECT_EQ(k["n"], 8192);
  EXPECT_EQ(k["flops"], 2ULL * 8 * 8192 * 8192);
  // Memory serves exactly the weights once (bf16), and nothing beats the roofline.
  EXPECT_EQ(k["bytes"], 2ULL * 8192 * 8192);
  EXPECT_GE(k["span_s"].get<double>(), k["roofline_s"].get<double>());
  EXPECT_EQ(k["bound"], "memory");
  EXPECT_EQ(j["gemm"]["dtype"], "bf16");
  EXPECT_TRUE(std::filesystem::exists(d.path("t.json")));

  // A large square GEMM sits above the ridge point: compute is the bound.
  const CliRun big = run_cli({"gemm", "--system", "gpu_h100", "--m", "4096", "--k", "4096", "--n", "4096", "--quiet",
                              "--out", d.path("b")}, d);
  ASSERT_EQ(big.exit_code, 0) << big.err;
  const json b = json::parse(slurp(d.path("b/result.json")));
  EXPECT_NE(b["kernels"][0]["bound"], "memory");
}

TEST(ReportCli, GemmRejectsBadInput) {
  ScratchDir d("gemm-bad");
  expect_rejected(d, {"gemm", "--system", "tpu_v5e", "--m", "0", "--k", "8", "--n", "8"}, {"--m", "positive"});
  expect_rejected(d, {"gemm", "--system", "lpu_groq", "--m", "1", "--k", "8", "--n", "8"}, {"--system", "lpu"});
  expect_rejected(d, {"gemm", "--system", "tpu_v5e", "--m", "1", "--k", "8", "--n", "8", "--dtype", "fp7"},
                  {"--dtype", "fp7"});
}

TEST(ReportCli, PortfolioRejectsBadInputBeforeRunningAnything) {
  ScratchDir d("pf-bad");
  for (const auto& [args, needle] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--batches", "1,x"}, "'x'"}, {{"--batches", "0"}, "--batches"}, {{"--systems", "no_such"}, "no_such"}}) {
    std::vector<std::string> a = {"portfolio", "--model", "tiny", "--html", d.path("p.html")};
    if (std::find(args.begin(), args.end(), "--systems") == args.end()) a.insert(a.end(), {"--systems", "tpu_v5e"});
    a.insert(a.end(), args.begin(), args.end());
    const CliRun r = run_cli(a, d);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("portfolio: "), std::string::npos) << "ran children: " << r.err;
    EXPECT_FALSE(std::filesystem::exists(d.path("p.html")));
  }
  const CliRun r = run_cli({"run", "--system", "tpu_v5e", "--model", "tiny", "--html", d.path("no/such/dir/r.html")}, d);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--html"), std::string::npos) << r.err;
}

TEST(ReportCli, FullLlama70bOnEightChipsHtmlStaysUnderFiveMegabytes) {
  ScratchDir d("html70b");
  const CliRun r = run_cli({"run", "--system", "tpu_v5e_x8", "--model", "llama2_70b", "--weight-dtype", "int8",
                            "--quiet", "--no-reuse", "--html", d.path("r.html")}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto size = std::filesystem::file_size(d.path("r.html"));
  std::cout << "llama2_70b on tpu_v5e_x8 (--no-reuse): HTML " << size << " bytes\n";
  EXPECT_LT(size, 5u * 1000 * 1000);
  EXPECT_GT(size, 100u * 1000);
}
