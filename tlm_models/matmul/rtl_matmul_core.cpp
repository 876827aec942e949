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
  count_tiles(count);
  core_tally().rtl_tiles += count;  // run() returns only once every result is out
  const Cycles c = m_sim->run(shape, count, nullptr, m_backpressure);
  m_total_cycles += c;
  core_tally().rtl_cycles += c;
  return c;
}

Cycles RtlMatmulCore::run_tiles(const TileShape& shape, std::vector<TileData>& tiles) {
  check_tile_args(m_geometry, shape, &tiles);
  if (tiles.empty()) return 0;
  count_tiles(tiles.size());
  core_tally().rtl_tiles += tiles.size();
  const Cycles c = m_sim->run(shape, tiles.size(), &tiles, m_backpressure);
  m_total_cycles += c;
  core_tally().rtl_cycles += c;
  return c;
}

std::vector<Cycles> RtlMatmulCore::run_stream(const std::vector<TileRun>& runs) {
  for (const TileRun& r : runs)
    if (r.count > 0) check_tile_args(m_geometry, r.shape, nullptr);
  count_tiles(runs);
  const std::uint64_t clocked = m_sim->tiles_clocked();
  std::vector<Cycles> marks = m_sim->run_stream(runs);
  core_tally().rtl_tiles += m_sim->tiles_clocked() - clocked;
  m_total_cycles += marks.back();
  core_tally().rtl_cycles += marks.back();
  return marks;
}

std::unique_ptr<RtlMatmulCore> make_rtl_matmul_core(const ArrayGeometry& g, const RtlCoreOptions& opts,
                                                    const std::string& where) {
  const bool traced = !opts.wave_path.empty();
  if (opts.design.empty()) {
    for (const RtlBuild& b : rtl_builds())
      if (b.size == g.rows && b.size == g.cols && b.weight_buffers == g.weight_buffers && b.traced == traced)
        return std::make_unique<RtlMatmulCore>(g, b.make(opts.wave_path));
    if (!our_rtl_takes(g))
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
