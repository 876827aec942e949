// matmul_bench: how fast the RTL co-simulation runs, in array cycles per wall second, in
// the two styles the issue asks to compare, and how fast the TLM formula answers.
//
//   C++ mode   : the --cc model clocked from C++ by RtlMatmulCore (the default style);
//   SystemC    : the --sc model, its pins bound to sc_signals, clocked by an sc_clock, driven
//                by the same SystolicTransactor from an SC_THREAD.
//   rtl_sc     : the in-kernel twin of impl: rtl_sc (tlm_models/matmul/sc_array.h): the same
//                --sc model behind its gated clock, checking every edge count it is handed.
//                An rtl_sc run pays this and the C++ mode for every cycle.
//
// SystemC elaborates once per process, so each SystemC measurement runs in a child process
// (this binary with --sc N or --twin N). Usage: matmul_bench [--cycles N] [--twin N --twin-so FILE]
// (a twin built on demand: rtl_build_bench --sc --keep --sizes N prints FILE). The 64x64 C++-mode model is
// built on demand; the 64x64 SystemC figure needs the matmul_bench_64 build of this file.
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <systemc>
#include <vector>

#include "Vrtl_systolic_16x16_sc.h"
#include "Vrtl_systolic_32x32_sc.h"
#ifdef DECODESIM_BENCH_SC64
#include "Vrtl_systolic_64x64_sc.h"
#endif
#include "matmul/rtl_matmul_core.h"
#include "matmul/rtl_sc_core.h"
#include "matmul/sc_array.h"
#include "matmul/sc_pins.h"
#include "matmul/systolic_transactor.h"
#include "matmul/tlm_systolic_core.h"

extern char** environ;

namespace dm = decodesim::matmul;
using Clock = std::chrono::steady_clock;

namespace {

// A compute-heavy stream: full tiles, m = 2 x rows, random data, back to back.
std::vector<dm::TileData> make_tiles(std::uint32_t size, std::size_t count) {
  std::mt19937_64 rng(1);
  std::vector<dm::TileData> tiles(count);
  for (auto& t : tiles) {
    t.weights.resize(static_cast<std::size_t>(size) * size);
    t.acts.resize(static_cast<std::size_t>(2 * size) * size);
    for (auto& w : t.weights) w = static_cast<std::int8_t>(rng());
    for (auto& a : t.acts) a = static_cast<std::int8_t>(rng());
  }
  return tiles;
}

std::size_t tiles_for(std::uint32_t size, std::uint64_t cycles) {
  return static_cast<std::size_t>(cycles / (2 * size)) + 1;
}

void report(const char* style, std::uint32_t size, std::uint64_t cycles, double seconds) {
  std::printf("%-26s %2ux%-2u %10llu cycles %8.3f s %12.3e array-cycles/s\n", style, size, size,
              static_cast<unsigned long long>(cycles), seconds, static_cast<double>(cycles) / seconds);
  std::fflush(stdout);
}

void bench_cc(std::uint32_t size, std::uint64_t cycles) {
  auto core = dm::make_rtl_matmul_core({size, size, 2});
  auto tiles = make_tiles(size, tiles_for(size, cycles));
  const dm::TileShape s{2 * size, size, size};
  const auto t0 = Clock::now();
  const auto c = core->run_tiles(s, tiles);
  report("rtl C++ mode (default)", size, c, std::chrono::duration<double>(Clock::now() - t0).count());
}

template <class Model, unsigned Size>
struct ScBench : sc_core::sc_module {
  sc_core::sc_clock clk{"clk", 10, sc_core::SC_NS};
  dm::ScSystolicSignals<Size, Size> sig;
  Model dut{"dut"};
  dm::ScPins<Size, Size> pins{sig};
  dm::SystolicTransactor<dm::ScPins<Size, Size>> xact{Size, Size};
  std::vector<dm::TileData> tiles;
  std::uint64_t cycles = 0;

  ScBench(sc_core::sc_module_name n, std::uint64_t target) : sc_module(n), tiles(make_tiles(Size, tiles_for(Size, target))) {
    sig.bind(dut, clk);
    sc_core::sc_spawn([this] { drive(); }, "drive");
  }

  void drive() {
    sig.rst_n.write(false);
    wait(clk.posedge_event());
    sig.rst_n.write(true);
    wait(clk.negedge_event());
    xact.start({2 * Size, Size, Size}, tiles.size(), &tiles, {});
    for (;;) {
      xact.drive(pins);              // after the falling edge: outputs have settled
      wait(clk.posedge_event());     // reads below see the values just before the edge
      ++cycles;
      if (xact.edge(pins)) break;
      wait(clk.negedge_event());
    }
    sc_core::sc_stop();
  }
};

template <class Model, unsigned Size>
void bench_sc(std::uint64_t target) {
  ScBench<Model, Size> b("bench", target);
  const auto t0 = Clock::now();
  sc_core::sc_start();
  report("rtl SystemC pin-level", Size, b.cycles, std::chrono::duration<double>(Clock::now() - t0).count());
}

// The rtl_sc twin on a timing-only stream of full tiles (what the tiles hand it), checked
// against the TLM formula's marks (identical to the C++-mode RTL's: matmul_stream_test).
template <class Model, unsigned Size>
void bench_twin(std::uint64_t target) {
  const dm::ArrayGeometry g{Size, Size, 2};
  dm::ScArrayModule<Model, Size> twin("twin", 1.0);
  const std::vector<dm::TileRun> runs = {{{2 * Size, Size, Size}, tiles_for(Size, target)}};
  const auto marks = dm::TlmSystolicCore(g).run_stream(runs);
  twin.submit(runs, {}, marks, true);
  const auto t0 = Clock::now();
  sc_core::sc_start();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (twin.streams_checked() != 1) std::printf("rtl_sc twin did not check its stream\n");
  report("rtl_sc in-kernel twin", Size, marks.back(), s);
}

// The same for a twin built on demand (rtl_build_bench --sc --keep prints its model.so), at
// any size: what `impl: rtl_sc` runs at a size with no SystemC library linked in.
void bench_twin_so(const std::string& so, std::uint32_t size, std::uint64_t target) {
  const dm::ArrayGeometry g{size, size, 2};
  const auto twin = dm::load_rtl_sc_twin(so, g, 1.0);
  const std::vector<dm::TileRun> runs = {{{2 * size, size, size}, tiles_for(size, target)}};
  const auto marks = dm::TlmSystolicCore(g).run_stream(runs);
  twin->submit(runs, {}, marks, true);
  const auto t0 = Clock::now();
  sc_core::sc_start();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (twin->streams_checked() != 1) std::printf("rtl_sc twin did not check its stream\n");
  report("rtl_sc twin (on demand)", size, marks.back(), s);
  dm::release_rtl_sc_twins();
}

void bench_tlm() {
  const dm::ArrayGeometry g{128, 128, 2};
  std::uint64_t sink = 0, tiles = 0;
  const std::uint64_t calls = 2000000;
  const auto t0 = Clock::now();
  for (std::uint64_t i = 0; i < calls; ++i) {
    const std::uint32_t k = 1 + static_cast<std::uint32_t>(i % 128);
    const std::uint64_t count = 1 + i % 64;
    sink += dm::systolic_cycles(g, {1 + static_cast<std::uint32_t>(i % 8), k, 128}, count);
    tiles += count;
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%-26s 128x128 %10llu calls %8.3f s %12.3e calls/s %12.3e tiles/s (checksum %llu)\n",
              "tlm systolic_cycles()", static_cast<unsigned long long>(calls), s, calls / s, tiles / s,
              static_cast<unsigned long long>(sink));
}

int spawn_self(const char* self, std::uint32_t size, std::uint64_t cycles, const char* mode = "--sc") {
  const std::string n = std::to_string(size), c = std::to_string(cycles);
  std::vector<char*> argv = {const_cast<char*>(self), const_cast<char*>(mode), const_cast<char*>(n.c_str()),
                             const_cast<char*>("--cycles"), const_cast<char*>(c.c_str()), nullptr};
  pid_t pid;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ) != 0) return 1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int sc_main(int argc, char** argv) {
  std::uint64_t cycles = 2000000;
  std::uint32_t sc_size = 0, twin_size = 0;
  std::string twin_so;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--twin-so")) twin_so = argv[i + 1];
    else if (!std::strcmp(argv[i], "--cycles")) cycles = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--sc")) sc_size = static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    else if (!std::strcmp(argv[i], "--twin")) twin_size = static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
  }
  // --twin N --twin-so FILE: cycles scaled as for the linked twins (per-cycle cost ~ N^2).
  if (!twin_so.empty() && twin_size)
    return bench_twin_so(twin_so, twin_size, cycles * 256 / (static_cast<std::uint64_t>(twin_size) * twin_size)), 0;
  if (sc_size == 16) return bench_sc<Vrtl_systolic_16x16_sc, 16>(cycles), 0;
  if (sc_size == 32) return bench_sc<Vrtl_systolic_32x32_sc, 32>(cycles / 4), 0;
  if (twin_size == 16) return bench_twin<Vrtl_systolic_16x16_sc, 16>(cycles), 0;
  if (twin_size == 32) return bench_twin<Vrtl_systolic_32x32_sc, 32>(cycles / 4), 0;
#ifdef DECODESIM_BENCH_SC64
  if (sc_size == 64) return bench_sc<Vrtl_systolic_64x64_sc, 64>(cycles / 16), 0;
  if (twin_size == 64) return bench_twin<Vrtl_systolic_64x64_sc, 64>(cycles / 16), 0;
#endif

  std::printf("matmul co-simulation speed (target: >= 1e6 array-cycles/s at 16x16)\n");
  bench_cc(16, cycles);
  int rc = spawn_self(argv[0], 16, cycles);
  rc |= spawn_self(argv[0], 16, cycles, "--twin");
  bench_cc(32, cycles / 4);
  rc |= spawn_self(argv[0], 32, cycles);
  rc |= spawn_self(argv[0], 32, cycles, "--twin");
  bench_cc(64, cycles / 16);  // not prebuilt: Verilated on first use into the cache
#ifdef DECODESIM_BENCH_SC64
  rc |= spawn_self(argv[0], 64, cycles);
  rc |= spawn_self(argv[0], 64, cycles, "--twin");
#endif
  bench_tlm();
  return rc;
}
