// Simulation speed of the LPU model (DESIGN.md "Performance targets"): Llama-2-7B and
// Llama-2-70B, one token, batch 1, int8 weights, on their shipped systems, with and without
// symmetric-shard reuse. Each run is a child `decodesim run` process (SystemC elaborates once
// per process). Wall time is the median of --repeat runs. Printed, never asserted.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "driver/spawn.h"

namespace fs = std::filesystem;

namespace {

struct Case {
  std::string label;
  std::vector<std::string> args;
  double target_s;  ///< 0: no target (the figure is for the note)
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
      std::fprintf(stderr, "usage: lpu_bench [--repeat N] [--only LABEL-SUBSTRING]\n");
      return 2;
    }
  }
  const std::string exe = std::string(DECODESIM_BINARY_DIR) + "/apps/decodesim/decodesim";
  const fs::path scratch = fs::temp_directory_path() / ("decodesim-lpu-bench-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const std::vector<std::string> base = {"--batch", "1", "--tokens", "1", "--weight-dtype", "int8"};
  const std::vector<Case> cases = {
      {"lpu_llama2_7b llama2_7b no-reuse", {"--system", "lpu_llama2_7b", "--model", "llama2_7b", "--context", "2048", "--no-reuse"}, 2.0},
      {"lpu_llama2_7b llama2_7b reuse", {"--system", "lpu_llama2_7b", "--model", "llama2_7b", "--context", "2048"}, 0.3},
      {"lpu_llama2_70b llama2_70b no-reuse", {"--system", "lpu_llama2_70b", "--model", "llama2_70b", "--context", "4096", "--no-reuse"}, 0},
      {"lpu_llama2_70b llama2_70b reuse", {"--system", "lpu_llama2_70b", "--model", "llama2_70b", "--context", "4096"}, 0},
  };
  std::printf("%-36s %5s %9s %12s %8s %14s %9s\n", "case", "runs", "median s", "sim time", "chips", "sim cycles/s",
              "target");
  for (const auto& c : cases) {
    if (!only.empty() && c.label.find(only) == std::string::npos) continue;
    std::vector<double> walls;
    double sim_s = 0, clock_ghz = 0;
    int chips = 0;
    for (int r = 0; r < repeat; ++r) {
      const fs::path out = scratch / "out";
      std::vector<std::string> argv2 = {exe, "run", "--quiet", "--out", out.string()};
      argv2.insert(argv2.end(), c.args.begin(), c.args.end());
      argv2.insert(argv2.end(), base.begin(), base.end());
      const auto res = decodesim::driver::run_child(argv2);
      if (res.exit_code != 0) {
        std::fprintf(stderr, "%s failed: %s\n", c.label.c_str(), res.stderr_text.c_str());
        return 1;
      }
      walls.push_back(res.wall_s);
      std::ifstream in(out / "result.json");
      const auto j = nlohmann::json::parse(in);
      sim_s = j["summary"]["simulated_time_s"].get<double>();
      clock_ghz = j["config"]["lpu"]["clock_ghz"].get<double>();
      chips = j["system"]["chips"].get<int>();
    }
    std::sort(walls.begin(), walls.end());
    const double median = walls[walls.size() / 2];
    char sim[32], target[32];
    std::snprintf(sim, sizeof sim, "%.3f ms", sim_s * 1e3);
    if (c.target_s > 0) std::snprintf(target, sizeof target, "<= %.1f s", c.target_s);
    else std::snprintf(target, sizeof target, "-");
    std::printf("%-36s %5d %9.3f %12s %8d %14.3g %9s\n", c.label.c_str(), repeat, median, sim, chips,
                sim_s * clock_ghz * 1e9 / median, target);
  }
  fs::remove_all(scratch);
  return 0;
}
