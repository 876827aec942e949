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
//  - TLM and RTL implementations return identical cycles for identical arguments, and
//    identical int32 results when data is supplied. The TLM formula is in README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/units.h"
#include "common/config/schema.h"

namespace decodesim::matmul {

struct ArrayGeometry {
  std::uint32_t rows = 128;          ///< K dimension held in the array
  std::uint32_t cols = 128;          ///< N dimension held in the array
  std::uint32_t weight_buffers = 2;  ///< 2: next tile's weights load while the current tile streams
};

struct TileShape {
  std::uint32_t m = 1;  ///< activation vectors streamed through this tile
  std::uint32_t k = 0;  ///< rows of W used (≤ rows)
  std::uint32_t n = 0;  ///< cols of W used (≤ cols)
};

/// Optional data for functional runs. Row-major int8 inputs, int32 outputs.
struct TileData {
  std::vector<std::int8_t> weights;  ///< k × n
  std::vector<std::int8_t> acts;     ///< m × k
  std::vector<std::int32_t> out;     ///< m × n, filled by the core
};

/// Seeded consumer behaviour on the result port, shared by both cores so their cycle counts
/// stay comparable under backpressure. Disabled (always ready) by default.
struct ResultBackpressure {
  std::uint64_t seed = 0;
  double probability = 0.0;    ///< chance that a result beat is held at all
  std::uint32_t max_stall = 0;  ///< a held beat waits 1..max_stall cycles

  bool enabled() const { return probability > 0.0 && max_stall > 0; }
  /// Cycles the consumer withholds ready after result beat `beat` becomes valid.
  /// A pure function of (seed, beat), so any core can replay it.
  std::uint32_t stall_cycles(std::uint64_t beat) const;
};

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

  /// Applies to every later run_tiles() call (see the contract above).
  void set_result_backpressure(const ResultBackpressure& bp) { m_backpressure = bp; }
  const ResultBackpressure& result_backpressure() const { return m_backpressure; }

 protected:
  ResultBackpressure m_backpressure;
};

/// Throws std::invalid_argument unless `shape` fits `g` (see the contract above), and, when
/// `tiles` is given, unless every tile carries k×n weights and m×k activations.
void check_tile_args(const ArrayGeometry& g, const TileShape& shape, const std::vector<TileData>* tiles);

enum class MatmulImpl { Tlm, Rtl };

/// `<tile>.matmul` section.
struct MatmulConfig {
  MatmulImpl impl = MatmulImpl::Tlm;
  static const config::Schema<MatmulConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const {}
};

/// Builds the core for `impl`. For Rtl, throws config::InputError naming the built sizes
/// when no RTL library exists for this geometry (see rtl_matmul_core.h).
std::unique_ptr<MatmulCore> make_matmul_core(const MatmulConfig& cfg, const ArrayGeometry& geometry,
                                             const std::string& where = "matmul.impl");

/// Reference int32 GEMM for one tile (what both cores must produce).
void reference_tile(const TileShape& shape, TileData& tile);

}  // namespace decodesim::matmul
