// Simulation-speed benchmark for whole TPU decode runs (DESIGN.md "Performance targets"):
// wall time (median of --repeat runs), simulated time, and simulated core cycles per wall
// second, plus the RTL/TLM wall-time ratio on the tiny workload. Printed, never asserted:
// these machines are shared and noisy.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common/decode_run.h"

using namespace decodesim::bench;

int main(int argc, char** argv) {
  const Options opt = parse_options(argc, argv, "decode_bench", 5);
  const DecodeRunner runner("bench");
  struct Case {
    std::string label;
    std::vector<std::string> args;
    double target_s;  ///< 0: no target
  };
  const std::vector<std::string> scenario = {"--batch", "1", "--context", "2048", "--tokens", "1"};
  std::vector<Case> cases;
  for (const std::string sys : {"tpu_v5e", "tpu_v4"}) {
    cases.push_back({sys + " llama2_7b no-reuse", {"--system", sys, "--model", "llama2_7b", "--no-reuse"}, 2.0});
    cases.push_back({sys + " llama2_7b reuse", {"--system", sys, "--model", "llama2_7b"}, 0.3});
  }
  // RTL co-simulation cost on a whole workload: tiny with 16x16 MXUs, TLM vs Verilated core.
  for (const std::string impl : {"tlm", "rtl"})
    cases.push_back({"tiny 16x16 " + impl,
                     {"--system", "tpu_v5e", "--model", "tiny", "--no-reuse", "--set", "tpu.mxu.rows=16", "--set",
                      "tpu.mxu.cols=16", "--set", "tpu.matmul.impl=" + impl},
                     0});
  std::map<std::string, double> medians;
  std::printf("%-34s %8s %10s %12s %14s %8s\n", "case", "runs", "median s", "sim time", "sim cycles/s", "target");
  for (const auto& c : cases) {
    if (!opt.selected(c.label)) continue;
    std::vector<std::string> args = c.args;
    args.insert(args.end(), scenario.begin(), scenario.end());
    const auto t = runner.median_run(args, opt.repeat, c.label);
    if (!t) return 1;
    const double sim_s = t->result["summary"]["simulated_time_s"].get<double>();
    const double clock_ghz = t->result["config"]["tpu"]["clock_ghz"].get<double>();
    char sim[32];
    std::snprintf(sim, sizeof sim, "%.3f ms", sim_s * 1e3);
    std::printf("%-34s %8d %10.3f %12s %14.3g %8s\n", c.label.c_str(), opt.repeat, t->median_s, sim,
                sim_s * clock_ghz * 1e9 / t->median_s, target_text(c.target_s).c_str());
    medians[c.label] = t->median_s;
  }
  if (medians.count("tiny 16x16 rtl") && medians.count("tiny 16x16 tlm"))
    std::printf("\nRTL/TLM wall-time ratio on tiny (16x16 MXUs, whole decode): %.1fx\n",
                medians["tiny 16x16 rtl"] / medians["tiny 16x16 tlm"]);
  return 0;
}
