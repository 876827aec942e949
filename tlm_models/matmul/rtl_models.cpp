// The Verilated libraries this binary links, each clocked from C++ through the one
// SystolicTransactor. The list mirrors rtl/CMakeLists.txt.
#include <memory>
#include <stdexcept>
#include <string>

#include "matmul/rtl_matmul_core.h"
#include "matmul/verilated_sim.h"

#include "Vrtl_systolic_16x16.h"
#include "Vrtl_systolic_32x32.h"
#include "Vrtl_systolic_4x4.h"
#include "Vrtl_systolic_4x4_fst.h"
#include "Vrtl_systolic_4x4_wb1.h"
#include "Vrtl_systolic_8x8.h"
#include "Vrtl_systolic_8x8_fst.h"
#include "Vrtl_systolic_8x8_wb1.h"

namespace decodesim::matmul {
namespace {

template <class Model, std::uint32_t Size, bool Traced>
std::unique_ptr<RtlSim> make_sim(const std::string& wave_path) {
  return std::make_unique<VerilatedSim<Model, Traced>>(Size, Size, wave_path);
}

}  // namespace

const std::vector<RtlBuild>& rtl_builds() {
  static const std::vector<RtlBuild> builds = {
      {4, 2, false, &make_sim<Vrtl_systolic_4x4, 4, false>},
      {8, 2, false, &make_sim<Vrtl_systolic_8x8, 8, false>},
      {16, 2, false, &make_sim<Vrtl_systolic_16x16, 16, false>},
      {32, 2, false, &make_sim<Vrtl_systolic_32x32, 32, false>},
      {4, 1, false, &make_sim<Vrtl_systolic_4x4_wb1, 4, false>},
      {8, 1, false, &make_sim<Vrtl_systolic_8x8_wb1, 8, false>},
      {4, 2, true, &make_sim<Vrtl_systolic_4x4_fst, 4, true>},
      {8, 2, true, &make_sim<Vrtl_systolic_8x8_fst, 8, true>},
  };
  return builds;
}

}  // namespace decodesim::matmul
