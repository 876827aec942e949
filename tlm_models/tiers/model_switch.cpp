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
  // Writes still holding a staging buffer, oldest first: block i may be read only once the
  // write of block i - buffers has drained its buffer.
  std::deque<memory::DmaEngine::Handle> writes;
  Picos buffer_free = start;
  for (Bytes off = 0; off < bytes; off += m_cfg.block_bytes) {
    const Bytes len = std::min<Bytes>(m_cfg.block_bytes, bytes - off);
    if (writes.size() == m_cfg.buffers) {
      buffer_free = std::max(buffer_free, hbm_dma.wait_transfer(writes.front()));
      writes.pop_front();
    }
    const Picos read_done = ddr_dma.wait_transfer(ddr_dma.start_transfer(ddr_addr + off, len, false, buffer_free));
    writes.push_back(hbm_dma.start_transfer(hbm_addr + off, len, true, read_done));
  }
  while (!writes.empty()) {
    m_done = std::max(m_done, hbm_dma.wait_transfer(writes.front()));
    writes.pop_front();
  }
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
