// Power during decode (issue 9, section 6): every shipped system averages between its idle
// power and its published TDP, and the clock trades energy for latency. Each run is a child
// process (SystemC elaborates once per process).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_harness.h"

using decodesim::test::run_json;
using decodesim::test::ScratchDir;
using json = nlohmann::json;

namespace {

/// Runs `args` and checks idle < average power per chip < TDP.
void expect_power_between_idle_and_tdp(const std::string& system, std::vector<std::string> args) {
  ScratchDir d("power-" + system);
  args.insert(args.begin(), {"--system", system});
  const json e = run_json(d, "run", args)["energy"];
  const double avg = e["average_power_w_per_chip"].get<double>();
  const double idle = e["idle_power_w_per_chip"].get<double>();
  const double tdp = e["tdp_w_per_chip"].get<double>();
  EXPECT_GT(idle, 0) << system << ": no idle power";
  EXPECT_GT(tdp, 0) << system << ": no TDP";
  EXPECT_GT(avg, idle) << system;
  EXPECT_LT(avg, tdp) << system;
}

}  // namespace

TEST(Power, TpuV4DecodeLiesBetweenIdleAndTdp) {
  expect_power_between_idle_and_tdp("tpu_v4", {"--model", "llama2_7b", "--context", "2048"});
  expect_power_between_idle_and_tdp("tpu_v4", {"--model", "llama2_7b", "--context", "512", "--batch", "64"});
}

TEST(Power, TpuV5eDecodeLiesBetweenIdleAndTdp) {
  expect_power_between_idle_and_tdp("tpu_v5e", {"--model", "llama2_7b", "--context", "2048"});
  expect_power_between_idle_and_tdp("tpu_v5e", {"--model", "llama2_7b", "--context", "128", "--batch", "64",
                                                "--weight-dtype", "int8"});
}

TEST(Power, TpuV5eX8DecodeLiesBetweenIdleAndTdp) {
  expect_power_between_idle_and_tdp("tpu_v5e_x8", {"--model", "llama2_70b", "--context", "2048", "--weight-dtype",
                                                   "int8"});
}

TEST(Power, LpuDecodeLiesBetweenIdleAndTdp) {
  expect_power_between_idle_and_tdp("lpu_groq", {"--model", "tiny", "--context", "256"});
  expect_power_between_idle_and_tdp("lpu_llama2_7b", {"--model", "llama2_7b", "--context", "2048"});
  expect_power_between_idle_and_tdp("lpu_llama2_70b", {"--model", "llama2_70b", "--context", "4096", "--weight-dtype",
                                                       "int8"});
}

TEST(Power, GpuDecodeLiesBetweenIdleAndTdp) {
  expect_power_between_idle_and_tdp("gpu_a100", {"--model", "llama2_7b", "--context", "2048"});
  expect_power_between_idle_and_tdp("gpu_h100", {"--model", "llama2_7b", "--context", "2048"});
  expect_power_between_idle_and_tdp("gpu_h100_x8", {"--model", "llama2_70b", "--context", "2048"});
}

TEST(Power, ClockTradesEnergyForLatency) {
  // A faster clock needs a higher supply voltage (alpha-power law), so each operation costs
  // more; a slower one stretches the step and the chip's idle power with it. At batch 64 the
  // arrays' weight loading binds below ~2 GHz, so the clock moves latency, and neither end wins
  // both ways. (int8 weights: bf16 Llama-2-7B and its KV cache at batch 64 exceed 16 GB.)
  ScratchDir d("power-clock");
  std::vector<std::pair<double, double>> pts;  // (latency, energy per token)
  for (const char* ghz : {"0.5", "1.0", "1.5", "2.0"}) {
    const json j = run_json(d, std::string("c") + ghz,
                            {"--system", "tpu_v5e", "--model", "llama2_7b", "--context", "128", "--batch", "64",
                             "--weight-dtype", "int8", "--set", std::string("tpu.clock_ghz=") + ghz, "--set",
                             std::string("tpu.vmem.clock_ghz=") + ghz});
    pts.emplace_back(j["summary"]["token_latency_s"].get<double>(), j["summary"]["energy_per_token_j"].get<double>());
  }
  // Latency falls with the clock; energy per token is lowest somewhere below the top clock.
  for (std::size_t i = 1; i < pts.size(); ++i) EXPECT_LT(pts[i].first, pts[i - 1].first) << i;
  EXPECT_GT(pts.back().second, pts[pts.size() - 2].second) << "the top clock should cost energy";
  // A real front: at least two points where neither is better in both latency and energy.
  int front = 0;
  for (const auto& p : pts) {
    bool dominated = false;
    for (const auto& q : pts)
      if (q.first <= p.first && q.second <= p.second && (q.first < p.first || q.second < p.second)) dominated = true;
    front += dominated ? 0 : 1;
  }
  EXPECT_GE(front, 2);
}
