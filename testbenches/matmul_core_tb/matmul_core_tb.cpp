// matmul_core_tb: run tiles through the RTL matmul core and its TLM model side by side, from
// an SC thread, and print cycles and results. See README.md for the options.
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <systemc>

#include "common/config/error.h"
#include "matmul/rtl_matmul_core.h"
#include "matmul/tlm_systolic_core.h"
#include "matmul/validate_rtl.h"

namespace dm = decodesim::matmul;

namespace {

struct Options {
  std::uint32_t size = 8, weight_buffers = 2, m = 0, k = 0, n = 0;
  std::uint64_t tiles = 3, seed = 1;
  double backpressure = 0.0;
  std::string wave;
};

void usage() {
  std::fprintf(stderr,
               "usage: matmul_core_tb [--size 4|8|16|32] [--weight-buffers 1|2] [--tiles N]\n"
               "                      [--m M --k K --n N] [--seed S] [--backpressure P] [--wave out.fst]\n"
               "  Without --m/--k/--n each run draws a random shape (seeded), as validate-rtl does.\n");
}

// Drives both cores from a thread, as a tile would; simulated time advances by the RTL's
// counted cycles at 1 GHz so the SystemC clock and the RTL's cycle count line up.
struct Top : sc_core::sc_module {
  Options o;
  dm::ArrayGeometry g;
  // Built during elaboration so a size that was not built fails before sc_start.
  std::unique_ptr<dm::RtlMatmulCore> rtl;
  int rc = 0;
  Top(sc_core::sc_module_name n, const Options& opt)
      : sc_module(n), o(opt), g{o.size, o.size, o.weight_buffers}, rtl(dm::make_rtl_matmul_core(g, {o.wave, {}}, "--size")) {
    sc_core::sc_spawn([this] { run(); }, "run");
  }

  void run() {
    dm::TlmSystolicCore tlm(g);
    dm::ValidateRow row;
    std::printf("%5s %5s %5s %5s %5s %4s %12s %12s  %s\n", "run", "m", "k", "n", "tiles", "bp", "rtl_cycles",
                "tlm_cycles", "data");
    for (std::uint64_t i = 0; row.tiles < o.tiles; ++i) {
      dm::ConformanceRun run = dm::make_conformance_run(g, o.seed, i);
      if (o.m) {
        // A fixed shape with a recognisable ramp of data, easy to follow in the waveform.
        run.shape = {o.m, o.k ? o.k : o.size, o.n ? o.n : o.size};
        for (auto& t : run.tiles) {
          t.weights.assign(static_cast<std::size_t>(run.shape.k) * run.shape.n, 0);
          t.acts.assign(static_cast<std::size_t>(run.shape.m) * run.shape.k, 0);
          for (std::size_t j = 0; j < t.weights.size(); ++j) t.weights[j] = static_cast<std::int8_t>(j * 7 + i);
          for (std::size_t j = 0; j < t.acts.size(); ++j) t.acts[j] = static_cast<std::int8_t>(j * 13 + 3 * i);
        }
      }
      run.backpressure = o.backpressure > 0 ? dm::ResultBackpressure{o.seed + i, o.backpressure, 4}
                                            : dm::ResultBackpressure{};
      const auto before = row;
      dm::compare_run(*rtl, tlm, run, i, row);
      const auto cycles = row.rtl_cycles - before.rtl_cycles;
      const bool cycles_ok = row.cycle_mismatches == before.cycle_mismatches;
      std::printf("%5llu %5u %5u %5u %5zu %4s %12llu %12s  %s\n", static_cast<unsigned long long>(i), run.shape.m,
                  run.shape.k, run.shape.n, run.tiles.size(), run.backpressure.enabled() ? "yes" : "no",
                  static_cast<unsigned long long>(cycles), cycles_ok ? "same" : "DIFFERS",
                  row.data_mismatches == before.data_mismatches ? "match" : "MISMATCH");
      wait(sc_core::sc_time(static_cast<double>(cycles), sc_core::SC_NS));
    }
    std::printf("%llu tiles, %llu RTL cycles (sim time %s), %s\n", static_cast<unsigned long long>(row.tiles),
                static_cast<unsigned long long>(row.rtl_cycles), sc_core::sc_time_stamp().to_string().c_str(),
                row.pass() ? "PASS" : "FAIL");
    if (!o.wave.empty()) std::printf("waveform: %s\n", o.wave.c_str());
    rc = row.pass() ? 0 : 1;
  }
};

}  // namespace

int sc_main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") return usage(), 0;
    if (i + 1 >= argc) return usage(), 2;
    const char* v = argv[++i];
    if (a == "--size") o.size = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--weight-buffers") o.weight_buffers = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--tiles") o.tiles = std::strtoull(v, nullptr, 10);
    else if (a == "--m") o.m = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--k") o.k = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--n") o.n = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--seed") o.seed = std::strtoull(v, nullptr, 10);
    else if (a == "--backpressure") o.backpressure = std::strtod(v, nullptr);
    else if (a == "--wave") o.wave = v;
    else return usage(), 2;
  }
  if ((o.k || o.n) && !o.m) return usage(), 2;
  try {
    Top top("tb", o);
    sc_core::sc_start();
    return top.rc;
  } catch (const decodesim::config::InputError& e) {
    std::fprintf(stderr, "matmul_core_tb: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "matmul_core_tb: %s\n", e.what());
    return 3;
  }
}
