#include "matmul/matmul_core.h"

#include "matmul/tlm_systolic_core.h"

namespace decodesim::matmul {

const config::Schema<MatmulConfig>& MatmulConfig::schema() {
  static const config::Schema<MatmulConfig> s =
      config::Schema<MatmulConfig>("matmul-core implementation in this tile's slot")
          .choice("impl", &MatmulConfig::impl, {{"tlm", MatmulImpl::Tlm}, {"rtl", MatmulImpl::Rtl}}, MatmulImpl::Tlm,
                  "tlm: closed-form timing model; rtl: Verilated SystemVerilog array (cycles counted)");
  return s;
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
    case MatmulImpl::Rtl:
      throw config::InputError(config::SourceLoc{}, where, "RTL matmul core not built in this version", "rtl",
                               "tlm");
  }
  return nullptr;
}

}  // namespace decodesim::matmul
