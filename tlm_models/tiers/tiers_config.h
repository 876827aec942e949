// `tiers:` section: the capacity tier below HBM (SambaNova SN40L-like three-tier memory) and
// the engine that moves a model's weights from it into HBM when a request switches models.
//
// The DDR tier is a DRAM like any other: it is served by the same bank/timeline model as HBM
// (memory/hbm), with DDR5 geometry and timing (configs/components/ddr5.yaml). A DDR5 channel
// is one "stack" of one 64-bit channel split into two 32-bit sub-channels (the pseudo-channels).
#pragma once

#include <cstdint>
#include <string>

#include "common/config/schema.h"
#include "memory/dma/dma_engine.h"
#include "memory/hbm/hbm_config.h"

namespace decodesim::tiers {

/// The DDR→HBM copy engine: reads a block from DDR, writes it into HBM, `buffers` blocks in
/// flight (on-chip staging buffers), each side a DMA engine with its own outstanding limit.
struct MoverConfig {
  std::uint64_t block_bytes = 4u << 20;  ///< one staging buffer
  std::uint32_t buffers = 2;             ///< staging buffers: 2 lets the read of block i+1 overlap the write of i
  memory::DmaConfig ddr_dma;             ///< reads from DDR
  memory::DmaConfig hbm_dma;             ///< writes into HBM
  static const config::Schema<MoverConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const;
};

struct TiersConfig {
  memory::HbmConfig ddr;        ///< the capacity tier (DRAM timing model; see the header comment)
  double ddr_pj_per_bit = 20;   ///< DDR access + I/O energy per bit moved
  MoverConfig mover;
  static const config::Schema<TiersConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const {}
};

}  // namespace decodesim::tiers
