// hbm_tb: drive a DMA engine into an HBM model and report what the memory system achieves.
//
//   hbm_tb --config configs/components/hbm2e.yaml
//       --pattern seq --bytes 1GiB --outstanding 16 --chunk 65536 [--set hbm.refresh=off] [--json]
//
// Exit status: 0 success, 2 bad input, 3 simulation failure.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <systemc>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "common/config/node.h"
#include "memory/dma/dma_engine.h"
#include "memory/hbm/hbm.h"

using namespace decodesim;
using namespace decodesim::memory;

namespace {

struct Top : sc_core::sc_module {
  Hbm hbm;
  DmaEngine dma;
  Top(sc_core::sc_module_name n, const HbmConfig& h, const DmaConfig& d) : sc_module(n), hbm("hbm", h), dma("dma", d) {
    // Connect
    bind_memory(dma, hbm);
  }
};

Bytes parse_size(const std::string& s) {
  std::size_t pos = 0;
  const double v = std::stod(s, &pos);
  const std::string unit = s.substr(pos);
  double mult = 1;
  if (unit == "KiB") mult = 1024.0;
  else if (unit == "MiB") mult = 1024.0 * 1024;
  else if (unit == "GiB") mult = 1024.0 * 1024 * 1024;
  else if (unit == "KB") mult = 1e3;
  else if (unit == "MB") mult = 1e6;
  else if (unit == "GB") mult = 1e9;
  else if (!unit.empty()) throw config::InputError("--bytes: unknown unit, got '" + unit + "', allowed B, KB, MB, GB, KiB, MiB, GiB");
  if (v <= 0) throw config::InputError("--bytes: must be positive, got '" + s + "'");
  return static_cast<Bytes>(v * mult);
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"hbm_tb: stream or random-read through DMA -> HBM and report bandwidth"};
  std::string config_file, pattern = "seq", bytes_text = "1GiB";
  std::vector<std::string> sets;
  unsigned outstanding = 0, chunk = 0;
  std::uint64_t seed = 1;
  app.add_option("--config", config_file, "YAML with an hbm: (and optional dma:) section")->required();
  app.add_option("--set", sets, "override a key, e.g. hbm.refresh=off (repeatable)");
  app.add_option("--pattern", pattern, "seq or random (64-byte reads at random aligned addresses)")
      ->check(CLI::IsMember({"seq", "random"}));
  app.add_option("--bytes", bytes_text, "bytes to move (suffixes KB MB GB KiB MiB GiB)");
  app.add_option("--outstanding", outstanding, "overrides dma.max_outstanding");
  app.add_option("--chunk", chunk, "overrides dma.chunk_bytes");
  app.add_option("--seed", seed, "random pattern seed");
  bool json = false;
  app.add_flag("--json", json, "print one JSON object instead of the table (decodesim validate reads it)");
  CLI11_PARSE(app, argc, argv);

  HbmConfig hcfg;
  DmaConfig dcfg;
  Bytes total = 0;
  try {
    config::Node root = config::load_file(config_file);
    for (const auto& s : sets) config::apply_set(root, s);
    if (outstanding) config::apply_set(root, "dma.max_outstanding=" + std::to_string(outstanding));
    if (chunk) config::apply_set(root, "dma.chunk_bytes=" + std::to_string(chunk));
    hcfg = HbmConfig::from(root);
    dcfg = DmaConfig::from(root);
    total = parse_size(bytes_text);
    if (total > hcfg.capacity_bytes())
      throw config::InputError("--bytes: larger than the HBM capacity, got " + std::to_string(total) + ", allowed <= " +
                               std::to_string(hcfg.capacity_bytes()));
  } catch (const config::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument&) {
    std::cerr << "--bytes: expected a size such as 1GiB, got '" << bytes_text << "'\n";
    return 2;
  }

  Top top("top", hcfg, dcfg);
  Picos done = 0;
  sc_core::sc_spawn([&] {
    if (pattern == "seq") {
      done = top.dma.transfer(0, total, false, 0);
    } else {
      std::mt19937_64 rng(seed);
      std::uniform_int_distribution<Bytes> pick(0, hcfg.capacity_bytes() / 64 - 1);
      std::vector<DmaDescriptor> d(total / 64);
      for (auto& x : d) x = {pick(rng) * 64, 64, false};
      done = top.dma.transfer(d, 0);
    }
  });
  try {
    sc_core::sc_start();
  } catch (const std::exception& e) {
    std::cerr << "simulation failed: " << e.what() << "\n";
    return 3;
  }

  const double seconds = picos_to_seconds(done);
  const double bw = static_cast<double>(top.dma.bytes_moved()) / seconds;
  const StatGroup& s = top.hbm.stats();
  if (json) {
    const nlohmann::json j = {{"achieved_bytes_per_s", bw},
                              {"peak_bytes_per_s", hcfg.peak_bytes_per_s()},
                              {"of_peak", bw / hcfg.peak_bytes_per_s()},
                              {"row_miss_rate", s.get("row_miss_rate")},
                              {"refresh_stall_share", s.get("refresh_stall_share")}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("config          %s\n", config_file.c_str());
  std::printf("pattern         %s, %llu bytes, chunk %u B, %u outstanding\n", pattern.c_str(),
              static_cast<unsigned long long>(top.dma.bytes_moved()), dcfg.chunk_bytes, dcfg.max_outstanding);
  std::printf("simulated time  %.3f us\n", seconds * 1e6);
  std::printf("achieved        %.1f GB/s\n", bw / 1e9);
  std::printf("peak            %.1f GB/s (%u PCs)\n", hcfg.peak_bytes_per_s() / 1e9, hcfg.pseudo_channel_count());
  std::printf("of peak         %.2f %%\n", 100.0 * bw / hcfg.peak_bytes_per_s());
  std::printf("row-miss rate   %.3f per row access (%.0f row accesses, %.1f bursts per ACT)\n", s.get("row_miss_rate"),
              s.get("row_hits") + s.get("row_misses"), s.get("bursts") / std::max(1.0, s.get("activates")));
  std::printf("mean latency    %.1f ns per DMA chunk, %.1f ns per HBM request\n", top.dma.mean_chunk_latency_ns(),
              s.get("mean_latency"));
  std::printf("refresh stall   %.2f %% of %s time (%.0f refreshes)\n", 100.0 * s.get("refresh_stall_share"),
              hcfg.refresh == RefreshMode::PerBank ? "bank" : "pseudo-channel", s.get("refreshes"));
  return 0;
}
