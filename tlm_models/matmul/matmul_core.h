// Matmul-core interface: the slot that holds either the TLM timing model of the
// weight-stationary systolic array or the Verilator-compiled RTL of the same array.
//
// Contract:
//  - A tile is W[k×n] (k ≤ rows, n ≤ cols) held stationary in the array while `m`
//    activation vectors of length k stream through; it yields m result vectors of length n.
//  - run_tiles() executes `count` tiles of one shape back to back, starting from an idle,
//    reset array, with the result port always ready, and returns the cycles from the first
//    weight-load beat to the last result accepted. Between calls the array is idle again.
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
};

enum class MatmulImpl { Tlm, Rtl };

/// `<tile>.matmul` section.
struct MatmulConfig {
  MatmulImpl impl = MatmulImpl::Tlm;
  static const config::Schema<MatmulConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const {}
};

/// Builds the core for `impl`. For Rtl, throws config::InputError naming the built sizes
/// when no RTL library exists for this geometry.
std::unique_ptr<MatmulCore> make_matmul_core(const MatmulConfig& cfg, const ArrayGeometry& geometry,
                                             const std::string& where = "matmul.impl");

/// Reference int32 GEMM for one tile (what both cores must produce).
void reference_tile(const TileShape& shape, TileData& tile);

}  // namespace decodesim::matmul
