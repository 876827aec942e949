// Cutting a GEMM into array tiles, dealing them over arrays, and timing a stream of them on
// one array: the one piece the TPU MXUs, the LPU MXM planes and the GPU tensor cores share.
//
// Contract (TileStream):
//  - run(tiles, continues) sends every tile of `tiles` through the core in shape order
//    (full, partial k, partial n, both) as one stream, and returns what it costs:
//    `accept`, the cycles from where the stream stands to the cycle after the last activation
//    was accepted (from the first weight beat when the stream starts), and `drain`, the
//    cycles from there to the last result.
//  - `continues == false` (or a first call) starts from an idle array: the fill, the first
//    tile's weight load and the drain are all in the cycles counted.
//  - `continues == true` joins the stream the previous call left running: the previous call's
//    last two tiles (all a double-buffered array's state depends on) run first as a lead-in,
//    and the cost is the mark difference the core reports between the lead-in's last
//    activation and this call's. So the overlap of a continuing stream is measured on the
//    core (counted on the RTL), never computed beside it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "matmul/matmul_core.h"

namespace decodesim::matmul {

/// The tiles of a k×n stationary matrix on a rows×cols array, by shape.
struct TileSplit {
  std::array<TileShape, 4> shape{};       ///< [full, partial k, partial n, partial both]
  std::array<std::uint64_t, 4> count{};   ///< tiles of each shape
  std::uint64_t tiles_k = 0, tiles_n = 0;  ///< tile grid of one matrix

  std::uint64_t tiles() const { return count[0] + count[1] + count[2] + count[3]; }
  /// The non-empty shapes in order, as runs of one stream.
  std::vector<TileRun> runs() const;
  /// Shape index of tile t of one matrix, tiles numbered down each column (t % tiles_k is the k tile).
  int shape_of(std::uint64_t t) const;
  /// k of the stream's first tile (0 when empty).
  std::uint32_t first_k() const;
  void clear_counts() { count = {0, 0, 0, 0}; }
};

/// W[k×n] with m activation rows cut into tiles of g.rows × g.cols.
TileSplit split_tiles(const ArrayGeometry& g, std::uint64_t m, std::uint64_t k, std::uint64_t n);

/// `groups` copies of `s`'s tiles dealt over `arrays` arrays, shape by shape, each shape
/// continuing where the last one stopped: no array gets more than one tile of a shape above another.
std::vector<TileSplit> deal_tiles(const TileSplit& s, std::uint64_t groups, std::uint32_t arrays);

struct StreamCost {
  Cycles accept = 0;  ///< to the cycle after the last activation was accepted
  Cycles drain = 0;   ///< from there to the last result
};

/// One array's stream of tiles (see the contract above). Holds the core by reference.
class TileStream {
 public:
  explicit TileStream(MatmulCore& core) : m_core(&core) {}
  StreamCost run(const TileSplit& tiles, bool continues);

 private:
  MatmulCore* m_core;
  std::vector<TileRun> m_lead;  ///< the previous call's last two tiles
};

}  // namespace decodesim::matmul
