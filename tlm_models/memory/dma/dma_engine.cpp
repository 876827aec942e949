#include "memory/dma/dma_engine.h"

#include <algorithm>
#include <stdexcept>

#include "memory/tlm_time.h"

namespace decodesim::memory {

const config::Schema<DmaConfig>& DmaConfig::schema() {
  using C = DmaConfig;
  static const config::Schema<C> s =
      config::Schema<C>("DMA engine: chunking and outstanding-chunk limit")
          .num("chunk_bytes", &C::chunk_bytes, "B", 65536u, 32u, 16777216u, "bytes per chunk (one TLM transaction)",
               config::Check::PowerOfTwo)
          .num("max_outstanding", &C::max_outstanding, "chunks", 16u, 1u, 4096u, "chunks in flight at most")
          .num("issue_interval_ns", &C::issue_interval_ns, "ns", 1.0, 0.0, 100000.0,
               "minimum time between two chunk issues")
          .num("return_latency_ns", &C::return_latency_ns, "ns", 0.0, 0.0, 100000.0,
               "memory completion to the engine seeing the chunk done");
  return s;
}

void DmaConfig::validate(const config::Node*, const std::string&) const {}

DmaConfig DmaConfig::from(const config::Node& root, const std::string& key) {
  DmaConfig c;
  schema().read(root.find(key), key, c);
  return c;
}

DmaEngine::DmaEngine(sc_core::sc_module_name name, const DmaConfig& cfg)
    : sc_core::sc_module(name),
      socket("socket"),
      m_cfg(cfg),
      m_interval(ns_to_picos(cfg.issue_interval_ns)),
      m_return(ns_to_picos(cfg.return_latency_ns)),
      m_window(cfg.max_outstanding, 0),
      m_scratch(cfg.chunk_bytes, 0),
      m_stats(basename()) {}

Picos DmaEngine::issue_chunk(Bytes addr, Bytes len, bool write, Picos earliest) {
  const Picos slot_free = m_window[m_head];
  const Picos issue = std::max({earliest, m_next_issue, slot_free});
  if (slot_free > std::max(earliest, m_next_issue)) m_window_stall += slot_free - std::max(earliest, m_next_issue);

  const Picos now = to_picos(sc_core::sc_time_stamp());
  m_payload.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  m_payload.set_address(addr);
  m_payload.set_data_ptr(m_scratch.data());
  m_payload.set_data_length(static_cast<unsigned>(len));
  m_payload.set_streaming_width(static_cast<unsigned>(len));
  m_payload.set_byte_enable_ptr(nullptr);
  m_payload.set_dmi_allowed(false);
  m_payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = to_sc_time(issue >= now ? issue - now : 0);
  socket->b_transport(m_payload, delay);
  if (m_payload.is_response_error())
    throw std::runtime_error(std::string(name()) + ": " + m_payload.get_response_string() + " for [" +
                             std::to_string(addr) + ", +" + std::to_string(len) + ")");
  const Picos done = now + to_picos(delay) + m_return;

  m_window[m_head] = done;
  m_head = (m_head + 1) % m_window.size();
  m_next_issue = issue + m_interval;
  m_bytes += len;
  ++m_chunks;
  m_latency_sum += done - issue;
  m_first_issue = std::min(m_first_issue, issue);
  m_last_done = std::max(m_last_done, done);
  return done;
}

Picos DmaEngine::transfer(Bytes addr, Bytes len, bool write, Picos start) {
  Picos last = start;
  for (Bytes off = 0; off < len; off += m_cfg.chunk_bytes)
    last = std::max(last, issue_chunk(addr + off, std::min<Bytes>(m_cfg.chunk_bytes, len - off), write, start));
  return last;
}

Picos DmaEngine::transfer(const std::vector<DmaDescriptor>& descriptors, Picos start) {
  Picos last = start;
  for (const auto& d : descriptors) last = std::max(last, transfer(d.addr, d.len, d.write, start));
  return last;
}

double DmaEngine::mean_chunk_latency_ns() const {
  return m_chunks ? static_cast<double>(m_latency_sum) / static_cast<double>(m_chunks) / 1000.0 : 0.0;
}

const StatGroup& DmaEngine::stats() const {
  StatGroup& s = m_stats;
  const double elapsed = m_chunks ? double(m_last_done - m_first_issue) : 0.0;
  s.set("bytes_moved", double(m_bytes), "B", "bytes transferred");
  s.set("chunks", double(m_chunks), "count", "chunks issued (one TLM transaction each)");
  s.set("mean_chunk_latency", mean_chunk_latency_ns(), "ns", "chunk issue to completion");
  s.set("window_stall", double(m_window_stall), "ps", "time issue waited for a free outstanding slot");
  s.set("achieved_bytes_per_s", elapsed > 0 ? double(m_bytes) / (elapsed * 1e-12) : 0.0, "B/s",
        "bytes / (first issue to last completion)");
  return s;
}

}  // namespace decodesim::memory
