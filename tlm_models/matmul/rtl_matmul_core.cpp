#include "matmul/rtl_matmul_core.h"

#include "common/config/error.h"

namespace decodesim::matmul {

std::string rtl_built_sizes(bool traced) {
  std::string out;
  for (std::uint32_t wb : {2u, 1u}) {
    std::string sizes;
    for (const RtlBuild& b : rtl_builds()) {
      if (b.weight_buffers != wb || (traced && !b.traced) || (!traced && b.traced)) continue;
      sizes += (sizes.empty() ? "" : ", ") + std::to_string(b.size) + "x" + std::to_string(b.size);
    }
    if (sizes.empty()) continue;
    out += (out.empty() ? "" : "; ") + sizes + " with weight_buffers " + std::to_string(wb);
  }
  return out;
}

bool rtl_build_exists(const ArrayGeometry& g) {
  for (const RtlBuild& b : rtl_builds())
    if (b.size == g.rows && b.size == g.cols && b.weight_buffers == g.weight_buffers && !b.traced) return true;
  return false;
}

RtlMatmulCore::RtlMatmulCore(const ArrayGeometry& g, std::unique_ptr<RtlSim> sim)
    : m_geometry(g), m_sim(std::move(sim)) {}

Cycles RtlMatmulCore::run_tiles(const TileShape& shape, std::uint64_t count) {
  check_tile_args(m_geometry, shape, nullptr);
  if (count == 0) return 0;
  const Cycles c = m_sim->run(shape, count, nullptr, m_backpressure);
  m_total_cycles += c;
  return c;
}

Cycles RtlMatmulCore::run_tiles(const TileShape& shape, std::vector<TileData>& tiles) {
  check_tile_args(m_geometry, shape, &tiles);
  if (tiles.empty()) return 0;
  const Cycles c = m_sim->run(shape, tiles.size(), &tiles, m_backpressure);
  m_total_cycles += c;
  return c;
}

std::unique_ptr<RtlMatmulCore> make_rtl_matmul_core(const ArrayGeometry& g, const RtlCoreOptions& opts,
                                                    const std::string& where) {
  const bool traced = !opts.wave_path.empty();
  for (const RtlBuild& b : rtl_builds())
    if (b.size == g.rows && b.size == g.cols && b.weight_buffers == g.weight_buffers && b.traced == traced)
      return std::make_unique<RtlMatmulCore>(g, b.make(opts.wave_path));
  const std::string got = std::to_string(g.rows) + "x" + std::to_string(g.cols) + " with weight_buffers " +
                          std::to_string(g.weight_buffers);
  throw config::InputError(config::SourceLoc{}, where,
                           traced ? "no FST-traced RTL build of the matmul core for this array"
                                  : "no RTL build of the matmul core for this array",
                           got, rtl_built_sizes(traced));
}

}  // namespace decodesim::matmul
