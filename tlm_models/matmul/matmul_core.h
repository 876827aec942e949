// Matmul-core interface: the slot that holds either the TLM timing model of the
// weight-stationary systolic array or the Verilator-compiled RTL of the same array.
//
// Contract:
//  - A tile is W[k×n] (k ≤ rows, n ≤ cols) held stationary in the array while `m`
//    activation vectors of length k stream through; it yields m result vectors of length n.
//  - 1 ≤ k ≤ rows, 1 ≤ n ≤ cols, m ≥ 1; anything else is a caller bug (std::invalid_argument).
//  - run_tiles() executes `count` tiles of one shape back to back, starting from an idle
//    array, and returns the cycles from the first weight-load beat to the last result
//    accepted. Between calls the array is idle again.
//  - The result port is always ready unless set_result_backpressure() installed a seeded
//    pattern; then result beat j of a call (j counted from 0) waits stall_cycles(j) cycles
//    for ready. Both implementations apply the same pattern.
//  - run_stream() runs several runs (each `count` tiles of one shape) back to back as ONE
//    stream from an idle array, timing only, result port always ready (backpressure does not
//    apply). It returns one mark per non-empty run, the cycles from the first weight beat
//    through the cycle that accepts that run's last activation, then the cycles through the
//    last result accepted. A mark difference is what a run costs inside a longer stream.
//  - TLM and RTL implementations return identical cycles for identical arguments, and
//    identical int32 results when data is supplied. The TLM formula is in README.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config/schema.h"
#include "matmul/tile.h"

namespace decodesim::matmul {

/// Tiles run by every matmul core of this process (one simulation per process): what the
/// run's `matmul` stats and its sampling note report.
struct CoreTally {
  std::uint64_t tiles = 0;         ///< tiles the cores were asked to run
  std::uint64_t rtl_tiles = 0;     ///< tiles whose results came out of the RTL's pins
  std::uint64_t rtl_cycles = 0;    ///< rising edges the C++-mode RTL was clocked for them (bench/matmul's speed figures)
  std::uint64_t extrapolated = 0;  ///< tiles the sampled mode did not run, timed from sampled ones
  std::uint32_t sample = 0;        ///< matmul.rtl.sample in force (0: off)
  bool rtl = false;                ///< an RTL core ran
  bool rtl_sc = false;             ///< an rtl_sc core ran: its in-kernel twins clocked every stream too
  std::uint64_t sc_tiles = 0;      ///< tiles the in-kernel SystemC arrays clocked to their last result
  std::uint64_t sc_streams = 0;    ///< streams they clocked and found identical to the cycles used
};
CoreTally& core_tally();

/// The largest relative error in total simulated time of matmul.rtl.sample: 2 against the
/// full RTL run on workloads/tiny over the TPU, LPU and GPU tiles (measured and held by
/// the tiny RTL-vs-TLM tests of tests/integration; printed in the sampled run's note).
/// Measured: TPU 0.0245%, LPU 0%, GPU 0.1966% (2 tokens, context 64, 16x16 arrays; the GPU at
/// batch 2, because its batch-1 GEMVs run on the CUDA cores and only attention would sample).
inline constexpr double kSampleErrorOnTiny = 0.0020;

class MatmulCore {
 public:
  virtual ~MatmulCore() = default;
  virtual const ArrayGeometry& geometry() const = 0;
  virtual const char* impl_name() const = 0;
  /// Timing-only run of `count` identical-shape tiles (see contract above).
  virtual Cycles run_tiles(const TileShape& shape, std::uint64_t count) = 0;
  /// Functional run: tiles.size() tiles of one shape, results written to TileData::out.
  /// Returns the same cycles as run_tiles(shape, tiles.size()).
  virtual Cycles run_tiles(const TileShape& shape, std::vector<TileData>& tiles) = 0;
  /// One stream of runs from an idle array (see the contract above).
  virtual std::vector<Cycles> run_stream(const std::vector<TileRun>& runs) = 0;

  /// Tiles this core was asked to run, over every call.
  std::uint64_t tiles_requested() const { return m_tiles_requested; }
  /// Tiles whose results came out of the RTL's pins (0 for a core that computes its cycles).
  virtual std::uint64_t tiles_clocked() const { return 0; }

  /// Applies to every later run_tiles() call (see the contract above).
  void set_result_backpressure(const ResultBackpressure& bp) { m_backpressure = bp; }
  const ResultBackpressure& result_backpressure() const { return m_backpressure; }

 protected:
  void count_tiles(std::uint64_t n) {
    m_tiles_requested += n;
    core_tally().tiles += n;
  }
  void count_tiles(const std::vector<TileRun>& runs) {
    for (const TileRun& r : runs) count_tiles(r.count);
  }
  ResultBackpressure m_backpressure;

 private:
  std::uint64_t m_tiles_requested = 0;
};

/// Throws std::invalid_argument unless `shape` fits `g` (see the contract above), and, when
/// `tiles` is given, unless every tile carries k×n weights and m×k activations.
void check_tile_args(const ArrayGeometry& g, const TileShape& shape, const std::vector<TileData>* tiles);

enum class MatmulImpl { Tlm, Rtl, RtlSc };

/// `<tile>.matmul.rtl` section: which SystemVerilog design `impl: rtl` runs.
struct MatmulRtlConfig {
  std::vector<std::string> sources;  ///< empty: our own rtl/systolic_array.sv
  std::string top = "systolic_array";
  std::map<std::string, std::int64_t> parameters;
  std::uint32_t sample = 0;  ///< 0: every tile through the RTL; N >= 2: the opt-in sampled mode
  static const config::Schema<MatmulRtlConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const;
};

/// `<tile>.matmul` section.
struct MatmulConfig {
  MatmulImpl impl = MatmulImpl::Tlm;
  MatmulRtlConfig rtl;
  static const config::Schema<MatmulConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const;
};



/// Whether `impl: rtl` can build a core for `g`: our own RTL covers rtl/README.md's parameter
/// range; a user design (matmul.rtl.sources) takes any size and is checked when built.
/// With `impl: rtl_sc`, only the SystemC libraries linked in (rtl_sc_core.h) and no sources.
bool rtl_can_build(const MatmulConfig& cfg, const ArrayGeometry& g);
/// The parameter range of our own RTL (rtl/README.md): rows 1-256 × cols 2-256, weight_buffers
/// 1 or 2. The SystemC form (`impl: rtl_sc`) takes the square ones from 2×2 up.
bool our_rtl_takes(const ArrayGeometry& g);
bool our_rtl_sc_takes(const ArrayGeometry& g);
/// The sizes rtl_can_build accepts for `impl`, as an error's "allowed" text.
std::string rtl_buildable_sizes(MatmulImpl impl = MatmulImpl::Rtl);

/// Builds the core for `impl`. For Rtl, throws config::InputError naming the built sizes
/// when no RTL library exists for this geometry (see rtl_matmul_core.h). For RtlSc (which
/// instantiates an sc_module: call it during elaboration), the in-kernel array is clocked at
/// `clock_ghz`, the tile's clock.
std::unique_ptr<MatmulCore> make_matmul_core(const MatmulConfig& cfg, const ArrayGeometry& geometry,
                                             const std::string& where = "matmul.impl", double clock_ghz = 1.0);

/// Reference int32 GEMM for one tile (what both cores must produce).
void reference_tile(const TileShape& shape, TileData& tile);

}  // namespace decodesim::matmul
