// Simulation-speed benchmark of the GPU model (DESIGN.md "Performance targets"): Llama-2-7B,
// batch 1, context 2048, one token, on the H100 config, with and without layer reuse. The
// figures are wall time (median of --repeat), simulated time, SM requests and requests per wall
// second. Printed, never asserted: these machines are shared.
#include <cstdio>
#include <string>
#include <vector>

#include "common/decode_run.h"

using namespace decodesim::bench;

int main(int argc, char** argv) {
  const Options opt = parse_options(argc, argv, "gpu_bench", 3);
  const DecodeRunner runner("gpu-bench");
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
    if (!opt.selected(c.label)) continue;
    std::vector<std::string> args = base;
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto t = runner.median_run(args, opt.repeat, c.label);
    if (!t) return 1;
    const double sim_s = t->result["summary"]["simulated_time_s"].get<double>();
    const double requests = t->result["stats"]["gpu0"]["sm_cluster"]["mem"]["requests"]["value"].get<double>();
    char sim[32];
    std::snprintf(sim, sizeof sim, "%.3f ms", sim_s * 1e3);
    std::printf("%-30s %5d %10.3f %12s %12.0f %14.3g %8s\n", c.label.c_str(), opt.repeat, t->median_s, sim, requests,
                requests / t->median_s, target_text(c.target_s).c_str());
  }
  return 0;
}
