// impl: rtl_sc against rtl and tlm on workloads/tiny, for the three tiles (issue 12, "In-kernel
// co-simulation"): kernels.csv byte-identical and the result's totals equal across the three
// modes, and in rtl_sc every tile the cores ran was also clocked by the in-kernel SystemC
// array, which found the same cycles (a difference would have failed the run with exit 3).
// Sizes without a linked SystemC library are Verilated with --sc on first use, once.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cli_harness.h"

extern char** environ;

using namespace decodesim::test;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

// `sc_err`: where to put what the rtl_sc run printed on stderr (its build progress, if any).
void expect_three_modes_agree(const std::string& tag, const std::vector<std::string>& base, const std::string& tile,
                              std::uint64_t k_rows, std::uint64_t cols, std::string* sc_err = nullptr) {
  ScratchDir d(tag);
  json r[3];
  const char* impls[3] = {"tlm", "rtl", "rtl_sc"};
  for (int i = 0; i < 3; ++i) {
    auto a = base;
    a.insert(a.end(), {"--set", tile + ".matmul.impl=" + impls[i]});
    a.insert(a.begin(), {"run", "--quiet", "--out", d.path(impls[i])});
    const CliRun run = run_cli(a, d);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    if (i == 2 && sc_err) *sc_err = run.err;
    r[i] = json::parse(slurp(d.path(impls[i]) + "/result.json"));
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

// LPU tiny on an 8x8 array with one weight buffer: the C++-mode RTL of that geometry is linked
// in (rtl_systolic_8x8_wb1), its SystemC-mode twin is not, so rtl_sc Verilates only the twin.
const std::vector<std::string> kTiny8Wb1 = {"--system", "lpu_groq", "--model", "tiny", "--context", "64",
                                            "--tokens", "2", "--weight-dtype", "int8", "--set", "lpu.mxm.rows=8",
                                            "--set", "lpu.mxm.cols=8", "--set", "lpu.mxm.weight_buffers=1"};

std::vector<std::string> rtl_sc_run(const std::string& out) {
  std::vector<std::string> a = {"run", "--quiet", "--out", out};
  a.insert(a.end(), kTiny8Wb1.begin(), kTiny8Wb1.end());
  a.insert(a.end(), {"--set", "lpu.matmul.impl=rtl_sc"});
  return a;
}

// Starts `args` in a process group of its own, waits until its stderr shows `line`, and kills
// the group (decodesim and the verilator or compiler it runs), as a Ctrl-C or a CI timeout does.
void kill_when_printed(std::vector<std::string> args, const std::string& line, const std::string& err_file) {
  args.insert(args.begin(), decodesim_binary());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&at, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &fa, &at, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  const auto t0 = std::chrono::steady_clock::now();
  while (slurp(err_file).find(line) == std::string::npos &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(300))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_NE(slurp(err_file).find(line), std::string::npos) << slurp(err_file);
}

std::vector<fs::path> entries(const fs::path& cache, const std::string& prefix, bool tmp) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(cache, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) == 0 && (n.find(".tmp-") != std::string::npos) == tmp) out.push_back(e.path());
  }
  return out;
}

}  // namespace

// A size with no SystemC library linked in: a build killed midway leaves only a temporary
// folder, which the next run removes; that run builds the twin (with a progress line), agrees
// with rtl and tlm per kernel and in total, and the run after it reuses the cached model.
// Models go to the build tree's cache (shared with rtl_cli_test, so the Verilator runtime is
// compiled once); this test's own models are removed first so the build happens every time.
TEST(RtlScCli, OnDemandSizeIsBuiltOnceAndAgreesWithRtlAndTlm) {
  const fs::path cache = std::string(DECODESIM_BINARY_DIR) + "/rtl_cache";
  ::setenv("DECODESIM_RTL_CACHE", cache.c_str(), 1);
  const std::string key = "systolic_array-8x8-wb1-sc-";
  for (const fs::path& p : entries(cache, key, false)) fs::remove_all(p);
  ScratchDir d("rtlsc-on-demand");

  kill_when_printed(rtl_sc_run(d.path("killed")), "verilating (--sc)", d.path("killed.err"));
  const std::vector<fs::path> left = entries(cache, key, true);
  ASSERT_EQ(left.size(), 1u) << "the killed build's temporary folder";
  EXPECT_TRUE(fs::exists(left[0] / ".decodesim-owner"));
  EXPECT_TRUE(entries(cache, key, false).empty()) << "nothing half-built is published";

  const CliRun first = run_cli(rtl_sc_run(d.path("first")), d);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("building SystemC-mode RTL model systolic_array 8x8 weight_buffers 1 for rtl_sc on first use"),
            std::string::npos)
      << first.err;
  EXPECT_NE(first.err.find("decodesim: built SystemC-mode RTL model"), std::string::npos) << first.err;
  EXPECT_FALSE(fs::exists(left[0])) << "the killed build's folder is removed when the cache is next used";
  const std::vector<fs::path> built = entries(cache, key, false);
  ASSERT_EQ(built.size(), 1u);
  const auto stamp = fs::last_write_time(built[0] / "model.so");

  std::string again;
  expect_three_modes_agree("rtlsc-on-demand-agree", kTiny8Wb1, "lpu", 8, 8, &again);
  EXPECT_EQ(again.find("building"), std::string::npos) << "the second use must load the cached model:\n" << again;
  EXPECT_EQ(fs::last_write_time(built[0] / "model.so"), stamp);
}

// What an on-demand rtl_sc build needs beyond impl rtl's tools: the SystemC headers. Missing,
// they are one line naming what to install, exit 2, and nothing in the cache.
TEST(RtlScCli, MissingSystemCHeadersIsExit2NamingWhatToInstall) {
  ScratchDir d("rtlsc-no-headers");
  ::setenv("DECODESIM_RTL_CACHE", d.path("cache").c_str(), 1);
  ::setenv("SYSTEMC_INCLUDE", d.path("no-systemc").c_str(), 1);
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), kTiny8Wb1.begin(), kTiny8Wb1.end());
  args.insert(args.end(), {"--set", "lpu.matmul.impl=rtl_sc"});
  expect_rejected(d, args, {"lpu.matmul.impl", "SystemC headers", "SYSTEMC_INCLUDE", "apt install libsystemc-dev"});
  EXPECT_FALSE(fs::exists(d.path("cache"))) << "nothing may be left in the cache";
}

TEST(RtlScCli, MissingVerilatorIsExit2NamingWhatToInstall) {
  ScratchDir d("rtlsc-no-verilator");
  ::setenv("DECODESIM_RTL_CACHE", d.path("cache").c_str(), 1);
  ::setenv("DECODESIM_VERILATOR", "/nonexistent/verilator", 1);
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), kTiny8Wb1.begin(), kTiny8Wb1.end());
  args.insert(args.end(), {"--set", "lpu.matmul.impl=rtl_sc"});
  expect_rejected(d, args, {"lpu.matmul.impl", "verilator", "apt install verilator"});
  EXPECT_FALSE(fs::exists(d.path("cache"))) << "nothing may be left in the cache";
}

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
                           // Batch 2: a one-row GEMV is a CUDA-core reduction (kernel_mapper.h,
                           // gemv_on_cuda_cores); two rows put the GEMMs on the tensor cores.
                           {"--system", "gpu_a100", "--model", "tiny", "--context", "64", "--tokens", "2",
                            "--batch", "2", "--no-reuse"},
                           "gpu", 16, 16);
}

TEST(RtlScCli, NonSquareArrayIsRefusedAtTheConfigLine) {
  ScratchDir d("rtlsc-bad");
  expect_rejected(d,
                  {"run", "--system", "tpu_v5e", "--model", "tiny", "--set", "tpu.mxu.rows=16", "--set",
                   "tpu.mxu.cols=8", "--set", "tpu.matmul.impl=rtl_sc"},
                  {"tpu.matmul.impl", "16x8", "square arrays", "rtl_sc"});
}

// --rtl-wave: the in-kernel arrays' pins in one VCD, in kernel time; result.json and
// kernels.csv are byte-identical to the same run without it (the wave is no input to the
// model), and a run with no rtl_sc tile is refused before anything is written.
TEST(RtlScCli, RtlWaveWritesThePinsAndLeavesTheResultsUnchanged) {
  ScratchDir d("rtlsc-wave");
  std::vector<std::string> base = {"run", "--quiet", "--system", "lpu_groq", "--model", "tiny", "--context", "64",
                                   "--tokens", "2", "--weight-dtype", "int8", "--set", "lpu.mxm.rows=16", "--set",
                                   "lpu.mxm.cols=16", "--set", "lpu.matmul.impl=rtl_sc"};
  auto plain = base, waved = base;
  plain.insert(plain.end(), {"--out", d.path("plain")});
  waved.insert(waved.end(), {"--out", d.path("waved"), "--rtl-wave", d.path("pins.vcd")});
  const CliRun a = run_cli(plain, d), b = run_cli(waved, d);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(b.err, "");
  EXPECT_EQ(b.out, "") << "--quiet";
  EXPECT_EQ(slurp(d.path("waved") + "/result.json"), slurp(d.path("plain") + "/result.json"));
  EXPECT_EQ(slurp(d.path("waved") + "/kernels.csv"), slurp(d.path("plain") + "/kernels.csv"));
  const std::string vcd = slurp(d.path("pins.vcd"));
  EXPECT_NE(vcd.find("$scope module rtl_sc"), std::string::npos);
  for (const char* pin : {"clk_i", "rst_ni", "wload_valid_i", "act_data_i [127:0]", "res_valid_o", "res_data_o [511:0]"})
    EXPECT_NE(vcd.find(pin), std::string::npos) << pin;
  EXPECT_NE(vcd.find("$timescale\n     1 ps"), std::string::npos);
  EXPECT_NE(vcd.find("\n#555\n1"), std::string::npos) << "the first rising edge, half a 0.9 GHz period in";
  for (const auto& e : fs::directory_iterator(d.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();

  expect_rejected(d,
                  {"run", "--system", "lpu_groq", "--model", "tiny", "--set", "lpu.mxm.rows=16", "--set",
                   "lpu.mxm.cols=16", "--set", "lpu.matmul.impl=rtl", "--rtl-wave", d.path("none.vcd")},
                  {"--rtl-wave", "rtl_sc"});
  EXPECT_FALSE(fs::exists(d.path("none.vcd")));
}
