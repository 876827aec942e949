// impl: rtl_sc against rtl and tlm on workloads/tiny, for the three tiles (issue 12, "In-kernel
// co-simulation"): kernels.csv byte-identical and the result's totals equal across the three
// modes, and in rtl_sc every tile the cores ran was also clocked by the in-kernel SystemC
// array, which found the same cycles (a difference would have failed the run with exit 3).
#include <gtest/gtest.h>

#include "cli_harness.h"

using namespace decodesim::test;
using nlohmann::json;

namespace {

void expect_three_modes_agree(const std::string& tag, const std::vector<std::string>& base, const std::string& tile,
                              std::uint64_t k_rows, std::uint64_t cols) {
  ScratchDir d(tag);
  json r[3];
  const char* impls[3] = {"tlm", "rtl", "rtl_sc"};
  for (int i = 0; i < 3; ++i) {
    auto a = base;
    a.insert(a.end(), {"--set", tile + ".matmul.impl=" + impls[i]});
    r[i] = run_json(d, impls[i], a);
  }
  const std::string csv = slurp(d.path("tlm") + "/kernels.csv");
  ASSERT_FALSE(csv.empty());
  for (int i = 1; i < 3; ++i) {
    SCOPED_TRACE(impls[i]);
    EXPECT_EQ(slurp(d.path(impls[i]) + "/kernels.csv"), csv);
    EXPECT_EQ(r[i]["summary"], r[0]["summary"]);
    ASSERT_EQ(r[i]["kernels"].size(), r[0]["kernels"].size());
    for (std::size_t k = 0; k < r[0]["kernels"].size(); ++k) {
      EXPECT_EQ(r[i]["kernels"][k]["cycles"], r[0]["kernels"][k]["cycles"]) << r[0]["kernels"][k]["name"];
      EXPECT_EQ(r[i]["kernels"][k]["end_s"], r[0]["kernels"][k]["end_s"]) << r[0]["kernels"][k]["name"];
    }
  }
  EXPECT_EQ(r[2]["config"][tile]["matmul"]["impl"], "rtl_sc");
  expect_every_tile_through_rtl(r[2], k_rows, cols);
  const auto& m = r[2]["stats"]["matmul"];
  EXPECT_EQ(m["in_kernel_tiles"]["value"], m["rtl_tiles"]["value"]);
  EXPECT_GT(m["in_kernel_streams"]["value"].get<double>(), 0.0);
  EXPECT_FALSE(r[1]["stats"]["matmul"].contains("in_kernel_tiles"));  // rtl's output is unchanged
}

}  // namespace

TEST(RtlScCli, TpuTinyAgreesWithRtlAndTlm) {
  expect_three_modes_agree("rtlsc-tpu",
                           {"--system", "tpu_v5e", "--model", "tiny", "--context", "64", "--tokens", "2", "--no-reuse",
                            "--set", "tpu.mxu.rows=16", "--set", "tpu.mxu.cols=16"},
                           "tpu", 16, 16);
}

TEST(RtlScCli, LpuTinyAgreesWithRtlAndTlm) {
  expect_three_modes_agree("rtlsc-lpu",
                           {"--system", "lpu_groq", "--model", "tiny", "--context", "64", "--tokens", "2",
                            "--weight-dtype", "int8", "--set", "lpu.mxm.rows=16", "--set", "lpu.mxm.cols=16"},
                           "lpu", 16, 16);
}

TEST(RtlScCli, GpuTinyAgreesWithRtlAndTlm) {
  expect_three_modes_agree("rtlsc-gpu",
                           {"--system", "gpu_a100", "--model", "tiny", "--context", "64", "--tokens", "2",
                            "--no-reuse"},
                           "gpu", 16, 16);
}

TEST(RtlScCli, SizeWithoutASystemCLibraryIsRefusedAtTheConfigLine) {
  ScratchDir d("rtlsc-bad");
  expect_rejected(d,
                  {"run", "--system", "tpu_v5e", "--model", "tiny", "--set", "tpu.mxu.rows=64", "--set",
                   "tpu.mxu.cols=64", "--set", "tpu.matmul.impl=rtl_sc"},
                  {"tpu.matmul.impl", "64x64", "16x16", "rtl_sc"});
}
