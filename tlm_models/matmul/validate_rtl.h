// RTL-vs-TLM conformance: the engine behind `decodesim validate-rtl` and the conformance
// tests. Seeded random runs of back-to-back tiles go through the RTL core and the TLM core;
// outputs must match bit for bit (and the reference GEMM), cycles exactly.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "matmul/matmul_core.h"
#include "matmul/rtl_build.h"

namespace decodesim::matmul {

/// One run_tiles() call of a conformance run: shape, tiles with data, backpressure.
struct ConformanceRun {
  TileShape shape;
  std::vector<TileData> tiles;
  ResultBackpressure backpressure;
};

/// The i-th run for an array of `g` under `seed`: a pure function of its arguments, so a
/// failing run can be regenerated alone. Mixes full and partial tiles (k < rows, n < cols),
/// m = 1, m ≤ rows and m > rows, 1-4 tiles back to back, extreme values (-128, 127) and,
/// in one run out of three, random result backpressure.
ConformanceRun make_conformance_run(const ArrayGeometry& g, std::uint64_t seed, std::uint64_t index);

/// What a validation of one built variant saw.
struct ValidateRow {
  ArrayGeometry geometry;
  std::uint64_t runs = 0;
  std::uint64_t tiles = 0;
  std::uint64_t data_mismatches = 0;   ///< tiles whose RTL output differs from TLM or reference
  std::uint64_t cycle_mismatches = 0;  ///< runs whose RTL and TLM cycles differ
  Cycles rtl_cycles = 0;
  double rtl_seconds = 0;              ///< wall time inside the RTL core only
  // Coverage, so a pass can be shown to have exercised what it claims.
  std::uint64_t partial_tiles = 0;     ///< k < rows or n < cols
  std::uint64_t m1_tiles = 0;
  std::uint64_t m_over_rows_tiles = 0;
  std::uint64_t back_to_back_runs = 0;  ///< runs of 2+ tiles
  std::uint64_t backpressure_runs = 0;
  std::uint64_t extreme_values = 0;     ///< int8 inputs equal to -128 or 127
  std::string first_failure;            ///< empty on pass; else the first failing run, readable
  bool failed_run_recorded = false;     ///< failed_run/failed_index hold the first failing run
  ConformanceRun failed_run;
  std::uint64_t failed_index = 0;
  std::string failure_wave;             ///< FST of the first failing run alone (validate_rtl writes it)

  bool pass() const { return data_mismatches == 0 && cycle_mismatches == 0 && tiles > 0; }
  double rtl_cycles_per_s() const { return rtl_seconds > 0 ? static_cast<double>(rtl_cycles) / rtl_seconds : 0; }
};

/// Runs `run` through both cores and adds what it saw to `row`. A failure is located: the
/// tile, the first differing output element with expected and got, or the cycle counts, or
/// what the RTL had accepted when it stopped producing results.
void compare_run(MatmulCore& rtl, MatmulCore& tlm, const ConformanceRun& run, std::uint64_t index, ValidateRow& row);

struct ValidateOptions {
  std::vector<std::uint32_t> sizes = {4, 8, 16, 32};  ///< square array sizes
  std::uint64_t tiles = 1000;                        ///< at least this many tiles per variant
  std::uint64_t seed = 1;
  std::string wave_path;  ///< non-empty: FST of the whole run (a _<N>x<N> suffix per size when several)
  RtlDesign design;       ///< empty: our own rtl/; else a user design (--rtl/--top/--param)
  /// Where the FST of a failing run is written (created if missing).
  std::string failure_wave_dir = ".";
  /// Stop a variant at its first failing run (the CLI does; the suite's own tests count all).
  bool stop_at_first_failure = true;
};

/// The waveform file of `size`: wave_path itself, or with a _<N>x<N> suffix when several sizes run.
std::string wave_path_for(const ValidateOptions& opts, std::uint32_t size);

/// Validates each size: weight_buffers 2, plus 1 where our own RTL has it prebuilt. Sizes
/// without a prebuilt library, and user designs, are built on demand (rtl_build.h). The
/// first failing run of a variant is replayed alone on an FST-traced build into
/// failure_wave_dir. Throws config::InputError for a size our RTL does not allow, a missing
/// tool, or a user design that breaks the port contract.
std::vector<ValidateRow> validate_rtl(const ValidateOptions& opts);

/// The validate-rtl verb: prints one row per variant and returns 0 on a full pass, 1 on any
/// mismatch. Input errors propagate as config::InputError (exit 2 in the CLI).
int run_validate_rtl(const ValidateOptions& opts, std::ostream& out);

}  // namespace decodesim::matmul
