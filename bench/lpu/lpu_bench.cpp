// Simulation speed of the LPU model (DESIGN.md "Performance targets"): Llama-2-7B and
// Llama-2-70B, one token, batch 1, int8 weights, on their shipped systems, with and without
// symmetric-shard reuse. Wall time is the median of --repeat runs. Printed, never asserted.
#include <cstdio>
#include <string>
#include <vector>

#include "common/decode_run.h"

using namespace decodesim::bench;

int main(int argc, char** argv) {
  const Options opt = parse_options(argc, argv, "lpu_bench", 5);
  const DecodeRunner runner("lpu-bench");
  struct Case {
    std::string label;
    std::vector<std::string> args;
    double target_s;  ///< 0: no target (the figure is for the note)
  };
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
    if (!opt.selected(c.label)) continue;
    std::vector<std::string> args = c.args;
    args.insert(args.end(), base.begin(), base.end());
    const auto t = runner.median_run(args, opt.repeat, c.label);
    if (!t) return 1;
    const double sim_s = t->result["summary"]["simulated_time_s"].get<double>();
    const double clock_ghz = t->result["config"]["lpu"]["clock_ghz"].get<double>();
    char sim[32];
    std::snprintf(sim, sizeof sim, "%.3f ms", sim_s * 1e3);
    std::printf("%-36s %5d %9.3f %12s %8d %14.3g %9s\n", c.label.c_str(), opt.repeat, t->median_s, sim,
                t->result["system"]["chips"].get<int>(), sim_s * clock_ghz * 1e9 / t->median_s,
                target_text(c.target_s).c_str());
  }
  return 0;
}
