// The SystemC-mode Verilated libraries this binary links for impl: rtl_sc, each one the
// in-kernel twin of sc_array.h (the list mirrors rtl/CMakeLists.txt, rtl_systolic_sc), and the
// loader of the twins built on demand (rtl_build.h, ensure_rtl_sc_model).
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <memory>
#include <stdexcept>

#include "Vrtl_systolic_16x16_sc.h"
#include "Vrtl_systolic_32x32_sc.h"
#include "Vrtl_systolic_4x4_sc.h"
#include "Vrtl_systolic_8x8_sc.h"
#include "matmul/rtl_build.h"
#include "matmul/rtl_sc_core.h"
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

struct Wave {
  std::string stem;
  sc_core::sc_trace_file* file = nullptr;
};
Wave& wave() {
  static Wave w;
  return w;
}

std::shared_ptr<ScArray> keep(std::shared_ptr<ScArray> twin) {
  if (!twin->object()->get_parent_object()) top_level_twins().push_back(twin);
  Wave& w = wave();
  if (!w.stem.empty()) {
    if (!w.file) {
      w.file = sc_core::sc_create_vcd_trace_file(w.stem.c_str());
      // The kernel's resolution (system::run_netlist), set without SystemC's info line about it
      // (a --quiet run prints nothing).
      sc_core::sc_report_handler::set_actions("tracing timescale unit set", sc_core::SC_DO_NOTHING);  // I703
      w.file->set_time_unit(1, sc_core::SC_PS);
    }
    twin->trace(w.file);
  }
  return twin;
}

template <class Model, unsigned Size>
std::shared_ptr<ScArray> make_twin(double clock_ghz) {
  return keep(std::make_shared<ScArrayModule<Model, Size>>(sc_core::sc_gen_unique_name("rtl_sc"), clock_ghz,
                                                           &core_tally().sc_tiles, &core_tally().sc_streams));
}

}  // namespace

void release_rtl_sc_twins() {
  Wave& w = wave();
  if (w.file) sc_core::sc_close_vcd_trace_file(w.file);  // before the signals it names go
  w.file = nullptr;
  top_level_twins().clear();
}

void set_rtl_sc_wave(const std::string& stem) { wave().stem = stem; }

const std::vector<RtlScBuild>& rtl_sc_builds() {
  static const std::vector<RtlScBuild> builds = {
      {4, 2, &make_twin<Vrtl_systolic_4x4_sc, 4>},
      {8, 2, &make_twin<Vrtl_systolic_8x8_sc, 8>},
      {16, 2, &make_twin<Vrtl_systolic_16x16_sc, 16>},
      {32, 2, &make_twin<Vrtl_systolic_32x32_sc, 32>},
  };
  return builds;
}

std::shared_ptr<ScArray> load_rtl_sc_twin(const std::string& so_path, const ArrayGeometry& g, double clock_ghz) {
  // Its SystemC symbols bind to the libsystemc this process has loaded (the shared object
  // names that very file), so the array joins this process's sc_simcontext.
  using MakeFn = ScArray* (*)(std::uint32_t, const char*, double, std::uint64_t*, std::uint64_t*, char*, std::size_t);
  auto make = reinterpret_cast<MakeFn>(
      open_rtl_model_entry(so_path, "decodesim_rtl_sc_abi", kRtlScAbi, "decodesim_rtl_sc_make", "rtl_sc model"));
  char err[512] = {0};
  ScArray* twin = make(g.rows, sc_core::sc_gen_unique_name("rtl_sc"), clock_ghz, &core_tally().sc_tiles,
                       &core_tally().sc_streams, err, sizeof err);
  if (!twin) throw std::runtime_error(std::string("cannot start rtl_sc model: ") + err);
  return keep(std::shared_ptr<ScArray>(twin));
}

}  // namespace decodesim::matmul
