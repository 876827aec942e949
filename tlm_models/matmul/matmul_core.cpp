#include "matmul/matmul_core.h"

#include <stdexcept>

#include "matmul/rtl_matmul_core.h"
#include "matmul/tlm_systolic_core.h"

namespace decodesim::matmul {

const config::Schema<MatmulConfig>& MatmulConfig::schema() {
  static const config::Schema<MatmulConfig> s =
      config::Schema<MatmulConfig>("matmul-core implementation in this tile's slot")
          .choice("impl", &MatmulConfig::impl, {{"tlm", MatmulImpl::Tlm}, {"rtl", MatmulImpl::Rtl}}, MatmulImpl::Tlm,
                  "tlm: closed-form timing model; rtl: Verilated SystemVerilog array (cycles counted)")
          .section("rtl", &MatmulConfig::rtl);
  return s;
}

const config::Schema<MatmulRtlConfig>& MatmulRtlConfig::schema() {
  static const config::Schema<MatmulRtlConfig> s =
      config::Schema<MatmulRtlConfig>("the SystemVerilog design that impl: rtl runs (rtl/README.md is its contract)")
          .paths("sources", &MatmulRtlConfig::sources, 256,
                 "your .sv/.v files, relative to this config file; empty: decodesim's own rtl/ array. Verilated "
                 "on first use into ~/.cache/decodesim/rtl")
          .text("top", &MatmulRtlConfig::top, "systolic_array", "top module of sources; must have rtl/README.md's ports")
          .int_map("parameters", &MatmulRtlConfig::parameters,
                   "extra parameter overrides of the top (Rows, Cols and WeightBuffers come from the array's geometry)");
  return s;
}

void MatmulRtlConfig::validate(const config::Node* n, const std::string& path) const {
  for (const char* fixed : {"Rows", "Cols", "WeightBuffers"})
    if (parameters.count(fixed))
      config::fail_at(n ? n->find("parameters") : nullptr, config::detail::join_path(path, "parameters"), fixed,
                      "is set from the array's geometry, not here", std::to_string(parameters.at(fixed)),
                      "other parameters of the top");
  if (!sources.empty() && top.empty())
    config::fail_at(n, path, "top", "must name the top module of sources", "\"\"", "a module name");
}

bool rtl_can_build(const MatmulConfig& cfg, const ArrayGeometry& g) {
  if (!cfg.rtl.sources.empty()) return true;
  return g.rows >= 1 && g.rows <= 256 && g.cols >= 2 && g.cols <= 256 && (g.weight_buffers == 1 || g.weight_buffers == 2);
}

std::string rtl_buildable_sizes() {
  return "rows 1-256 x cols 2-256 with weight_buffers 1 or 2 (rtl/README.md; prebuilt: " + rtl_built_sizes(false) +
         "; others are Verilated on first use), or any size with matmul.rtl.sources";
}

void check_tile_args(const ArrayGeometry& g, const TileShape& s, const std::vector<TileData>* tiles) {
  if (s.k < 1 || s.k > g.rows || s.n < 1 || s.n > g.cols || s.m < 1)
    throw std::invalid_argument("matmul tile m=" + std::to_string(s.m) + " k=" + std::to_string(s.k) +
                                " n=" + std::to_string(s.n) + " does not fit a " + std::to_string(g.rows) + "x" +
                                std::to_string(g.cols) + " array (need m>=1, 1<=k<=rows, 1<=n<=cols)");
  if (g.weight_buffers != 1 && g.weight_buffers != 2)
    throw std::invalid_argument("matmul weight_buffers must be 1 or 2, got " + std::to_string(g.weight_buffers));
  if (!tiles) return;
  for (const TileData& t : *tiles)
    if (t.weights.size() != static_cast<std::size_t>(s.k) * s.n ||
        t.acts.size() != static_cast<std::size_t>(s.m) * s.k)
      throw std::invalid_argument("matmul tile data does not match its shape (weights k*n, acts m*k)");
}

void reference_tile(const TileShape& s, TileData& t) {
  t.out.assign(static_cast<std::size_t>(s.m) * s.n, 0);
  for (std::uint32_t i = 0; i < s.m; ++i)
    for (std::uint32_t j = 0; j < s.n; ++j) {
      std::int32_t acc = 0;
      for (std::uint32_t kk = 0; kk < s.k; ++kk)
        acc += static_cast<std::int32_t>(t.acts[i * s.k + kk]) * static_cast<std::int32_t>(t.weights[kk * s.n + j]);
      t.out[i * s.n + j] = acc;
    }
}

std::unique_ptr<MatmulCore> make_matmul_core(const MatmulConfig& cfg, const ArrayGeometry& g,
                                             const std::string& where) {
  switch (cfg.impl) {
    case MatmulImpl::Tlm: return std::make_unique<TlmSystolicCore>(g);
    case MatmulImpl::Rtl: {
      RtlCoreOptions opts;
      if (!cfg.rtl.sources.empty()) {
        opts.design.sources = cfg.rtl.sources;
        opts.design.top = cfg.rtl.top;
        opts.design.parameters = cfg.rtl.parameters;
        opts.design.where = where.substr(0, where.rfind('.')) + ".rtl.sources";
      }
      return make_rtl_matmul_core(g, opts, where);
    }
  }
  return nullptr;
}

}  // namespace decodesim::matmul
