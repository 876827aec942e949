// rtl_build_bench: what an architect waits for when `impl: rtl` meets a size (or a design)
// that is not prebuilt. For each size: the wall time of a cold on-demand build (Verilate +
// compile + link into a fresh cache; the Verilator runtime compiled once, reported on its
// own line), the time to load the cached model on a second use, and the model's speed in
// array-cycles/s on a compute-heavy stream. Printed, never asserted.
//
// --sc times the SystemC-mode builds of impl: rtl_sc instead (ensure_rtl_sc_model; their
// speed: matmul_bench --twin-so). --keep leaves the cache in place and prints each model's path.
//
//   rtl_build_bench [--sizes 12,24,64] [--cycles N] [--sc] [--keep]
#include <systemc>  // declares sc_main extern "C"
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "matmul/rtl_build.h"
#include "matmul/rtl_matmul_core.h"

namespace dm = decodesim::matmul;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

int sc_main(int argc, char** argv) {
  std::string sizes = "12,24,64";
  std::uint64_t cycles = 200000;
  bool sc = false, keep = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--sc")) sc = true;
    else if (!std::strcmp(argv[i], "--keep")) keep = true;
    else if (i + 1 < argc && !std::strcmp(argv[i], "--sizes")) sizes = argv[++i];
    else if (i + 1 < argc && !std::strcmp(argv[i], "--cycles")) cycles = std::strtoull(argv[++i], nullptr, 10);
  }
  // A fresh cache, so every build is cold; removed at the end.
  const fs::path cache = fs::temp_directory_path() / ("decodesim-rtl-build-bench-" + std::to_string(::getpid()));
  ::setenv("DECODESIM_RTL_CACHE", cache.c_str(), 1);
  std::ostringstream quiet;  // the builds' progress lines; the figures are what this prints

  std::printf("on-demand RTL build (cold cache %s)\n", cache.c_str());
  const dm::RtlDesign design = dm::builtin_rtl_design();
  {
    // The Verilator runtime is compiled once per cache; build a 2x2 first so it is timed alone.
    const auto t0 = Clock::now();
    dm::ensure_rtl_model(design, {2, 2, 2}, false, quiet);
    std::printf("%-34s %8.1f s (Verilator runtime, once per user, + a 2x2 model)\n", "first build", since(t0));
  }
  std::stringstream ss(sizes);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const std::uint32_t n = static_cast<std::uint32_t>(std::stoul(part));
    const dm::ArrayGeometry g{n, n, 2};
    auto t0 = Clock::now();
    if (sc) {
      const std::string so = dm::ensure_rtl_sc_model(design, g, quiet);
      const double build_s = since(t0);
      t0 = Clock::now();
      dm::ensure_rtl_sc_model(design, g, quiet);  // second use: found in the cache
      std::printf("%3ux%-3u SystemC-mode build %7.1f s  lookup %6.3f s  (%s)\n", n, n, build_s, since(t0),
                  keep ? so.c_str() : fs::path(so).parent_path().filename().c_str());
      continue;
    }
    const std::string so = dm::ensure_rtl_model(design, g, false, quiet);
    const double build_s = since(t0);
    t0 = Clock::now();
    auto core = dm::make_rtl_matmul_core(g);  // second use: found in the cache and loaded
    const double load_s = since(t0);
    // Compute-heavy stream: full tiles, m = 2n, back to back, timing only.
    const dm::TileShape shape{2 * n, n, n};
    const std::uint64_t tiles = cycles / (2 * n) + 1;
    t0 = Clock::now();
    const std::uint64_t c = core->run_tiles(shape, tiles);
    const double run_s = since(t0);
    std::printf("%3ux%-3u build %7.1f s  load %6.3f s  %10llu cycles in %7.3f s  %10.3e array-cycles/s  (%s)\n", n, n,
                build_s, load_s, static_cast<unsigned long long>(c), run_s, static_cast<double>(c) / run_s,
                fs::path(so).parent_path().filename().c_str());
  }
  std::error_code ec;
  if (!keep) fs::remove_all(cache, ec);
  return 0;
}
