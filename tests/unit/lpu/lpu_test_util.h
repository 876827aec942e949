// Shared by the LPU unit tests: shipped systems and models, and the text of an InputError.
#pragma once

#include <functional>
#include <string>

#include "system/system_config.h"
#include "workload/lowering.h"

namespace decodesim::lpu::testing {

inline system::SystemConfig load_sys(const std::string& name, const std::vector<std::string>& sets = {}) {
  return system::load_system(name, std::string(DECODESIM_SOURCE_DIR) + "/configs", sets);
}

inline workload::ModelSpec model(const std::string& name) {
  return workload::load_model(name, std::string(DECODESIM_SOURCE_DIR) + "/workloads");
}

inline workload::Scenario scenario(std::uint32_t batch, std::uint64_t context, DType weights,
                                   std::uint32_t tokens = 1) {
  workload::Scenario s;
  s.batch = batch;
  s.context = context;
  s.tokens = tokens;
  s.weight_dtype = weights;
  return s;
}

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const config::InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace decodesim::lpu::testing
