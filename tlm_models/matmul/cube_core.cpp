#include "matmul/cube_core.h"

#include <stdexcept>

namespace decodesim::matmul {

namespace {

/// Cycles one tile of `s` occupies the cube: one per fractal of `depth` activation rows.
std::uint64_t fractal_rows(const CubeGeometry& g, const TileShape& s) { return ceil_div<std::uint64_t>(s.m, g.depth); }

}  // namespace

Cycles cube_cycles(const CubeGeometry& g, const TileShape& s, std::uint64_t count) {
  if (count == 0) return 0;
  return count * fractal_rows(g, s) + g.latency;
}

TlmCubeCore::TlmCubeCore(const CubeGeometry& g) : m_cube(g), m_array{g.k, g.n, 2} {
  if (g.depth == 0 || g.k == 0 || g.n == 0) throw std::invalid_argument("cube: depth, k and n must be positive");
}

Cycles TlmCubeCore::run_tiles(const TileShape& shape, std::uint64_t count) {
  check_tile_args(m_array, shape, nullptr);
  count_tiles(count);
  Cycles c = cube_cycles(m_cube, shape, count);
  if (m_backpressure.enabled()) {
    // The cube has no skid buffer on L0C's drain: a withheld result beat holds the pipe.
    const std::uint64_t beats = count * fractal_rows(m_cube, shape);
    for (std::uint64_t b = 0; b < beats; ++b) c += m_backpressure.stall_cycles(b);
  }
  return c;
}

std::vector<Cycles> TlmCubeCore::run_stream(const std::vector<TileRun>& runs) {
  std::vector<Cycles> marks;
  Cycles t = 0;
  for (const TileRun& r : runs) {
    if (r.count == 0) continue;
    check_tile_args(m_array, r.shape, nullptr);
    count_tiles(r.count);
    t += r.count * fractal_rows(m_cube, r.shape);
    marks.push_back(t);
  }
  marks.push_back(t + (marks.empty() ? 0 : m_cube.latency));
  return marks;
}

Cycles TlmCubeCore::run_tiles(const TileShape& shape, std::vector<TileData>& tiles) {
  check_tile_args(m_array, shape, &tiles);
  for (auto& t : tiles) reference_tile(shape, t);
  return run_tiles(shape, static_cast<std::uint64_t>(tiles.size()));
}

}  // namespace decodesim::matmul
