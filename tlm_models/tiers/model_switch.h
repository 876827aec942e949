// The model switch of a three-tier memory: a request asks for a model whose weights are in DDR
// but not in HBM, so they are copied DDR → HBM before its first step can run. The copy is TLM
// traffic on both memories: `ddr_dma` reads a block from DDR into an on-chip staging buffer,
// `hbm_dma` writes it into HBM; up to `buffers` blocks are in flight, so with two or more the
// read of block i+1 overlaps the write of block i. Its time therefore comes out of the DDR and
// HBM timelines and the engines' outstanding limits (at best bytes / min(DDR peak, HBM peak)).
//
// Contract:
// - copy() is called from an SC_THREAD (it spawns the writer thread and waits for it to end);
//   it returns the completion time of the last write, and in AT it has waited in SystemC time
//   for it.
// - Every byte of [ddr_addr, +bytes) is read from DDR exactly once and every byte of
//   [hbm_addr, +bytes) written into HBM exactly once (ddr_bytes_read() == hbm_bytes_written()).
#pragma once

#include <systemc>

#include "common/base/stats.h"
#include "common/base/units.h"
#include "memory/dma/dma_engine.h"
#include "tiers/tiers_config.h"

namespace decodesim::tiers {

class ModelSwitch : public sc_core::sc_module {
 public:
  memory::DmaEngine ddr_dma;  ///< bind its socket/target_info to the DDR
  memory::DmaEngine hbm_dma;  ///< bind its socket/target_info to the HBM (through TierMux::switch_in)

  ModelSwitch(sc_core::sc_module_name name, const MoverConfig& cfg, const memory::TlmSettings& tlm);

  /// Copies `bytes` from DDR address `ddr_addr` to HBM address `hbm_addr`, starting at `start`.
  Picos copy(Bytes ddr_addr, Bytes hbm_addr, Bytes bytes, Picos start);

  Bytes ddr_bytes_read() const { return ddr_dma.bytes_moved(); }
  Bytes hbm_bytes_written() const { return hbm_dma.bytes_moved(); }
  Picos started() const { return m_start; }
  Picos finished() const { return m_done; }
  const StatGroup& stats() const;

 private:
  MoverConfig m_cfg;
  Picos m_start = 0, m_done = 0;
  mutable StatGroup m_stats;
};

}  // namespace decodesim::tiers
