#include "matmul/validate_rtl.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>

#include "common/config/error.h"
#include "matmul/rtl_matmul_core.h"
#include "matmul/tlm_systolic_core.h"

namespace decodesim::matmul {

namespace {

std::int8_t random_int8(std::mt19937_64& rng, bool extremes_only) {
  // One value in five is an extreme even in ordinary runs, so the corners of the int8 range
  // meet each other in the products and the sums.
  const std::uint64_t r = rng() % (extremes_only ? 2 : 10);
  if (r == 0) return -128;
  if (r == 1) return 127;
  return static_cast<std::int8_t>(static_cast<int>(rng() % 256) - 128);
}

std::uint32_t pick_dim(std::mt19937_64& rng, std::uint32_t full) {
  return rng() % 2 == 0 ? full : 1 + static_cast<std::uint32_t>(rng() % full);
}

}  // namespace

ConformanceRun make_conformance_run(const ArrayGeometry& g, std::uint64_t seed, std::uint64_t index) {
  std::seed_seq seq{seed, index, static_cast<std::uint64_t>(g.rows), static_cast<std::uint64_t>(g.cols),
                    static_cast<std::uint64_t>(g.weight_buffers)};
  std::mt19937_64 rng(seq);
  ConformanceRun run;
  run.shape.k = pick_dim(rng, g.rows);
  run.shape.n = pick_dim(rng, g.cols);
  switch (rng() % 4) {
    case 0: run.shape.m = 1; break;  // decode at batch 1
    case 1: run.shape.m = 1 + static_cast<std::uint32_t>(rng() % g.rows); break;
    case 2: run.shape.m = g.rows + 1 + static_cast<std::uint32_t>(rng() % (2 * g.rows)); break;
    default: run.shape.m = 1 + static_cast<std::uint32_t>(rng() % 4); break;  // short streams
  }
  const std::size_t count = 1 + rng() % 4;
  const bool extremes_only = rng() % 8 == 0;
  run.tiles.resize(count);
  for (TileData& t : run.tiles) {
    t.weights.resize(static_cast<std::size_t>(run.shape.k) * run.shape.n);
    t.acts.resize(static_cast<std::size_t>(run.shape.m) * run.shape.k);
    for (auto& w : t.weights) w = random_int8(rng, extremes_only);
    for (auto& a : t.acts) a = random_int8(rng, extremes_only);
  }
  if (rng() % 3 == 0) {
    run.backpressure.seed = rng();
    run.backpressure.probability = 0.1 + 0.8 * static_cast<double>(rng() % 1000) / 1000.0;
    run.backpressure.max_stall = 1 + static_cast<std::uint32_t>(rng() % 6);
  }
  return run;
}

namespace {

std::string run_text(const ConformanceRun& run) {
  std::ostringstream s;
  s << "m=" << run.shape.m << " k=" << run.shape.k << " n=" << run.shape.n << ", " << run.tiles.size()
    << (run.tiles.size() == 1 ? " tile" : " tiles back to back");
  if (run.backpressure.enabled())
    s << ", result backpressure (seed " << run.backpressure.seed << ", p " << run.backpressure.probability
      << ", max stall " << run.backpressure.max_stall << ")";
  return s.str();
}

}  // namespace

void compare_run(MatmulCore& rtl, MatmulCore& tlm, const ConformanceRun& run, std::uint64_t index, ValidateRow& row) {
  const ArrayGeometry& g = rtl.geometry();
  std::vector<TileData> rtl_tiles = run.tiles;
  std::vector<TileData> tlm_tiles = run.tiles;
  rtl.set_result_backpressure(run.backpressure);
  tlm.set_result_backpressure(run.backpressure);

  std::string failure;
  const Cycles tlm_cycles = tlm.run_tiles(run.shape, tlm_tiles);
  Cycles rtl_cycles = 0;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    rtl_cycles = rtl.run_tiles(run.shape, rtl_tiles);
  } catch (const std::exception& e) {
    // A lost beat or a broken res_last_o: the RTL broke the handshake contract.
    failure = std::string("the RTL broke the handshake: ") + e.what() + "; expected " + std::to_string(tlm_cycles) +
              " cycles (TLM)";
    ++row.cycle_mismatches;
  }
  row.rtl_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  ++row.runs;
  row.rtl_cycles += rtl_cycles;
  for (std::size_t i = 0; i < run.tiles.size() && failure.empty(); ++i) {
    TileData ref = run.tiles[i];
    reference_tile(run.shape, ref);
    if (rtl_tiles[i].out == tlm_tiles[i].out && rtl_tiles[i].out == ref.out) continue;
    ++row.data_mismatches;
    for (std::size_t e = 0; e < ref.out.size(); ++e) {
      if (rtl_tiles[i].out[e] == ref.out[e] && tlm_tiles[i].out[e] == ref.out[e]) continue;
      const std::size_t r = e / run.shape.n, c = e % run.shape.n;
      failure = "tile " + std::to_string(i) + ": first differing output element [vector " + std::to_string(r) +
                "][column " + std::to_string(c) + "]: expected " + std::to_string(ref.out[e]) + " (reference GEMM), got " +
                std::to_string(rtl_tiles[i].out[e]) + " (RTL), " + std::to_string(tlm_tiles[i].out[e]) + " (TLM)";
      break;
    }
  }
  if (failure.empty() && rtl_cycles != tlm_cycles) {
    ++row.cycle_mismatches;
    failure = "cycles rtl " + std::to_string(rtl_cycles) + " tlm " + std::to_string(tlm_cycles) +
              ": from the first weight beat to the last result, expected " + std::to_string(tlm_cycles) +
              " (TLM), got " + std::to_string(rtl_cycles) + " (RTL)";
  }
  for (const TileData& t : run.tiles) {
    for (std::int8_t v : t.weights) row.extreme_values += (v == -128 || v == 127);
    for (std::int8_t v : t.acts) row.extreme_values += (v == -128 || v == 127);
  }
  row.tiles += run.tiles.size();
  if (run.shape.k < g.rows || run.shape.n < g.cols) row.partial_tiles += run.tiles.size();
  if (run.shape.m == 1) row.m1_tiles += run.tiles.size();
  if (run.shape.m > g.rows) row.m_over_rows_tiles += run.tiles.size();
  row.back_to_back_runs += run.tiles.size() > 1;
  row.backpressure_runs += run.backpressure.enabled();
  if (!failure.empty() && !row.failed_run_recorded) {
    row.first_failure = "run " + std::to_string(index) + " (" + run_text(run) + "): " + failure;
    row.failed_run_recorded = true;
    row.failed_run = run;
    row.failed_index = index;
  }
}

std::string wave_path_for(const ValidateOptions& opts, std::uint32_t size) {
  std::string wave = opts.wave_path;
  if (!wave.empty() && opts.sizes.size() > 1) {
    const std::string tag = "_" + std::to_string(size) + "x" + std::to_string(size);
    const std::size_t dot = wave.rfind('.');
    wave = dot == std::string::npos ? wave + tag : wave.substr(0, dot) + tag + wave.substr(dot);
  }
  return wave;
}

namespace {

// Replays the failing run alone on a traced build, so the waveform holds just that run.
std::string write_failure_wave(const ValidateOptions& opts, const ValidateRow& row) {
  namespace fs = std::filesystem;
  const ArrayGeometry& g = row.geometry;
  const std::string top = opts.design.empty() ? "systolic_array" : opts.design.top;
  fs::create_directories(opts.failure_wave_dir);
  const fs::path wave = fs::absolute(fs::path(opts.failure_wave_dir) /
                                     ("validate-rtl_" + top + "_" + std::to_string(g.rows) + "x" + std::to_string(g.cols) +
                                      "_wb" + std::to_string(g.weight_buffers) + "_seed" + std::to_string(opts.seed) +
                                      "_run" + std::to_string(row.failed_index) + ".fst"))
                              .lexically_normal();
  {
    std::unique_ptr<RtlMatmulCore> traced = make_rtl_matmul_core(g, {wave.string(), opts.design}, "validate-rtl --sizes");
    std::vector<TileData> tiles = row.failed_run.tiles;
    traced->set_result_backpressure(row.failed_run.backpressure);
    try {
      traced->run_tiles(row.failed_run.shape, tiles);
    } catch (const std::exception&) {
      // The stall is what the waveform shows; the core closes the file when it goes.
    }
  }
  return wave.string();
}

}  // namespace

std::vector<ValidateRow> validate_rtl(const ValidateOptions& opts) {
  std::vector<ValidateRow> rows;
  for (std::size_t si = 0; si < opts.sizes.size(); ++si) {
    const std::uint32_t size = opts.sizes[si];
    const std::string wave = wave_path_for(opts, size);
    for (std::uint32_t wb : {2u, 1u}) {
      // weight_buffers 2 is the configured default and runs at every size. The 1-buffer
      // array is covered where it is prebuilt (our own RTL only); waveforms come from the
      // 2-buffer one.
      if (wb == 1) {
        bool built = false;
        for (const RtlBuild& b : rtl_builds()) built |= b.size == size && b.weight_buffers == 1 && !b.traced;
        if (!built || !wave.empty() || !opts.design.empty()) continue;
      }
      const ArrayGeometry g{size, size, wb};
      std::unique_ptr<RtlMatmulCore> rtl = make_rtl_matmul_core(g, {wave, opts.design}, "validate-rtl --sizes");
      TlmSystolicCore tlm(g);
      ValidateRow row;
      row.geometry = g;
      for (std::uint64_t i = 0; row.tiles < opts.tiles; ++i) {
        compare_run(*rtl, tlm, make_conformance_run(g, opts.seed, i), i, row);
        if (row.failed_run_recorded && opts.stop_at_first_failure) break;
      }
      rtl.reset();
      if (row.failed_run_recorded && !opts.failure_wave_dir.empty()) row.failure_wave = write_failure_wave(opts, row);
      rows.push_back(row);
    }
  }
  return rows;
}

int run_validate_rtl(const ValidateOptions& opts, std::ostream& out) {
  const std::vector<ValidateRow> rows = validate_rtl(opts);
  char line[256];
  std::snprintf(line, sizeof line, "%-8s %4s %7s %6s %14s %15s %14s  %s\n", "array", "wbuf", "tiles", "runs",
                "data_mismatch", "cycle_mismatch", "rtl_cycles/s", "result");
  out << line;
  bool ok = true;
  for (const ValidateRow& r : rows) {
    const std::string array = std::to_string(r.geometry.rows) + "x" + std::to_string(r.geometry.cols);
    std::snprintf(line, sizeof line, "%-8s %4u %7llu %6llu %14llu %15llu %14.3e  %s\n", array.c_str(),
                  r.geometry.weight_buffers, static_cast<unsigned long long>(r.tiles),
                  static_cast<unsigned long long>(r.runs), static_cast<unsigned long long>(r.data_mismatches),
                  static_cast<unsigned long long>(r.cycle_mismatches), r.rtl_cycles_per_s(),
                  r.pass() ? "PASS" : "FAIL");
    out << line;
    if (!r.pass()) {
      ok = false;
      out << "  FAIL " << (opts.design.empty() ? std::string("systolic_array") : opts.design.top) << " " << array
          << " weight_buffers " << r.geometry.weight_buffers << ", seed " << opts.seed << ", "
          << r.first_failure << "\n";
      if (!r.failure_wave.empty()) out << "  waveform of that run alone: " << r.failure_wave << "\n";
    }
  }
  out << "seed " << opts.seed << (ok ? ": all variants agree with the TLM model\n" : ": MISMATCH\n");
  return ok ? 0 : 1;
}

}  // namespace decodesim::matmul
