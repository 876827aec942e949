#include "matmul/rtl_sc_core.h"

#include <iostream>

#include "common/config/error.h"
#include "matmul/rtl_build.h"
#include "matmul/rtl_matmul_core.h"

namespace decodesim::matmul {

std::string rtl_sc_built_sizes() {
  std::string out;
  for (std::uint32_t wb : {2u, 1u}) {
    std::string sizes;
    for (const RtlScBuild& b : rtl_sc_builds())
      if (b.weight_buffers == wb) sizes += (sizes.empty() ? "" : ", ") + std::to_string(b.size) + "x" + std::to_string(b.size);
    if (!sizes.empty()) out += (out.empty() ? "" : "; ") + sizes + " with weight_buffers " + std::to_string(wb);
  }
  return out;
}

bool rtl_sc_build_exists(const ArrayGeometry& g) {
  for (const RtlScBuild& b : rtl_sc_builds())
    if (b.size == g.rows && b.size == g.cols && b.weight_buffers == g.weight_buffers) return true;
  return false;
}

RtlScMatmulCore::RtlScMatmulCore(std::unique_ptr<MatmulCore> measured, std::shared_ptr<ScArray> twin)
    : m_measured(std::move(measured)), m_twin(std::move(twin)) {}

Cycles RtlScMatmulCore::run_tiles(const TileShape& shape, std::uint64_t count) {
  m_measured->set_result_backpressure(m_backpressure);
  const Cycles c = m_measured->run_tiles(shape, count);
  if (count > 0) m_twin->submit({TileRun{shape, count}}, m_backpressure, {c}, false);
  return c;
}

Cycles RtlScMatmulCore::run_tiles(const TileShape& shape, std::vector<TileData>& tiles) {
  m_measured->set_result_backpressure(m_backpressure);
  const Cycles c = m_measured->run_tiles(shape, tiles);
  if (!tiles.empty()) m_twin->submit({TileRun{shape, tiles.size()}}, m_backpressure, {c}, false);
  return c;
}

std::vector<Cycles> RtlScMatmulCore::run_stream(const std::vector<TileRun>& runs) {
  std::vector<Cycles> marks = m_measured->run_stream(runs);
  std::vector<TileRun> clocked;
  for (const TileRun& r : runs)
    if (r.count > 0) clocked.push_back(r);
  if (!clocked.empty()) m_twin->submit(std::move(clocked), ResultBackpressure{}, marks, true);
  return marks;
}

std::unique_ptr<MatmulCore> make_rtl_sc_matmul_core(const MatmulConfig& cfg, const ArrayGeometry& g,
                                                    double clock_ghz, const std::string& where) {
  if (!cfg.rtl.sources.empty())
    throw config::InputError(config::SourceLoc{}, where.substr(0, where.rfind('.')) + ".rtl.sources",
                             "impl rtl_sc runs only decodesim's own RTL (rtl/)",
                             std::to_string(cfg.rtl.sources.size()) + " source file(s)",
                             "no sources with rtl_sc, or impl rtl for your own design");
  std::shared_ptr<ScArray> twin;
  for (const RtlScBuild& b : rtl_sc_builds())
    if (b.size == g.rows && b.size == g.cols && b.weight_buffers == g.weight_buffers) twin = b.make(clock_ghz);
  if (!twin) {
    if (!our_rtl_sc_takes(g))
      throw config::InputError(config::SourceLoc{}, where, "impl rtl_sc has no SystemC model of this geometry",
                               std::to_string(g.rows) + "x" + std::to_string(g.cols) + " with weight_buffers " +
                                   std::to_string(g.weight_buffers),
                               rtl_buildable_sizes(MatmulImpl::RtlSc));
    RtlDesign design = builtin_rtl_design();
    design.where = where;
    twin = load_rtl_sc_twin(ensure_rtl_sc_model(design, g, std::cerr), g, clock_ghz);
  }
  core_tally().rtl_sc = true;
  return std::make_unique<RtlScMatmulCore>(make_rtl_matmul_core(g, {}, where), std::move(twin));
}

}  // namespace decodesim::matmul
