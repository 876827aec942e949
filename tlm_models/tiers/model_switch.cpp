#include "tiers/model_switch.h"

#include <algorithm>
#include <deque>

namespace decodesim::tiers {

ModelSwitch::ModelSwitch(sc_core::sc_module_name name, const MoverConfig& cfg, const memory::TlmSettings& tlm)
    : sc_core::sc_module(name),
      ddr_dma("ddr_dma", cfg.ddr_dma, tlm),
      hbm_dma("hbm_dma", cfg.hbm_dma, tlm),
      m_cfg(cfg),
      m_stats(basename()) {}

Picos ModelSwitch::copy(Bytes ddr_addr, Bytes hbm_addr, Bytes bytes, Picos start) {
  m_start = start;
  m_done = start;
  // The DDR reader (this thread) and the HBM writer (its own thread) hand staging buffers to
  // each other. Two threads, not one issuing both: an initiator's LT quantum keeper (or, in AT,
  // its wait for a free outstanding slot) holds the thread that issues, so one thread would
  // serialise the write of block i with the read of block i+1.
  struct Block {
    Bytes off, len;
    Picos ready;  ///< when its data is in the staging buffer
  };
  std::deque<Block> filled;
  std::deque<Picos> freed(m_cfg.buffers, start);  ///< when each free buffer became free
  sc_core::sc_event filled_ev, freed_ev;
  const Bytes block = m_cfg.block_bytes;
  const Bytes blocks = (bytes + block - 1) / block;
  sc_core::sc_process_handle writer = sc_core::sc_spawn([&] {
    for (Bytes i = 0; i < blocks; ++i) {
      while (filled.empty()) sc_core::wait(filled_ev);
      const Block b = filled.front();
      filled.pop_front();
      const Picos written = hbm_dma.transfer(hbm_addr + b.off, b.len, true, b.ready);
      m_done = std::max(m_done, written);
      freed.push_back(written);
      freed_ev.notify(sc_core::SC_ZERO_TIME);
    }
  });
  for (Bytes i = 0; i < blocks; ++i) {
    while (freed.empty()) sc_core::wait(freed_ev);
    const Picos free_at = freed.front();
    freed.pop_front();
    const Bytes off = i * block, len = std::min<Bytes>(block, bytes - off);
    filled.push_back({off, len, ddr_dma.transfer(ddr_addr + off, len, false, free_at)});
    filled_ev.notify(sc_core::SC_ZERO_TIME);
  }
  if (!writer.terminated()) sc_core::wait(writer.terminated_event());
  return m_done;
}

const StatGroup& ModelSwitch::stats() const {
  const double secs = picos_to_seconds(m_done - m_start);
  m_stats.set("bytes", static_cast<double>(hbm_bytes_written()), "B", "weight bytes copied DDR -> HBM");
  m_stats.set("time", secs, "s", "first DDR read issued to last HBM write done");
  m_stats.set("bandwidth", secs > 0 ? hbm_bytes_written() / secs : 0.0, "B/s", "bytes / time");
  m_stats.group("ddr_dma") = ddr_dma.stats();
  m_stats.group("hbm_dma") = hbm_dma.stats();
  return m_stats;
}

}  // namespace decodesim::tiers
