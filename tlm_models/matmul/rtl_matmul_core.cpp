#include "matmul/rtl_matmul_core.h"

#include <iostream>

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
  if (opts.design.empty()) {
    for (const RtlBuild& b : rtl_builds())
      if (b.size == g.rows && b.size == g.cols && b.weight_buffers == g.weight_buffers && b.traced == traced)
        return std::make_unique<RtlMatmulCore>(g, b.make(opts.wave_path));
    if (!rtl_can_build(MatmulConfig{}, g))
      throw config::InputError(config::SourceLoc{}, where, "our RTL core (rtl/) has no such size",
                               std::to_string(g.rows) + "x" + std::to_string(g.cols) + " with weight_buffers " +
                                   std::to_string(g.weight_buffers),
                               rtl_buildable_sizes());
  }
  RtlDesign design = opts.design.empty() ? builtin_rtl_design() : opts.design;
  if (opts.design.empty()) design.where = where;
  const std::string so = ensure_rtl_model(design, g, traced, std::cerr);
  return std::make_unique<RtlMatmulCore>(g, load_rtl_model(so, g, opts.wave_path));
}

}  // namespace decodesim::matmul
