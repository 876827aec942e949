// Simulation speed on every shipped system (issue 11 "Speed must not regress"): Llama-2-7B,
// batch 1, context 2048, one token, with and without reuse, in the LT protocol (the default)
// and in AT (sim.tlm_mode=at). Wall time is the median of --repeat runs. With --baseline
// <build dir>, the same cases run on that build's decodesim too, alternating run by run with
// this one so both see the same machine state, and the ratio is printed. Never asserted.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <algorithm>

#include "common/decode_run.h"

using namespace decodesim::bench;

namespace {

struct Args {
  int repeat = 3;
  std::string only, baseline;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--repeat" && i + 1 < argc) a.repeat = std::max(1, std::atoi(argv[++i]));
    else if (s == "--only" && i + 1 < argc) a.only = argv[++i];
    else if (s == "--baseline" && i + 1 < argc) a.baseline = argv[++i];
    else {
      std::fprintf(stderr, "usage: systems_bench [--repeat N] [--only LABEL-SUBSTRING] [--baseline BUILD_DIR]\n");
      std::exit(2);
    }
  }
  return a;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const Args opt = parse(argc, argv);
  const DecodeRunner runner("systems-bench");
  std::vector<DecodeRunner> base;
  if (!opt.baseline.empty()) base.emplace_back("systems-bench-base", opt.baseline + "/apps/decodesim/decodesim");
  // Every shipped single-node system Llama-2-7B fits (the LPU: its own 7B system, int8 weights).
  const std::vector<std::pair<std::string, std::vector<std::string>>> systems = {
      {"tpu_v4", {}},      {"tpu_v5e", {}},     {"tpu_v6e", {}},  {"ascend_910b", {}},
      {"trn2", {}},        {"gpu_a100", {}},    {"gpu_h100", {}}, {"gpu_b200", {}},
      {"lpu_llama2_7b", {"--weight-dtype", "int8"}}};
  const std::vector<std::pair<std::string, std::vector<std::string>>> modes = {
      {"lt reuse", {}},
      {"lt no-reuse", {"--no-reuse"}},
      {"at reuse", {"--set", "sim.tlm_mode=at"}},
      {"at no-reuse", {"--no-reuse", "--set", "sim.tlm_mode=at"}}};
  std::printf("%-30s %5s %10s %12s", "case", "runs", "median s", "sim time");
  if (!base.empty()) std::printf(" %12s %8s", "baseline s", "ratio");
  std::printf("\n");
  for (const auto& [sys, extra] : systems)
    for (const auto& [mode, flags] : modes) {
      const std::string label = sys + " " + mode;
      if (!opt.only.empty() && label.find(opt.only) == std::string::npos) continue;
      std::vector<std::string> args = {"--system", sys, "--model", "llama2_7b", "--batch", "1",
                                       "--context", "2048", "--tokens", "1"};
      args.insert(args.end(), extra.begin(), extra.end());
      args.insert(args.end(), flags.begin(), flags.end());
      std::vector<double> walls, base_walls;
      double sim_s = 0;
      for (int r = 0; r < opt.repeat; ++r) {
        for (const auto& b : base) {
          const auto t = b.median_run(args, 1, label + " (baseline)");
          if (!t) return 1;
          base_walls.push_back(t->median_s);
        }
        const auto t = runner.median_run(args, 1, label);
        if (!t) return 1;
        walls.push_back(t->median_s);
        sim_s = t->result["summary"]["simulated_time_s"].get<double>();
      }
      std::printf("%-30s %5d %10.3f %9.3f ms", label.c_str(), opt.repeat, median(walls), sim_s * 1e3);
      if (!base.empty()) std::printf(" %12.3f %8.3f", median(base_walls), median(walls) / median(base_walls));
      std::printf("\n");
      std::fflush(stdout);
    }
  return 0;
}
