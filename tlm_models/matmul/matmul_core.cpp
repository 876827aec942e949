#include "matmul/matmul_core.h"

#include <stdexcept>

#include "matmul/rtl_matmul_core.h"
#include "matmul/rtl_sc_core.h"
#include "matmul/tlm_systolic_core.h"

namespace decodesim::matmul {

const config::Schema<MatmulConfig>& MatmulConfig::schema() {
  static const config::Schema<MatmulConfig> s =
      config::Schema<MatmulConfig>("matmul-core implementation in this tile's slot")
          .choice("impl", &MatmulConfig::impl,
                  {{"tlm", MatmulImpl::Tlm}, {"rtl", MatmulImpl::Rtl}, {"rtl_sc", MatmulImpl::RtlSc}}, MatmulImpl::Tlm,
                  "tlm: closed-form timing model; rtl: Verilated SystemVerilog array (cycles counted); rtl_sc: rtl, "
                  "with every stream also clocked by a SystemC-mode twin in the simulation kernel at the tile's clock "
                  "(tlm_models/matmul/README.md)")
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
                   "extra parameter overrides of the top (Rows, Cols and WeightBuffers come from the array's geometry)")
          .num("sample", &MatmulRtlConfig::sample, "tiles", 0u, 0u, 1000000u,
               "opt-in sampled mode: 0 runs every tile through the RTL; N >= 2 runs at most N tiles of each "
               "same-shape run and times the rest from the last sampled tile (error on tiny: rtl/README.md)");
  return s;
}

void MatmulRtlConfig::validate(const config::Node* n, const std::string& path) const {
  for (const char* fixed : {"Rows", "Cols", "WeightBuffers"})
    if (parameters.count(fixed))
      config::fail_at(n ? n->find("parameters") : nullptr, config::detail::join_path(path, "parameters"), fixed,
                      "is set from the array's geometry, not here", std::to_string(parameters.at(fixed)),
                      "other parameters of the top");
  if (sample == 1)
    config::fail_at(n, path, "sample", "needs two sampled tiles to time the rest", "1", "0 (off) or 2 and more");
  if (!sources.empty() && top.empty())
    config::fail_at(n, path, "top", "must name the top module of sources", "\"\"", "a module name");
}

void MatmulConfig::validate(const config::Node* n, const std::string& path) const {
  if (rtl.sample != 0 && impl == MatmulImpl::Tlm)
    config::fail_at(n ? n->find("rtl") : nullptr, config::detail::join_path(path, "rtl"), "sample",
                    "samples the RTL, so it needs impl rtl", std::to_string(rtl.sample), "0 with impl tlm");
}

CoreTally& core_tally() {
  static CoreTally t;
  return t;
}

namespace {

// matmul.rtl.sample: N (README "Sampled mode"). Every run of more than N same-shape tiles is
// cut to N through the RTL, as N-1 tiles and one more so the last tile's cost is measured, and
// each tile left out is timed as that last one; marks after a cut run move by what it added.
class SampledMatmulCore final : public MatmulCore {
 public:
  SampledMatmulCore(std::unique_ptr<MatmulCore> inner, std::uint32_t sample)
      : m_inner(std::move(inner)), m_sample(sample) {}
  const ArrayGeometry& geometry() const override { return m_inner->geometry(); }
  const char* impl_name() const override { return m_inner->impl_name(); }
  // The backpressure the caller installed on this wrapper is the inner core's to apply: the
  // setter is not virtual, so it is handed on at every call.
  Cycles run_tiles(const TileShape& shape, std::uint64_t count) override {
    m_inner->set_result_backpressure(result_backpressure());
    if (count <= m_sample) return m_inner->run_tiles(shape, count);
    return run_stream({TileRun{shape, count}}).back();
  }
  Cycles run_tiles(const TileShape& shape, std::vector<TileData>& tiles) override {
    m_inner->set_result_backpressure(result_backpressure());
    return m_inner->run_tiles(shape, tiles);
  }
  std::vector<Cycles> run_stream(const std::vector<TileRun>& runs) override {
    std::vector<TileRun> cut;
    for (const TileRun& r : runs) {
      if (r.count == 0) continue;
      if (r.count <= m_sample) {
        cut.push_back(r);
      } else {
        cut.push_back({r.shape, m_sample - 1});
        cut.push_back({r.shape, 1});
      }
    }
    const std::vector<Cycles> inner = m_inner->run_stream(cut);
    std::vector<Cycles> marks;
    Cycles shift = 0;
    std::size_t i = 0;
    for (const TileRun& r : runs) {
      if (r.count == 0) continue;
      if (r.count <= m_sample) {
        marks.push_back(inner[i++] + shift);
        continue;
      }
      const Cycles last_tile = inner[i + 1] - inner[i];
      const std::uint64_t left_out = r.count - m_sample;
      core_tally().extrapolated += left_out;
      core_tally().tiles += left_out;  // asked for, though not run: the inner core counted the rest
      shift += left_out * last_tile;
      marks.push_back(inner[i + 1] + shift);
      i += 2;
    }
    marks.push_back(inner.back() + shift);
    return marks;
  }
  std::uint64_t tiles_clocked() const override { return m_inner->tiles_clocked(); }

 private:
  std::unique_ptr<MatmulCore> m_inner;
  std::uint64_t m_sample;
};

}  // namespace

bool our_rtl_takes(const ArrayGeometry& g) {
  return g.rows >= 1 && g.rows <= 256 && g.cols >= 2 && g.cols <= 256 && (g.weight_buffers == 1 || g.weight_buffers == 2);
}

bool our_rtl_sc_takes(const ArrayGeometry& g) { return g.rows == g.cols && g.rows >= 2 && our_rtl_takes(g); }

bool rtl_can_build(const MatmulConfig& cfg, const ArrayGeometry& g) {
  if (cfg.impl == MatmulImpl::RtlSc) return cfg.rtl.sources.empty() && (rtl_sc_build_exists(g) || our_rtl_sc_takes(g));
  return !cfg.rtl.sources.empty() || our_rtl_takes(g);
}

std::string rtl_buildable_sizes(MatmulImpl impl) {
  if (impl == MatmulImpl::RtlSc)
    return "square arrays 2x2-256x256 with weight_buffers 1 or 2 for rtl_sc, our own RTL only (prebuilt: " +
           rtl_sc_built_sizes() + "; others are Verilated with --sc on first use); impl rtl also takes rows != cols "
           "and matmul.rtl.sources";
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
                                             const std::string& where, double clock_ghz) {
  switch (cfg.impl) {
    case MatmulImpl::Tlm: return std::make_unique<TlmSystolicCore>(g);
    case MatmulImpl::RtlSc: {
      std::unique_ptr<MatmulCore> core = make_rtl_sc_matmul_core(cfg, g, clock_ghz, where);
      core_tally().rtl = true;
      if (cfg.rtl.sample == 0) return core;
      core_tally().sample = cfg.rtl.sample;
      return std::make_unique<SampledMatmulCore>(std::move(core), cfg.rtl.sample);
    }
    case MatmulImpl::Rtl: {
      RtlCoreOptions opts;
      if (!cfg.rtl.sources.empty()) {
        opts.design.sources = cfg.rtl.sources;
        opts.design.top = cfg.rtl.top;
        opts.design.parameters = cfg.rtl.parameters;
        opts.design.where = where.substr(0, where.rfind('.')) + ".rtl.sources";
      }
      std::unique_ptr<MatmulCore> core = make_rtl_matmul_core(g, opts, where);
      core_tally().rtl = true;
      if (cfg.rtl.sample == 0) return core;
      core_tally().sample = cfg.rtl.sample;
      return std::make_unique<SampledMatmulCore>(std::move(core), cfg.rtl.sample);
    }
  }
  return nullptr;
}

}  // namespace decodesim::matmul
