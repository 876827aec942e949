// The RTL in `run` and `validate-rtl` beyond the prebuilt sizes: a size Verilated on demand, a
// user design named in a config file (paths relative to that file), a design that breaks the
// port contract, and a missing Verilator. Models are cached in the build tree (built once).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>

#include "cli_harness.h"

using namespace decodesim::test;
using nlohmann::json;

namespace {

const std::string kRtl = std::string(DECODESIM_SOURCE_DIR) + "/rtl/";

// Models go to the build tree's cache, shared with tests/rtl_mutants, so a cold build tree
// Verilates each once.
void use_build_cache() { ::setenv("DECODESIM_RTL_CACHE", (std::string(DECODESIM_BINARY_DIR) + "/rtl_cache").c_str(), 1); }

// 12x12 is not prebuilt; the LPU takes any plane size (the TPU and GPU want powers of two).
const std::vector<std::string> kTiny12 = {"--system", "lpu_groq", "--model", "tiny", "--context", "64", "--tokens", "2",
                                          "--weight-dtype", "int8", "--set", "lpu.mxm.rows=12", "--set",
                                          "lpu.mxm.cols=12"};

}  // namespace

TEST(RtlCli, UnbuiltSizeIsVerilatedOnDemandAndAgreesWithTlm) {
  use_build_cache();
  ScratchDir d("rtl-any-size");
  std::vector<std::string> rtl = kTiny12;
  rtl.insert(rtl.end(), {"--set", "lpu.matmul.impl=rtl"});
  const json a = run_json(d, "rtl", rtl), b = run_json(d, "tlm", kTiny12);
  ASSERT_FALSE(a["kernels"].empty());
  for (std::size_t i = 0; i < a["kernels"].size(); ++i)
    EXPECT_EQ(a["kernels"][i]["end_s"], b["kernels"][i]["end_s"]) << a["kernels"][i]["name"];
  EXPECT_EQ(a["summary"]["token_latency_s"], b["summary"]["token_latency_s"]);
}

TEST(RtlCli, UserDesignFromAConfigFileResolvesSourcesBesideIt) {
  use_build_cache();
  ScratchDir d("rtl-user");
  // The user's copy of the array, under their own top name, beside their config.
  std::string top = slurp(kRtl + "systolic_array.sv");
  top.replace(top.find("module systolic_array"), 21, "module my_array");
  d.write("hw/my_array.sv", top);
  d.write("hw/my_pe.sv", slurp(kRtl + "systolic_pe.sv"));
  d.write("hw/my_delay.sv", slurp(kRtl + "systolic_delay.sv"));
  const std::string cfg = d.write("my_lpu.yaml",
                                  "include: systems/lpu_groq.yaml\n"
                                  "lpu:\n  mxm: {rows: 12, cols: 12}\n"
                                  "  matmul:\n    impl: rtl\n"
                                  "    rtl:\n      sources: [hw/my_delay.sv, hw/my_pe.sv, hw/my_array.sv]\n"
                                  "      top: my_array\n");
  const json a = run_json(d, "user", {"--system", cfg, "--model", "tiny", "--context", "64", "--tokens", "2",
                                      "--weight-dtype", "int8"});
  const json b = run_json(d, "tlm", kTiny12);
  EXPECT_EQ(a["summary"]["token_latency_s"], b["summary"]["token_latency_s"]);
}

TEST(RtlCli, PortContractMismatchNamesThePortBeforeAnyBuild) {
  use_build_cache();
  ScratchDir d("rtl-contract");
  std::string top = slurp(kRtl + "systolic_array.sv");
  const std::string decl = "output logic [Cols*32-1:0]   res_data_o";
  top.replace(top.find(decl), decl.size(), "output logic [Cols*16-1:0]   res_data_o");
  const std::string bad = d.write("narrow.sv", top);
  const CliRun r = run_cli({"validate-rtl", "--rtl", kRtl + "systolic_delay.sv", kRtl + "systolic_pe.sv", bad,
                            "--sizes", "4", "--tiles", "10"}, d);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("port res_data_o (" + bad + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("got output [64 bits]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("output [128 bits]"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("building"), std::string::npos) << "nothing may be built for a broken contract:\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(RtlCli, MissingVerilatorIsExit2NamingWhatToInstall) {
  ScratchDir d("rtl-no-verilator");
  ::setenv("DECODESIM_RTL_CACHE", d.path("cache").c_str(), 1);
  ::setenv("DECODESIM_VERILATOR", "/nonexistent/verilator", 1);
  std::vector<std::string> args = kTiny12;
  args.insert(args.begin(), "run");
  args.insert(args.end(), {"--set", "lpu.matmul.impl=rtl"});
  expect_rejected(d, args, {"verilator", "apt install verilator"});
  EXPECT_FALSE(std::filesystem::exists(d.path("cache"))) << "nothing may be left in the cache";
}
