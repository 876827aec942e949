// impl: rtl_sc — the SystemC-mode Verilated array clocked in the simulation kernel (README.md,
// "In-kernel co-simulation"). Each TEST elaborates its own kernel, so each runs in its own
// process (gtest_discover_tests).
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "common/config/error.h"
#include "matmul/rtl_sc_core.h"
#include "matmul/sc_pins.h"
#include "matmul/tlm_systolic_core.h"
#include "random_stream.h"

namespace dm = decodesim::matmul;

namespace {

dm::MatmulConfig rtl_sc() {
  dm::MatmulConfig cfg;
  cfg.impl = dm::MatmulImpl::RtlSc;
  return cfg;
}

}  // namespace

// Streams asked for before the kernel starts (as the LPU's compiler asks) and from a process
// while it runs (as the TPU and GPU tiles ask): the in-kernel array clocks every one, counts
// the cycles the C++-mode RTL measured (and the TLM formula computes), and kernel time
// advances by exactly its clock: 2 reset cycles plus every stream's cycles, one after another.
TEST(RtlScCore, InKernelArrayCountsTheMeasuredCyclesAndAdvancesKernelTimeWithItsClock) {
  const dm::ArrayGeometry g{16, 16, 2};
  const double ghz = 1.25;  // 800 ps
  auto core = dm::make_matmul_core(rtl_sc(), g, "test.matmul.impl", ghz);
  ASSERT_STREQ(core->impl_name(), "rtl_sc");
  auto& sc = dynamic_cast<dm::RtlScMatmulCore&>(*core);
  dm::TlmSystolicCore tlm(g);
  const std::string vcd = (std::filesystem::temp_directory_path() / ("rtl_sc_test_" + std::to_string(::getpid()))).string();
  sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file(vcd.c_str());
  sc.twin().trace(tf);

  std::mt19937_64 rng(7);
  std::uint64_t cycles = 0, tiles = 0, streams = 0;
  auto one = [&] {
    const auto runs = dm::test::random_stream(g, rng, 6);
    const auto marks = core->run_stream(runs);
    EXPECT_EQ(marks, tlm.run_stream(runs));
    cycles += marks.back();
    for (const auto& r : runs) tiles += r.count;
    ++streams;
  };
  for (int i = 0; i < 20; ++i) one();  // before the kernel starts
  sc_core::sc_spawn([&] {
    for (int i = 0; i < 20; ++i) one();
    // A timing-only call under result backpressure: the same seeded consumer on both sides.
    core->set_result_backpressure({3, 0.5, 4});
    const dm::TileShape s{5, 16, 16};
    const auto c = core->run_tiles(s, 3);
    dm::TlmSystolicCore bp(g);
    bp.set_result_backpressure({3, 0.5, 4});
    EXPECT_EQ(c, bp.run_tiles(s, 3));
    cycles += c;
    tiles += 3;
    ++streams;
  });
  sc_core::sc_start();
  sc_core::sc_close_vcd_trace_file(tf);
  EXPECT_EQ(sc.twin().streams_pending(), 0u);
  EXPECT_EQ(sc.twin().streams_checked(), streams);
  EXPECT_EQ(sc.twin().tiles_clocked(), tiles);
  EXPECT_EQ(dm::core_tally().sc_tiles, tiles);
  EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::sc_time(800.0 * static_cast<double>(2 + cycles), sc_core::SC_PS));
  // The pins are in the VCD, in kernel time.
  std::ifstream in(vcd + ".vcd");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("res_valid_o"), std::string::npos);
  EXPECT_NE(text.str().find("#800"), std::string::npos);
  std::filesystem::remove(vcd + ".vcd");
  dm::release_rtl_sc_twins();
}

// The check is real: a stream whose cycles differ from what the tile used stops the run.
TEST(RtlScCore, ADifferentCycleCountStopsTheRun) {
  auto core = dm::make_matmul_core(rtl_sc(), {8, 8, 2}, "test.matmul.impl", 1.0);
  auto& sc = dynamic_cast<dm::RtlScMatmulCore&>(*core);
  const std::vector<dm::TileRun> runs = {{{4, 8, 8}, 3}};
  std::vector<decodesim::Cycles> marks = core->run_stream(runs);
  marks.back() += 1;  // as if the tile had used one cycle more than the RTL takes
  sc.twin().submit(runs, {}, marks, true);
  try {
    sc_core::sc_start();
    FAIL() << "the in-kernel array accepted a wrong cycle count";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("the in-kernel SystemC RTL counted"), std::string::npos) << e.what();
  }
  dm::release_rtl_sc_twins();
}

// Our RTL's square sizes are all accepted (prebuilt or Verilated with --sc on first use); other
// geometries, and user sources, are refused naming what is supported.
TEST(RtlScCore, NonSquareAndUserSourcesAreRefusedNamingWhatIsSupported) {
  try {
    dm::make_matmul_core(rtl_sc(), {12, 8, 2}, "tpu.matmul.impl", 1.0);
    FAIL() << "12x8 is not square";
  } catch (const decodesim::config::InputError& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("tpu.matmul.impl"), std::string::npos) << w;
    EXPECT_NE(w.find("12x8"), std::string::npos) << w;
    EXPECT_NE(w.find("square arrays 2x2-256x256"), std::string::npos) << w;
    EXPECT_NE(w.find("16x16"), std::string::npos) << w;  // the prebuilt ones
  }
  dm::MatmulConfig user = rtl_sc();
  user.rtl.sources = {"my.sv"};
  EXPECT_THROW(dm::make_matmul_core(user, {16, 16, 2}, "tpu.matmul.impl", 1.0), decodesim::config::InputError);
  EXPECT_FALSE(dm::rtl_can_build(user, {16, 16, 2}));
  EXPECT_TRUE(dm::rtl_can_build(rtl_sc(), {32, 32, 2}));
  EXPECT_TRUE(dm::rtl_can_build(rtl_sc(), {64, 64, 2}));
  EXPECT_TRUE(dm::rtl_can_build(rtl_sc(), {6, 6, 1}));
  EXPECT_FALSE(dm::rtl_can_build(rtl_sc(), {12, 8, 2}));
  EXPECT_FALSE(dm::rtl_can_build(rtl_sc(), {300, 300, 2}));
  EXPECT_FALSE(dm::rtl_can_build(rtl_sc(), {1, 1, 2}));
  EXPECT_FALSE(dm::rtl_can_build(rtl_sc(), {8, 8, 3}));
}

// A side that is not a multiple of 4 (6x6, built on demand) packs into a partial last 32-bit
// word: all six bytes must reach the signal (the pack once wrote whole words only, so bytes 4
// and 5 were lost, and read past the end of the row).
TEST(ScPins, PacksARowWhoseWidthIsNotAMultipleOf32Bits) {
  dm::ScSystolicSignals<6, 6> sig;
  dm::ScPins<6, 6> pins(sig);
  const std::uint8_t row[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
  sc_core::sc_spawn([&] {
    pins.set_wload_data(row);
    pins.set_act_data(row);
    sc_core::wait(sc_core::SC_ZERO_TIME);
  });
  sc_core::sc_start();
  EXPECT_EQ(sig.wload_data.read().to_string(sc_dt::SC_HEX_US, false), "665544332211");
  EXPECT_EQ(sig.act_data.read().to_string(sc_dt::SC_HEX_US, false), "665544332211");
}
