#include "matmul/tlm_systolic_core.h"

#include <algorithm>

namespace decodesim::matmul {

Cycles systolic_cycles(const ArrayGeometry& g, const TileShape& s, std::uint64_t count) {
  if (count == 0) return 0;
  const Cycles load = g.rows;                    // weights shift in one row per cycle
  const Cycles stream = s.m;                     // one activation vector per cycle
  const Cycles latency = g.rows + g.cols - 1;    // skew through the array to the last column
  if (g.weight_buffers == 1) return count * (load + stream + latency);
  // Double-buffered: tile i+1's weights shift in while tile i streams.
  return load + count * std::max(load, stream) + latency;
}

Cycles TlmSystolicCore::run_tiles(const TileShape& shape, std::uint64_t count) {
  return systolic_cycles(m_geometry, shape, count);
}

Cycles TlmSystolicCore::run_tiles(const TileShape& shape, std::vector<TileData>& tiles) {
  for (auto& t : tiles) reference_tile(shape, t);
  return systolic_cycles(m_geometry, shape, tiles.size());
}

}  // namespace decodesim::matmul
