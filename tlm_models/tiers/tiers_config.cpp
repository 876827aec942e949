#include "tiers/tiers_config.h"

namespace decodesim::tiers {

const config::Schema<MoverConfig>& MoverConfig::schema() {
  using C = MoverConfig;
  static const config::Schema<C> s =
      config::Schema<C>("DDR→HBM copy engine used when a request switches to a model that is not in HBM")
          .num("block_bytes", &C::block_bytes, "B", std::uint64_t{4} << 20, std::uint64_t{4096},
               std::uint64_t{1} << 30, "bytes per staging buffer (read from DDR, then written into HBM)",
               config::Check::PowerOfTwo)
          .num("buffers", &C::buffers, "buffers", 2u, 1u, 64u,
               "staging buffers in flight; 1 serialises each block's read and write")
          .section("ddr_dma", &C::ddr_dma)
          .section("hbm_dma", &C::hbm_dma);
  return s;
}

void MoverConfig::validate(const config::Node* n, const std::string& path) const {
  if (block_bytes < ddr_dma.chunk_bytes || block_bytes < hbm_dma.chunk_bytes)
    config::fail_at(n, path, "block_bytes", "a staging buffer must hold at least one DMA chunk of either side",
                    config::detail::to_text(block_bytes),
                    ">= ddr_dma.chunk_bytes and hbm_dma.chunk_bytes");
}

const config::Schema<TiersConfig>& TiersConfig::schema() {
  using C = TiersConfig;
  static const config::Schema<C> s =
      config::Schema<C>("three-tier memory (arch: rdu): the DDR capacity tier below HBM and the model-switch copy")
          .section("ddr", &C::ddr)
          .num("ddr_pj_per_bit", &C::ddr_pj_per_bit, "pJ/bit", 20.0, 0.0, 1000.0,
               "DDR energy per bit read (array + I/O), for the model-switch energy")
          .section("mover", &C::mover);
  return s;
}

}  // namespace decodesim::tiers
