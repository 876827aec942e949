#include "lpu/mem_slices.h"

#include "common/base/sc_time_conv.h"
#include "memory/sram/sram_target.h"

namespace decodesim::lpu {

MemSlices::MemSlices(sc_core::sc_module_name name, const LpuConfig& cfg)
    : memory::MemoryTarget(name),
      socket("socket"),
      m_timing(cfg),
      m_capacity(cfg.mem.capacity_bytes),
      m_peak(cfg.sram_peak_bytes_per_s()),
      m_stats("mem") {
  socket.register_b_transport(this, &MemSlices::b_transport);
  socket.register_nb_transport_fw(this, &MemSlices::nb_transport_fw);
}

void MemSlices::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  if (!memory::accept_access(p, m_capacity)) return;
  const Bytes len = p.get_data_length();
  delay += to_sc_time(m_timing.deliver(len));
  (p.is_write() ? m_written : m_read) += len;
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

tlm::tlm_sync_enum MemSlices::nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                              sc_core::sc_time& delay) {
  if (phase != tlm::BEGIN_REQ) SC_REPORT_ERROR(name(), "unexpected phase: transactions complete on BEGIN_REQ");
  b_transport(p, delay);
  return tlm::TLM_COMPLETED;
}

const StatGroup& MemSlices::stats() const {
  m_stats.set("bytes_read", double(m_read), "B", "bytes streamed out of MEM");
  m_stats.set("bytes_written", double(m_written), "B", "bytes streamed into MEM");
  return m_stats;
}

}  // namespace decodesim::lpu
