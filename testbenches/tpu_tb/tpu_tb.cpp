// TPU tile testbench: one kernel on one chip of a shipped (or your) system, to see how a
// single GEMM or attention maps onto the MXUs and what bounds it.
//
//   tpu_tb --system tpu_v5e --gemm 1x4096x11008 [--set k=v ...] [--trace out.json]
//   tpu_tb --system tpu_v5e --attention 32x1x128x2048     (groups x m x head_dim x context)
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "memory/hbm/hbm.h"
#include "system/system_config.h"
#include "tpu/tpu_tile.h"

using namespace decodesim;

namespace {

std::vector<std::uint64_t> dims(const std::string& s, std::size_t n) {
  std::vector<std::uint64_t> v;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, 'x')) v.push_back(std::strtoull(part.c_str(), nullptr, 10));
  if (v.size() != n) {
    std::fprintf(stderr, "tpu_tb: expected %zu dimensions separated by 'x', got '%s'\n", n, s.c_str());
    std::exit(2);
  }
  return v;
}

}  // namespace

int sc_main(int argc, char** argv) {
  std::string system = "tpu_v5e", gemm, attention, trace_file;
  std::vector<std::string> sets;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) { std::fprintf(stderr, "tpu_tb: %s needs a value\n", a.c_str()); std::exit(2); }
      return argv[++i];
    };
    if (a == "--system") system = next();
    else if (a == "--gemm") gemm = next();
    else if (a == "--attention") attention = next();
    else if (a == "--set") sets.push_back(next());
    else if (a == "--trace") trace_file = next();
    else {
      std::fprintf(stderr,
                   "usage: tpu_tb [--system S] (--gemm MxKxN | --attention GxMxDxCTX) [--set k=v] [--trace F]\n");
      return 2;
    }
  }
  system::SystemConfig cfg;
  try {
    cfg = system::load_system(system, std::string(DECODESIM_SOURCE_DIR) + "/configs", sets);
  } catch (const config::InputError& e) {
    std::fprintf(stderr, "tpu_tb: error: %s\n", e.what());
    return 2;
  }
  Kernel k;
  k.name = "kernel";
  if (!attention.empty()) {
    const auto d = dims(attention, 4);
    k.kind = KernelKind::Attention;
    k.op = "attn";
    k.layer = 0;
    k.groups = d[0];
    k.m = d[1];
    k.k = d[2];
    k.n = d[3];
    k.kv_read_bytes = 2 * k.groups * k.n * k.k * 2;
    k.flops = 4 * k.m * k.k * k.n * k.groups;
    k.vector_ops = 6 * k.m * k.n * k.groups;
  } else {
    const auto d = dims(gemm.empty() ? "1x4096x4096" : gemm, 3);
    k.kind = KernelKind::Gemm;
    k.op = "gemm";
    k.m = d[0];
    k.k = d[1];
    k.n = d[2];
    k.weight_bytes = k.k * k.n * 2;
    k.flops = 2 * k.m * k.k * k.n;
  }
  KernelGraph g;
  g.layers = 1;
  g.context = k.kind == KernelKind::Attention ? k.n : 1;
  g.kernels.push_back(k);

  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  memory::Hbm hbm("hbm", cfg.hbm);
  tpu::TpuTile tile("tile", cfg.tpu, cfg.dma, memory::TlmSettings{}, 0);
  memory::bind_memory(tile.dma, hbm);
  TraceWriter trace;
  trace.enable(!trace_file.empty());
  if (!trace_file.empty()) {
    tile.set_trace(&trace);
    hbm.set_trace(&trace, 0);
  }
  tile.load({g}, {plan_memory(g, g.context)});
  sc_core::sc_start();

  const KernelRecord& r = tile.records().at(0);
  const double t = picos_to_seconds(r.duration());
  std::printf("%s on %s: %s\n", kernel_kind_name(k.kind), cfg.system.name.c_str(),
              attention.empty() ? gemm.c_str() : attention.c_str());
  std::printf("  time        %.3f us (%llu cycles at %.2f GHz)\n", t * 1e6, static_cast<unsigned long long>(r.cycles),
              cfg.tpu.clock_ghz);
  std::printf("  roofline    %.3f us   ratio %.3f\n", picos_to_seconds(r.roofline) * 1e6,
              r.roofline ? t / picos_to_seconds(r.roofline) : 0.0);
  std::printf("  HBM bytes   %llu  (%.1f GB/s, %.1f%% of peak)\n", static_cast<unsigned long long>(r.mem_bytes),
              r.mem_bytes / t / 1e9, 100.0 * r.mem_bytes / t / cfg.hbm.peak_bytes_per_s());
  std::printf("  bound       %s\n", r.bound.c_str());
  for (const auto& [part, v] : r.breakdown)
    if (v)
      std::printf("  %-16s %.3f us (%.0f%%)\n", time_part_name(part), picos_to_seconds(v) * 1e6,
                  100 * picos_to_seconds(v) / t);
  std::printf("  HBM row accesses needing an ACT %.3f, column commands hitting an open row %.3f\n",
              hbm.row_miss_rate(), hbm.stats().get("column_row_hit_rate"));
  if (!trace_file.empty()) std::ofstream(trace_file) << trace.to_json();
  return 0;
}
