// Test bench for the memory tests: a DMA engine bound to an HBM, built from a shipped fragment.
// Tests build every rig they need before sc_start (SystemC elaborates once per process) and
// run their body as an SC thread through run().
#pragma once

#include <systemc>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/sc_time_conv.h"
#include "common/config/node.h"
#include "memory/dma/dma_engine.h"
#include "memory/hbm/hbm.h"

namespace decodesim::memory::test {

inline std::string fragment_path(const std::string& name) {
  return std::string(DECODESIM_SOURCE_DIR) + "/configs/components/" + name + ".yaml";
}

/// The DMA engine a TPU pairs with each memory: the fragments hold the memory only (the `dma:`
/// section belongs to the systems that have a DMA engine), so the rig supplies the engine the
/// shipped systems use with that memory (configs/systems/tpu_v4.yaml for HBM2, tpu_v5e.yaml for
/// HBM2e; HBM3 keeps the window its 160 pseudo-channels need).
inline std::vector<std::string> dma_for(const std::string& fragment) {
  if (fragment == "hbm2") return {"dma.chunk_bytes=65536", "dma.max_outstanding=24"};
  if (fragment == "hbm3") return {"dma.chunk_bytes=131072", "dma.max_outstanding=24"};
  return {"dma.chunk_bytes=65536", "dma.max_outstanding=16"};
}

/// Loads a shipped fragment, its DMA engine, and applies --set style overrides.
inline config::Node load_fragment(const std::string& name, const std::vector<std::string>& sets = {}) {
  config::Node root = config::load_file(fragment_path(name));
  for (const auto& s : dma_for(name)) config::apply_set(root, s);
  for (const auto& s : sets) config::apply_set(root, s);
  return root;
}

struct Rig : sc_core::sc_module {
  HbmConfig hcfg;
  DmaConfig dcfg;
  Hbm hbm;
  DmaEngine dma;
  Rig(sc_core::sc_module_name n, const config::Node& root)
      : sc_module(n), hcfg(HbmConfig::from(root)), dcfg(DmaConfig::from(root)), hbm("hbm", hcfg), dma("dma", dcfg) {
    // Connect
    bind_memory(dma, hbm);
  }
  /// Streams `bytes` from address 0 starting now; returns the seconds it took. "Now", not t = 0:
  /// the DMA is an LT initiator whose quantum keeper syncs SystemC time, so a rig run after
  /// another in the same thread starts where the first one left the clock.
  double stream_seconds(Bytes bytes) {
    const Picos start = sc_now_picos();
    return picos_to_seconds(dma.transfer(0, bytes, false, start) - start);
  }
  /// The achieved fraction of peak of a stream of `bytes` from address 0.
  double stream_fraction(Bytes bytes) {
    return static_cast<double>(bytes) / stream_seconds(bytes) / hcfg.peak_bytes_per_s();
  }
};

inline std::unique_ptr<Rig> make_rig(const std::string& name, const std::string& fragment,
                                     const std::vector<std::string>& sets = {}) {
  return std::make_unique<Rig>(name.c_str(), load_fragment(fragment, sets));
}

/// Runs `body` as the simulation's only thread.
inline void run(const std::function<void()>& body) {
  sc_core::sc_spawn(body);
  sc_core::sc_start();
}

}  // namespace decodesim::memory::test
