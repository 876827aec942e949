// In-process simulations for integration tests: build a RunRequest from shipped files and check
// the invariants every architecture must hold. One simulate() per TEST (SystemC elaborates
// once per process; gtest_discover_tests gives each TEST its own).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "system/run.h"
#include "workload/lowering.h"

namespace decodesim::test {

/// Batch 1, `tokens` steps from `context`, weights in `weights`, `sets` applied to the system.
inline system::RunRequest request(const std::string& sys, const std::string& model, std::uint64_t context,
                                  std::vector<std::string> sets = {}, std::uint32_t tokens = 1,
                                  DType weights = DType::BF16) {
  system::RunRequest r;
  r.cfg = system::load_system(sys, std::string(DECODESIM_SOURCE_DIR) + "/configs", sets);
  r.model = workload::load_model(model, std::string(DECODESIM_SOURCE_DIR) + "/workloads");
  r.scenario.batch = 1;
  r.scenario.context = context;
  r.scenario.tokens = tokens;
  r.scenario.weight_dtype = weights;
  r.scenario.seed = r.cfg.sim.seed;
  return r;
}

/// Simulated time is never below the physical bound, per kernel (over its span) and per run.
inline void expect_roofline_holds(const system::RunResult& res) {
  for (const auto& r : res.records)
    EXPECT_GE(r.duration(), r.roofline) << r.name << " ran faster than physics allows";
  EXPECT_GE(res.total_time, res.roofline);
}

}  // namespace decodesim::test
