// Simulation speed of the memory path: stream 13.5 GB (one Llama-2-7B bf16 decode token's
// weights) through DMA -> HBM on configs/components/hbm2e.yaml. Printed, never asserted.
// Target (DESIGN.md / issue 2): well under 0.5 s of wall time per token on a 2-core machine.
#include <systemc>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/config/node.h"
#include "memory/dma/dma_engine.h"
#include "memory/hbm/hbm.h"

using namespace decodesim;
using namespace decodesim::memory;

namespace {
struct Rig : sc_core::sc_module {
  Hbm hbm;
  DmaEngine dma;
  Rig(sc_core::sc_module_name n, const HbmConfig& h, const DmaConfig& d) : sc_module(n), hbm("hbm", h), dma("dma", d) {
    // Connect
    bind_memory(dma, hbm);
  }
};
}  // namespace

int sc_main(int argc, char* argv[]) {
  const std::string file = argc > 1 ? argv[1] : DECODESIM_SOURCE_DIR "/configs/components/hbm2e.yaml";
  const config::Node root = config::load_file(file);
  const HbmConfig h = HbmConfig::from(root);
  const DmaConfig d = DmaConfig::from(root);
  const Bytes total = 13'500'000'000ULL;
  constexpr int kRepeats = 5;

  std::vector<std::unique_ptr<Rig>> rigs;
  for (int i = 0; i < kRepeats; ++i) rigs.push_back(std::make_unique<Rig>(("rig" + std::to_string(i)).c_str(), h, d));
  std::vector<double> wall;
  std::vector<Picos> sim;
  sc_core::sc_spawn([&] {
    for (auto& r : rigs) {
      const auto t0 = std::chrono::steady_clock::now();
      const Picos done = r->dma.transfer(0, total, false, 0);
      wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      sim.push_back(done);
    }
  });
  sc_core::sc_start();

  std::printf("memory_bench: %s, %.1f GB streamed per repeat, chunk %u B, %u outstanding\n", file.c_str(), total / 1e9,
              d.chunk_bytes, d.max_outstanding);
  for (int i = 0; i < kRepeats; ++i)
    std::printf("  repeat %d: wall %.3f s, simulated %.3f ms (%.1f GB/s simulated, %.1f %% of peak), %.1f GB/s of simulated "
                "bytes per wall second\n",
                i, wall[i], picos_to_seconds(sim[i]) * 1e3, total / picos_to_seconds(sim[i]) / 1e9,
                100.0 * total / picos_to_seconds(sim[i]) / h.peak_bytes_per_s(), total / wall[i] / 1e9);
  std::vector<double> sorted = wall;
  std::sort(sorted.begin(), sorted.end());
  std::printf("median wall time %.3f s per 13.5 GB token (%u TLM transactions each)\n", sorted[kRepeats / 2],
              static_cast<unsigned>(rigs[0]->dma.chunks()));
  return 0;
}
