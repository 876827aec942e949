// gpu_tb: the microbenchmarks of te42kyfo/gpu-benches (github.com/te42kyfo/gpu-benches) on a GPU system config.
//
//   gpu_tb --system configs/systems/gpu_h100.yaml [--json]
//       [--set gpu.sm.max_inflight_bytes=8192] [--stream-bytes 1GiB] [--gemm MxNxK | --read-block N]
//
// - pointer chase: dependent 64 B loads from SM 0 over a footprint in L1, in L2 slices of SM 0's
//   partition (near), in the other partition's slices (far), and over 8 GiB (HBM); mean cycles.
// - streaming read: every SM at full occupancy streams a large buffer once (evict-first loads);
//   achieved bandwidth and % of spec HBM bandwidth.
// - L2 bandwidth: a buffer half the L2's size, placed in L2 by one pass, then read 16 times over
//   by many 256 KB CTAs as gpu-benches' gpu-l2-cache kernel does (launch and tails amortised).
// - dense GEMM (--gemm MxNxK, instead of the above): bf16 C = A·B with CUTLASS-style 128×256 CTA
//   tiles, operands packed in k-chunks so co-resident CTAs share them in L2; TFLOP/s.
// - cuda-stream read kernel (--read-block THREADS, instead of the above): gpu-benches'
//   cuda-stream/gpu-stream `read_kernel`, one 8 B load per thread and then exit, two CTAs of
//   THREADS threads per SM, over 1 GiB. Bytes in flight per SM are 16 B × THREADS, so the
//   bandwidth measures Little's law: latency under load plus each CTA's launch and retire.
// Exit status: 0 success, 2 bad input, 3 simulation failure.
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <systemc>

#include <cstdio>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include "common/base/sc_time_conv.h"
#include "gpu/gpu_tile.h"
#include "memory/hbm/hbm.h"
#include "system/system_config.h"

using namespace decodesim;

namespace {

struct Results {
  double l1 = 0, near = 0, far = 0, hbm = 0;  // cycles
  double stream_bps = 0, l2_bps = 0;
  double gemm_flops_per_s = 0;
  double read_bps = 0, read_occupancy = 0;  // occupancy: resident threads / max threads per SM
};

struct GemmShape {
  std::uint64_t m = 0, n = 0, k = 0;
};

struct Top : sc_core::sc_module {
  memory::Hbm hbm;
  gpu::GpuTile tile;
  const system::SystemConfig& cfg;
  Bytes stream_bytes;
  GemmShape gemm;
  std::uint32_t read_block;  ///< > 0: run only the cuda-stream read kernel at this block size
  Results res;
  bool done = false;

  Top(sc_core::sc_module_name n, const system::SystemConfig& c, Bytes stream, GemmShape g, std::uint32_t read)
      : sc_module(n), hbm("hbm", c.hbm), tile("sm_cluster", c.gpu, memory::TlmSettings{}, 0), cfg(c),
        stream_bytes(stream), gemm(g), read_block(read) {
    // Connect
    memory::bind_memory(tile.mem, hbm);
    sc_core::sc_spawn([this] { bench(); }, "bench");
  }

  /// Mean latency, in SM cycles, of `n` dependent 64 B loads at the given addresses.
  double chase(const std::vector<Bytes>& addrs, gpu::Traffic t, Picos& now) {
    const ClockDomain clk(cfg.gpu.clock_ghz);
    // One warm-up lap places the footprint where the test wants it (L1 or L2); then measure.
    for (Bytes a : addrs) now = tile.mem.read(0, a, 64, t, now).done;
    const Picos t0 = now;
    for (Bytes a : addrs) now = tile.mem.read(0, a, 64, t, now).done;
    return static_cast<double>(clk.to_cycles(now - t0)) / static_cast<double>(addrs.size());
  }

  /// Addresses of `count` 64 B lines spread over blocks whose L2 slice is in partition `part`
  /// (or any partition when part < 0), inside [base, base + span), in a shuffled order.
  std::vector<Bytes> lines(Bytes base, Bytes span, std::size_t count, int part, std::mt19937_64& rng) {
    std::vector<Bytes> out;
    std::uniform_int_distribution<Bytes> pick(0, span / 64 - 1);
    while (out.size() < count) {
      const Bytes a = base + pick(rng) * 64;
      if (part >= 0 && static_cast<int>(tile.mem.partition_of_slice(tile.mem.slice_of(a))) != part) continue;
      out.push_back(a);
    }
    return out;
  }

  /// CTA i reads bytes [i·per_cta, (i+1)·per_cta) of [base, base + bytes), the last CTA what is
  /// left, and computes nothing. The caller sets the launch shape.
  static gpu::Grid contiguous_read_grid(std::string name, Bytes base, Bytes bytes, Bytes per_cta) {
    gpu::Grid g;
    g.name = std::move(name);
    g.ctas = ceil_div(bytes, per_cta);
    g.accesses = [base, bytes, per_cta](std::uint64_t i, std::vector<gpu::MemAccess>& rd,
                                        std::vector<gpu::MemAccess>&) {
      const Bytes lo = i * per_cta, hi = std::min(bytes, lo + per_cta);
      rd.push_back({base + lo, hi - lo, gpu::Traffic::Weights});
    };
    g.compute = [](std::uint64_t) { return gpu::CtaCompute{}; };
    return g;
  }

  /// A grid-stride read kernel: `ctas_per_sm` CTAs of 1024 threads per SM (two resident at once).
  gpu::Grid stream_grid(Bytes base, Bytes bytes, std::uint32_t ctas_per_sm) {
    const Bytes per_cta = std::max<Bytes>(4096, bytes / (ctas_per_sm * cfg.gpu.sms) / 4096 * 4096);
    gpu::Grid g = contiguous_read_grid("stream", base, bytes, per_cta);
    g.threads = 1024;
    g.regs_per_thread = 32;
    g.inflight_bytes = 1024 * 32;  // two 16 B loads per thread in flight, as a grid-stride read kernel
    return g;
  }

  /// gpu-benches' cuda-stream `read_kernel` (cuda-stream/main.cu): CTA i of `block` threads
  /// loads one double per thread, block × 8 contiguous bytes, and exits. The kernel's 6 KB
  /// shared-memory "spoiler" and carve-out hint hold it to two CTAs per SM; here each CTA asks
  /// for half the SM's shared memory, which does the same. 128 Mi doubles, as the benchmark.
  gpu::Grid read_grid(Bytes base, std::uint32_t block) {
    const Bytes per_cta = Bytes{block} * 8;
    gpu::Grid g = contiguous_read_grid("stream_read_kernel", base, kReadKernelBytes, per_cta);
    g.threads = block;
    g.regs_per_thread = 16;
    g.smem_bytes = cfg.gpu.sm.shared_memory_bytes / 2;
    g.inflight_bytes = static_cast<std::uint32_t>(per_cta);
    return g;
  }
  static constexpr Bytes kReadKernelBytes = Bytes{128} << 23;  // 128 Mi doubles

  /// gpu-benches' L2 kernel (gpu-l2-cache/main.cu, sumKernel<32, 1024>): many CTAs of 1024
  /// threads, each reading one 256 KB chunk (32 doubles per thread) of an L2-resident buffer,
  /// chunk = CTA index mod chunks. The run moves many times the buffer, so CTA launch, ramp-up
  /// and the last wave's tail are amortised as in the measurement (100 000 CTAs there).
  gpu::Grid l2_grid(Bytes base, Bytes buffer, std::uint64_t ctas) {
    gpu::Grid g;
    constexpr Bytes kChunk = 1024 * 32 * 8;
    const Bytes chunks = std::max<Bytes>(1, buffer / kChunk);
    g.name = "l2_read";
    g.threads = 1024;
    g.regs_per_thread = 32;
    g.inflight_bytes = 1024 * 32;
    g.ctas = ctas;
    g.accesses = [base, chunks](std::uint64_t i, std::vector<gpu::MemAccess>& rd, std::vector<gpu::MemAccess>&) {
      rd.push_back({base + (i % chunks) * kChunk, kChunk, gpu::Traffic::Weights});
    };
    g.compute = [](std::uint64_t) { return gpu::CtaCompute{}; };
    return g;
  }

  /// A large bf16 GEMM as the workload's prefill GEMMs run (gpu::tiled_gemm_grid): A, packed B
  /// and C in three HBM regions.
  gpu::Grid gemm_grid(Bytes base) {
    gpu::TiledGemm t;
    t.m = gemm.m;
    t.n = gemm.n;
    t.k = gemm.k;
    t.a = base;
    t.b = base + workload_bytes(gemm.m, gemm.k);
    t.c = t.b + workload_bytes(gemm.k, gemm.n);
    return gpu::tiled_gemm_grid(cfg.gpu, t);
  }
  static Bytes workload_bytes(std::uint64_t rows, std::uint64_t cols) {
    const Bytes align = Bytes{1} << 20;
    return (rows * cols * 2 + align - 1) / align * align;
  }

  void bench() {
    if (read_block > 0) {
      const Picos t0 = 1000000;
      const gpu::Grid g = read_grid(Bytes{16} << 30, read_block);
      const Picos t1 = tile.run_grid(g, t0);
      res.read_bps = static_cast<double>(kReadKernelBytes) / picos_to_seconds(t1 - t0);
      res.read_occupancy = static_cast<double>(gpu::occupancy(cfg.gpu, g)) * g.threads / cfg.gpu.sm.max_threads;
      done = true;
      return;
    }
    if (gemm.m > 0) {
      const Picos t0 = 1000000;
      const Picos t1 = tile.run_grid(gemm_grid(Bytes{1} << 32), t0);
      res.gemm_flops_per_s = 2.0 * gemm.m * gemm.n * gemm.k / picos_to_seconds(t1 - t0);
      done = true;
      return;
    }
    std::mt19937_64 rng(1);
    Picos now = 0;
    const Bytes l1 = cfg.gpu.l1.capacity_bytes, l2 = cfg.gpu.l2.capacity_bytes;
    const int near = static_cast<int>(tile.mem.partition_of_sm(0));
    const int far = (near + 1) % static_cast<int>(cfg.gpu.l2.partitions);
    res.l1 = chase(lines(0, l1 / 2, 64, -1, rng), gpu::Traffic::Activation, now);
    res.near = chase(lines(Bytes{1} << 30, l2 / 4, 4096, near, rng), gpu::Traffic::Weights, now);
    res.far = chase(lines(Bytes{2} << 30, l2 / 4, 4096, far, rng), gpu::Traffic::Weights, now);
    // HBM: four times as many blocks as L2 holds, visited cyclically, so LRU keeps none of them.
    const std::size_t hbm_lines = static_cast<std::size_t>(4 * l2 / cfg.gpu.l2.block_bytes);
    res.hbm = chase(lines(Bytes{4} << 30, Bytes{8} << 30, hbm_lines, -1, rng), gpu::Traffic::Weights, now);

    const Bytes sbase = Bytes{16} << 30;
    Picos t0 = now + 1000000;
    Picos t1 = tile.run_grid(stream_grid(sbase, stream_bytes, 16), t0);
    res.stream_bps = static_cast<double>(stream_bytes) / picos_to_seconds(t1 - t0);

    const Bytes l2_buf = l2 / 2, l2_base = Bytes{32} << 30;
    // A first pass places the buffer in L2; the timed grid then reads it 16 times over.
    t0 = tile.run_grid(stream_grid(l2_base, l2_buf, 2), t1 + 1000000) + 1000000;
    const gpu::Grid l2g = l2_grid(l2_base, l2_buf, 16 * (l2_buf / (1024 * 32 * 8)));
    t1 = tile.run_grid(l2g, t0);
    res.l2_bps = static_cast<double>(l2g.ctas * 1024 * 32 * 8) / picos_to_seconds(t1 - t0);
    done = true;
  }
};

Bytes parse_size(const std::string& s) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(s, &pos);
  } catch (const std::exception&) {
    throw config::InputError("--stream-bytes: expected a size, got '" + s + "'");
  }
  const std::string unit = s.substr(pos);
  double mult = 1;
  if (unit == "MiB") mult = 1024.0 * 1024;
  else if (unit == "GiB") mult = 1024.0 * 1024 * 1024;
  else if (unit == "MB") mult = 1e6;
  else if (unit == "GB") mult = 1e9;
  else if (!unit.empty())
    throw config::InputError("--stream-bytes: unknown unit, got '" + unit + "', allowed B, MB, GB, MiB, GiB");
  if (v * mult < 1e6) throw config::InputError("--stream-bytes: at least 1 MB, got '" + s + "'");
  return static_cast<Bytes>(v * mult);
}

GemmShape parse_gemm(const std::string& s) {
  GemmShape g;
  char x1 = 0, x2 = 0;
  std::istringstream in(s);
  if (!(in >> g.m >> x1 >> g.n >> x2 >> g.k) || x1 != 'x' || x2 != 'x' || !in.eof() || g.m == 0 || g.n == 0 ||
      g.k == 0 || g.m > (1u << 20) || g.n > (1u << 20) || g.k > (1u << 20))
    throw config::InputError("--gemm: expected MxNxK, each in [1, 1048576], got '" + s + "'");
  return g;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"gpu_tb: pointer-chase latency, streaming and L2 bandwidth of a GPU config"};
  std::string system_file, stream_text = "1GiB", gemm_text;
  std::uint32_t read_block = 0;
  std::vector<std::string> sets;
  bool json = false;
  app.add_option("--system", system_file, "GPU system YAML (e.g. configs/systems/gpu_h100.yaml)")->required();
  app.add_option("--set", sets, "override a key, e.g. gpu.sm.max_inflight_bytes=8192 (repeatable)");
  app.add_option("--stream-bytes", stream_text, "bytes the streaming read moves (default 1GiB)");
  app.add_option("--gemm", gemm_text, "run only a dense bf16 GEMM of shape MxNxK, e.g. 8192x16384x16384");
  const CLI::Option* read_opt = app.add_option("--read-block", read_block,
                 "run only gpu-benches' cuda-stream read kernel, two CTAs of this many threads per SM "
                 "(a multiple of 32, 32 to 1024)");
  app.add_flag("--json", json, "print one JSON object instead of the table");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    const auto cfg = system::load_system(system_file, "configs", sets);
    if (cfg.system.arch != system::Arch::Gpu)
      throw config::InputError(config::loc_of(cfg.tree.find("system"), "arch"), "system.arch",
                               "gpu_tb needs a GPU system", system::arch_name(cfg.system.arch), "gpu");
    const Bytes stream = parse_size(stream_text);
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    const GemmShape gemm = gemm_text.empty() ? GemmShape{} : parse_gemm(gemm_text);
    if (read_opt->count() > 0 && (read_block == 0 || read_block % 32 != 0 || read_block > 1024))
      throw config::InputError("--read-block: expected a multiple of 32 from 32 to 1024, got '" +
                               std::to_string(read_block) + "'");
    if (read_block != 0 && gemm.m > 0) throw config::InputError("--read-block and --gemm: give one of them");
    Top top("top", cfg, stream, gemm, read_block);
    sc_core::sc_start();
    if (!top.done) {
      std::cerr << "gpu_tb: simulation failed: benchmark did not finish\n";
      return 3;
    }
    const Results& r = top.res;
    const double spec = cfg.hbm.peak_bytes_per_s();
    if (read_block > 0) {
      const double occupancy = r.read_occupancy;
      if (json)
        std::cout << nlohmann::json{{"read_bytes_per_s", r.read_bps},
                                    {"read_fraction", r.read_bps / spec},
                                    {"occupancy", occupancy},
                                    {"hbm_spec_bytes_per_s", spec}}.dump()
                  << "\n";
      else
        std::printf("cuda-stream read kernel, 2 CTAs x %u threads per SM (%.1f%% occupancy): %.0f GB/s, %.1f%% of spec\n",
                    read_block, 100 * occupancy, r.read_bps / 1e9, 100 * r.read_bps / spec);
      return 0;
    }
    if (gemm.m > 0) {
      const double peak = cfg.gpu.peak_flops(DType::BF16);
      if (json)
        std::cout << nlohmann::json{{"gemm_flops_per_s", r.gemm_flops_per_s},
                                    {"gemm_fraction", r.gemm_flops_per_s / peak},
                                    {"peak_flops", peak}}.dump()
                  << "\n";
      else
        std::printf("dense bf16 GEMM %s: %.1f TFLOP/s, %.1f%% of %.1f peak\n", gemm_text.c_str(),
                    r.gemm_flops_per_s / 1e12, 100 * r.gemm_flops_per_s / peak, peak / 1e12);
      return 0;
    }
    if (json) {
      nlohmann::json j = {{"l1_cycles", r.l1},          {"l2_near_cycles", r.near}, {"l2_far_cycles", r.far},
                          {"hbm_cycles", r.hbm},        {"stream_bytes_per_s", r.stream_bps},
                          {"stream_fraction", r.stream_bps / spec}, {"l2_bytes_per_s", r.l2_bps},
                          {"l2_over_hbm", r.l2_bps / r.stream_bps}, {"hbm_spec_bytes_per_s", spec}};
      std::cout << j.dump() << "\n";
    } else {
      // The right-hand column is gpu-benches' H100 PCIe figures whatever the config; each chip's own
      // published figures (A100-80GB's latencies among them) are in docs/VALIDATION.md.
      std::printf("%-22s %10s %12s\n", "microbenchmark", "model", "H100 PCIe");
      std::printf("%-22s %10.1f %12s\n", "L1 hit (cycles)", r.l1, "34");
      std::printf("%-22s %10.1f %12s\n", "L2 near (cycles)", r.near, "~265");
      std::printf("%-22s %10.1f %12s\n", "L2 far (cycles)", r.far, "~470");
      std::printf("%-22s %10.1f %12s\n", "HBM (cycles)", r.hbm, "~655");
      std::printf("%-22s %9.1f%% %12s\n", "stream read % of spec", 100 * r.stream_bps / spec, "~97 %");
      std::printf("%-22s %8.2f TB/s %10s\n", "L2 bandwidth", r.l2_bps / 1e12, "");
      std::printf("%-22s %10.2f %12s\n", "L2 / stream bandwidth", r.l2_bps / r.stream_bps, "~2");
    }
    return 0;
  } catch (const config::InputError& e) {
    std::cerr << "gpu_tb: error: " << e.what() << "\n";
    return 2;
  }
}
