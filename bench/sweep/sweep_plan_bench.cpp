// Sweep validation benchmark: `decodesim sweep SPEC --dry-run` on a generated spec of 100,000
// points (or the count given as the argument, a multiple of 100), which expands the grid and
// resolves every point as its child would, running nothing. Prints the wall time and the time
// per point. Printed, never asserted: these machines are shared and noisy.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "driver/spawn.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  const std::string bin = std::string(DECODESIM_BINARY_DIR) + "/apps/decodesim/decodesim";
  const long points = argc > 1 ? std::atol(argv[1]) : 100000;
  const fs::path dir = fs::temp_directory_path() / ("decodesim-plan-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string spec = (dir / "grid.yaml").string();
  // Two axes whose product is `points`: context varies the scenario, the clock the system.
  std::ofstream(spec) << "name: plan_bench\nbase: {system: tpu_v5e, model: llama2_7b}\naxes:\n"
                      << "  - key: scenario.context\n    range: {from: 1, to: " << points / 100 << ", step: 1}\n"
                      << "  - key: tpu.clock_ghz\n    range: {from: 0.5, to: 1.49, step: 0.01}\n"
                      << "columns: [tokens_per_s]\n";
  const auto r = decodesim::driver::run_child({bin, "sweep", spec, "--dry-run"}, (dir / "points.txt").string(), 3600);
  std::error_code ec;
  std::printf("sweep plan bench: %ld points validated in %.2f s = %.3f ms per point (exit %d)\n", points, r.wall_s,
              1e3 * r.wall_s / static_cast<double>(points), r.exit_code);
  if (r.exit_code != 0) std::printf("%s", r.stderr_text.c_str());
  fs::remove_all(dir, ec);
  return r.exit_code == 0 ? 0 : 1;
}
