// The SystemC-mode Verilated libraries this binary links for impl: rtl_sc, each one the
// in-kernel twin of sc_array.h. The list mirrors rtl/CMakeLists.txt (rtl_systolic_sc).
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <memory>

#include "Vrtl_systolic_16x16_sc.h"
#include "Vrtl_systolic_32x32_sc.h"
#include "Vrtl_systolic_4x4_sc.h"
#include "Vrtl_systolic_8x8_sc.h"
#include "matmul/sc_array.h"

namespace decodesim::matmul {
namespace {

// Twins built outside any module (the LPU's compiler builds its cores before the chips exist
// and drops them once the schedule is compiled): kept here so they clock, in the kernel, every
// stream the compiler asked for. release_rtl_sc_twins() deletes them after the run.
std::vector<std::shared_ptr<ScArray>>& top_level_twins() {
  static std::vector<std::shared_ptr<ScArray>> twins;
  return twins;
}

template <class Model, unsigned Size>
std::shared_ptr<ScArray> make_twin(double clock_ghz) {
  auto twin = std::make_shared<ScArrayModule<Model, Size>>(sc_core::sc_gen_unique_name("rtl_sc"), clock_ghz);
  if (!twin->get_parent_object()) top_level_twins().push_back(twin);
  return twin;
}

}  // namespace

void release_rtl_sc_twins() { top_level_twins().clear(); }

const std::vector<RtlScBuild>& rtl_sc_builds() {
  static const std::vector<RtlScBuild> builds = {
      {4, 2, &make_twin<Vrtl_systolic_4x4_sc, 4>},
      {8, 2, &make_twin<Vrtl_systolic_8x8_sc, 8>},
      {16, 2, &make_twin<Vrtl_systolic_16x16_sc, 16>},
      {32, 2, &make_twin<Vrtl_systolic_32x32_sc, 32>},
  };
  return builds;
}

}  // namespace decodesim::matmul
