// Simulation-speed benchmark of the GPU model (DESIGN.md "Performance targets"): Llama-2-7B,
// batch 1, context 2048, one token, on the H100 config, with and without layer reuse. Each run
// is a child `decodesim run`; the figures are wall time (median of --repeat), simulated time,
// SM requests and requests per wall second. Printed, never asserted: these machines are shared.
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

int main(int argc, char** argv) {
  int repeat = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: gpu_bench [--repeat N]\n");
      return 2;
    }
  }
  const std::string exe = std::string(DECODESIM_BINARY_DIR) + "/apps/decodesim/decodesim";
  const fs::path scratch = fs::temp_directory_path() / ("decodesim-gpu-bench-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  struct Case {
    std::string label;
    std::vector<std::string> args;
    double target_s;
  };
  const std::vector<std::string> base = {"--system", "gpu_h100", "--model", "llama2_7b", "--batch", "1",
                                         "--context", "2048", "--tokens", "1"};
  const std::vector<Case> cases = {{"gpu_h100 llama2_7b no-reuse", {"--no-reuse"}, 5.0},
                                   {"gpu_h100 llama2_7b reuse", {}, 0.3}};
  std::printf("%-30s %5s %10s %12s %12s %14s %8s\n", "case", "runs", "median s", "sim time", "SM requests",
              "requests/s", "target");
  for (const auto& c : cases) {
    std::vector<double> walls;
    double sim_s = 0, requests = 0;
    for (int r = 0; r < repeat; ++r) {
      const fs::path out = scratch / "out";
      std::vector<std::string> argv2 = {exe, "run", "--quiet", "--out", out.string()};
      argv2.insert(argv2.end(), base.begin(), base.end());
      argv2.insert(argv2.end(), c.args.begin(), c.args.end());
      const auto res = decodesim::driver::run_child(argv2);
      if (res.exit_code != 0) {
        std::fprintf(stderr, "%s failed: %s\n", c.label.c_str(), res.stderr_text.c_str());
        return 1;
      }
      walls.push_back(res.wall_s);
      std::ifstream in(out / "result.json");
      const auto j = nlohmann::json::parse(in);
      sim_s = j["summary"]["simulated_time_s"].get<double>();
      requests = j["stats"]["gpu0"]["sm_cluster"]["mem"]["requests"]["value"].get<double>();
    }
    std::sort(walls.begin(), walls.end());
    const double median = walls[walls.size() / 2];
    char sim[32], target[32];
    std::snprintf(sim, sizeof sim, "%.3f ms", sim_s * 1e3);
    std::snprintf(target, sizeof target, "<= %.1f s", c.target_s);
    std::printf("%-30s %5d %10.3f %12s %12.0f %14.3g %8s\n", c.label.c_str(), repeat, median, sim, requests,
                requests / median, target);
  }
  fs::remove_all(scratch);
  return 0;
}
