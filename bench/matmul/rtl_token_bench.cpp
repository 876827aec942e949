// rtl_token_bench: the wall time of one whole decode token with every tile through the RTL
// (issue 12: "the wall time of a full Llama-2-7B token in rtl mode, with progress output").
// The run is `decodesim run` in-process (driver::cmd_run); a thread prints the progress line
// every --every seconds: kernels simulated, tiles through the RTL's pins, the rising edges the
// RTL was clocked for them and those edges per wall second over the whole run so far (the
// array-cycles/s a real run gets, every cost around the RTL included).
// A token that does not finish within --budget seconds is stopped there and its figure
// extrapolated from the share of kernels done (the layers are identical, so after the first
// layer that share is a fair measure), and the output says so. Printed, never asserted.
//
//   rtl_token_bench [--system tpu_v5e] [--model llama2_7b] [--budget 600] [--every 10]
//                   [--set key=value]...   (the tile's matmul.impl=rtl is set for you)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/base/progress.h"
#include "driver/commands.h"
#include "matmul/matmul_core.h"

namespace dd = decodesim::driver;
using Clock = std::chrono::steady_clock;

int sc_main(int argc, char** argv) {
  dd::RunOptions o;
  o.system = "tpu_v5e";
  o.model = "llama2_7b";
  double budget_s = 600, every_s = 10;
  std::vector<std::string> extra;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--system")) o.system = argv[i + 1];
    else if (!std::strcmp(argv[i], "--model")) o.model = argv[i + 1];
    else if (!std::strcmp(argv[i], "--budget")) budget_s = std::strtod(argv[i + 1], nullptr);
    else if (!std::strcmp(argv[i], "--every")) every_s = std::strtod(argv[i + 1], nullptr);
    else if (!std::strcmp(argv[i], "--set")) extra.push_back(argv[i + 1]);
  }
  const std::string tile = o.system.rfind("tpu", 0) == 0 ? "tpu" : o.system.rfind("lpu", 0) == 0 ? "lpu" : "gpu";
  o.sets = {tile + ".matmul.impl=rtl"};
  o.sets.insert(o.sets.end(), extra.begin(), extra.end());
  o.scenario.batch = "1";
  o.scenario.context = "2048";
  o.scenario.tokens = "1";
  o.no_reuse = true;
  o.quiet = true;
  std::printf("one %s token on %s, batch 1, context 2048, no reuse, %s.matmul.impl=rtl (budget %.0f s)\n",
              o.model.c_str(), o.system.c_str(), tile.c_str(), budget_s);
  std::fflush(stdout);

  const auto t0 = Clock::now();
  std::thread watcher([&] {
    for (double next = every_s;; next += every_s) {
      std::this_thread::sleep_until(t0 + std::chrono::duration<double>(next));
      const auto p = decodesim::progress::read();
      const auto& t = decodesim::matmul::core_tally();
      const double el = std::chrono::duration<double>(Clock::now() - t0).count();
      const double share = p.total ? static_cast<double>(p.done) / static_cast<double>(p.total) : 0;
      std::printf("  %7.0f s  %6.2f%% of kernels  %12llu tiles through the RTL  %14llu RTL cycles  %.3e array-cycles/s\n",
                  el, 100 * share, static_cast<unsigned long long>(t.rtl_tiles),
                  static_cast<unsigned long long>(t.rtl_cycles), static_cast<double>(t.rtl_cycles) / el);
      std::fflush(stdout);
      if (el >= budget_s) {
        std::printf("stopped at the budget: %.0f s for %.2f%% of the token, so a whole token takes about %.0f s "
                    "(%.1f h), extrapolated from the share of kernels done\n",
                    el, 100 * share, share > 0 ? el / share : 0.0, share > 0 ? el / share / 3600 : 0.0);
        std::fflush(stdout);
        std::_Exit(0);
      }
    }
  });
  watcher.detach();
  std::ostringstream out, err;
  const int rc = dd::cmd_run(o, out, err);
  const double el = std::chrono::duration<double>(Clock::now() - t0).count();
  if (rc != 0) {
    std::cerr << err.str();
    return rc;
  }
  const auto& t = decodesim::matmul::core_tally();
  std::printf("whole token: %.1f s wall (measured), %llu tiles through the RTL, %llu RTL cycles, %.3e array-cycles/s\n",
              el, static_cast<unsigned long long>(t.rtl_tiles), static_cast<unsigned long long>(t.rtl_cycles),
              static_cast<double>(t.rtl_cycles) / el);
  std::fflush(stdout);
  std::_Exit(0);  // the watcher thread is still asleep
}
