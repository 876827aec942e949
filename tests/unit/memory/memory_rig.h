// Test bench for the memory tests: a DMA engine bound to an HBM, built from a shipped fragment.
// Tests build every rig they need before sc_start (SystemC elaborates once per process) and
// run their body as an SC thread through run().
#pragma once

#include <systemc>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config/node.h"
#include "memory/dma/dma_engine.h"
#include "memory/hbm/hbm.h"

namespace decodesim::memory::test {

inline std::string fragment_path(const std::string& name) {
  return std::string(DECODESIM_SOURCE_DIR) + "/configs/components/" + name + ".yaml";
}

/// Loads a shipped fragment and applies --set style overrides.
inline config::Node load_fragment(const std::string& name, const std::vector<std::string>& sets = {}) {
  config::Node root = config::load_file(fragment_path(name));
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
  /// Streams `bytes` from address 0 starting at t = 0; returns the achieved fraction of peak.
  double stream_fraction(Bytes bytes) {
    const Picos done = dma.transfer(0, bytes, false, 0);
    return static_cast<double>(bytes) / picos_to_seconds(done) / hcfg.peak_bytes_per_s();
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
