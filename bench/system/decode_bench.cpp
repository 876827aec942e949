// Simulation-speed benchmark for whole decode runs (DESIGN.md "Performance targets").
// Each run is a child `decodesim run` process, as SystemC elaborates once per process; the
// figures are wall time (median of --repeat runs), simulated time, and simulated core
// cycles per wall second. Printed, never asserted: these machines are shared and noisy.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include "driver/spawn.h"

namespace fs = std::filesystem;

namespace {

struct Case {
  std::string label;
  std::vector<std::string> args;
  double target_s;
};

}  // namespace

int main(int argc, char** argv) {
  int repeat = 5;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else {
      std::fprintf(stderr, "usage: decode_bench [--repeat N] [--only LABEL-SUBSTRING]\n");
      return 2;
    }
  }
  const std::string exe = std::string(DECODESIM_BINARY_DIR) + "/apps/decodesim/decodesim";
  const fs::path scratch = fs::temp_directory_path() / ("decodesim-bench-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const std::vector<std::string> base = {"--model", "llama2_7b", "--batch", "1", "--context", "2048", "--tokens", "1"};
  std::vector<Case> cases;
  for (const std::string sys : {"tpu_v5e", "tpu_v4"}) {
    cases.push_back({sys + " llama2_7b no-reuse", {"--system", sys, "--no-reuse"}, 2.0});
    cases.push_back({sys + " llama2_7b reuse", {"--system", sys}, 0.3});
  }
  // RTL co-simulation cost on a whole workload: tiny with 16x16 MXUs, TLM vs Verilated core.
  const std::vector<std::string> tiny = {"--system", "tpu_v5e", "--model", "tiny", "--no-reuse", "--set",
                                         "tpu.mxu.rows=16", "--set", "tpu.mxu.cols=16"};
  for (const std::string impl : {"tlm", "rtl"}) {
    std::vector<std::string> a = tiny;
    a.insert(a.end(), {"--set", "tpu.matmul.impl=" + impl});
    cases.push_back({"tiny 16x16 " + impl, a, 0});
  }
  std::map<std::string, double> medians;
  std::printf("%-34s %8s %10s %12s %14s %8s\n", "case", "runs", "median s", "sim time", "sim cycles/s", "target");
  for (const auto& c : cases) {
    if (!only.empty() && c.label.find(only) == std::string::npos) continue;
    std::vector<double> walls;
    double sim_s = 0, clock_ghz = 0;
    for (int r = 0; r < repeat; ++r) {
      const fs::path out = scratch / "out";
      std::vector<std::string> argv2 = {exe, "run", "--quiet", "--out", out.string()};
      argv2.insert(argv2.end(), c.args.begin(), c.args.end());
      const bool has_model = std::find(c.args.begin(), c.args.end(), "--model") != c.args.end();
      argv2.insert(argv2.end(), has_model ? base.begin() + 2 : base.begin(), base.end());
      const auto res = decodesim::driver::run_child(argv2);
      if (res.exit_code != 0) {
        std::fprintf(stderr, "%s failed: %s\n", c.label.c_str(), res.stderr_text.c_str());
        return 1;
      }
      walls.push_back(res.wall_s);
      std::ifstream in(out / "result.json");
      const auto j = nlohmann::json::parse(in);
      sim_s = j["summary"]["simulated_time_s"].get<double>();
      clock_ghz = j["config"]["tpu"]["clock_ghz"].get<double>();
    }
    std::sort(walls.begin(), walls.end());
    const double median = walls[walls.size() / 2];
    char sim[32], target[32];
    std::snprintf(sim, sizeof sim, "%.3f ms", sim_s * 1e3);
    std::snprintf(target, sizeof target, c.target_s > 0 ? "<= %.1f s" : "-", c.target_s);
    std::printf("%-34s %8d %10.3f %12s %14.3g %8s\n", c.label.c_str(), repeat, median, sim,
                sim_s * clock_ghz * 1e9 / median, target);
    medians[c.label] = median;
  }
  if (medians.count("tiny 16x16 rtl") && medians.count("tiny 16x16 tlm"))
    std::printf("\nRTL/TLM wall-time ratio on tiny (16x16 MXUs, whole decode): %.1fx\n",
                medians["tiny 16x16 rtl"] / medians["tiny 16x16 tlm"]);
  fs::remove_all(scratch);
  return 0;
}
