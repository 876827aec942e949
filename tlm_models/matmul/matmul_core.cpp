#include "matmul/matmul_core.h"

#include <stdexcept>

#include "matmul/rtl_matmul_core.h"
#include "matmul/tlm_systolic_core.h"

namespace decodesim::matmul {

const config::Schema<MatmulConfig>& MatmulConfig::schema() {
  static const config::Schema<MatmulConfig> s =
      config::Schema<MatmulConfig>("matmul-core implementation in this tile's slot")
          .choice("impl", &MatmulConfig::impl, {{"tlm", MatmulImpl::Tlm}, {"rtl", MatmulImpl::Rtl}}, MatmulImpl::Tlm,
                  "tlm: closed-form timing model; rtl: Verilated SystemVerilog array (cycles counted)");
  return s;
}

namespace {
// splitmix64: a full-period mixer, so neighbouring (seed, beat) pairs are independent.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

std::uint32_t ResultBackpressure::stall_cycles(std::uint64_t beat) const {
  if (!enabled()) return 0;
  const std::uint64_t z = mix(seed ^ mix(beat));
  const double u = static_cast<double>(z >> 11) * 0x1.0p-53;
  if (u >= probability) return 0;
  return 1 + static_cast<std::uint32_t>(mix(z) % max_stall);
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
    case MatmulImpl::Rtl: return make_rtl_matmul_core(g, {}, where);
  }
  return nullptr;
}

}  // namespace decodesim::matmul
