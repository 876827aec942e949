#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include "memory/dma/dma_engine.h"

#include <algorithm>
#include <stdexcept>

#include "common/base/sc_time_conv.h"

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

DmaEngine::DmaEngine(sc_core::sc_module_name name, const DmaConfig& cfg, const TlmSettings& tlm)
    : sc_core::sc_module(name),
      socket("socket"),
      target_info("target_info"),
      m_cfg(cfg),
      m_interval(ns_to_picos(cfg.issue_interval_ns)),
      m_return(ns_to_picos(cfg.return_latency_ns)),
      m_port(this->name(), socket, target_info, tlm, cfg.max_outstanding, cfg.chunk_bytes),
      m_window(cfg.max_outstanding),
      m_stats(basename()) {
  socket.register_nb_transport_bw(this, &DmaEngine::nb_transport_bw);
  m_at = tlm.mode == TlmMode::At;
  if (m_at) {
    m_port.on_complete([this](MemoryPort::Ticket t, Picos done) { chunk_completed(t, done); });
    // A process of a constructor with arguments: sc_spawn, since SC_THREAD there needs the
    // deprecated SC_HAS_PROCESS (IEEE 1666-2023) in SystemC 2.3.4.
    sc_core::sc_spawn([this] { issuer(); }, "issuer");
  }
}

void DmaEngine::record_done(std::size_t i, Picos done) {
  Slot& w = m_window[i];
  w.done = done + m_return;
  w.busy = false;
  m_latency_sum += w.done - w.issue;
  m_last_done = std::max(m_last_done, w.done);
  if (Open* o = open_of(w.transfer)) o->done = std::max(o->done, w.done);
}

void DmaEngine::chunk_completed(MemoryPort::Ticket t, Picos done) {
  for (std::size_t i = 0; i < m_window.size(); ++i)
    if (m_window[i].busy && m_window[i].ticket == t) {
      record_done(i, done);
      m_progress.notify();
      return;
    }
  m_early[t] = done;  // completed inside begin(), before issue() filled its slot
}

Picos DmaEngine::slot_done(std::size_t i) {
  Slot& w = m_window[i];
  if (!m_at) {
    if (w.busy) record_done(i, m_port.finish(w.ticket));
    return w.done;
  }
  // AT: completions arrive through chunk_completed(); the slot may be refilled meanwhile (by the
  // issuer, once it has seen this chunk done), which also ends the wait.
  const MemoryPort::Ticket t = w.ticket;
  while (w.busy && w.ticket == t) sc_core::wait(m_progress);
  return w.done;
}

void DmaEngine::issuer() {
  for (;;) {
    while (m_jobs.empty()) sc_core::wait(m_queued);
    const Job j = m_jobs.front();
    m_jobs.pop_front();
    issue(j.h, j.d.addr, j.d.len, j.d.write, j.start);
    if (j.last) {
      if (Open* o = open_of(j.h)) o->issued = true;
      m_progress.notify();
    }
  }
}

void DmaEngine::issue(Handle h, Bytes addr, Bytes len, bool write, Picos start) {
  for (Bytes off = 0; off < len; off += m_cfg.chunk_bytes) {
    const Bytes n = std::min<Bytes>(m_cfg.chunk_bytes, len - off);
    // The window: this chunk takes the slot of the chunk max_outstanding places earlier.
    const Picos slot_free = slot_done(m_head);
    const Picos ready = std::max(start, m_next_issue);
    const Picos at = std::max(ready, slot_free);
    if (slot_free > ready) m_window_stall += slot_free - ready;
    const MemoryPort::Ticket t = m_port.begin(write, addr + off, n, at, std::min(at, m_start_floor));
    m_window[m_head] = Slot{t, h, true, at, n, 0};
    if (m_at) {
      const auto early = m_early.find(t);
      if (early != m_early.end()) {
        record_done(m_head, early->second);
        m_early.erase(early);
      }
    }
    m_head = (m_head + 1) % m_window.size();
    m_next_issue = at + m_interval;
    m_bytes += n;
    ++m_chunks;
    m_first_issue = std::min(m_first_issue, at);
  }
}

DmaEngine::Handle DmaEngine::open_transfer(Picos start) {
  m_open.push_back(Open{start, 0, false});
  return m_open_base + m_open.size() - 1;
}

DmaEngine::Handle DmaEngine::start_transfer(Bytes addr, Bytes len, bool write, Picos start) {
  const Handle h = open_transfer(start);
  if (m_at) queue(h, {DmaDescriptor{addr, len, write}}, start);
  else issue(h, addr, len, write, start);
  return h;
}

void DmaEngine::queue(Handle h, const std::vector<DmaDescriptor>& descriptors, Picos start) {
  if (descriptors.empty()) return;
  open_of(h)->issued = false;
  for (std::size_t i = 0; i < descriptors.size(); ++i)
    m_jobs.push_back(Job{h, descriptors[i], start, i + 1 == descriptors.size()});
  m_queued.notify();
}

Picos DmaEngine::wait_transfer(Handle h) {
  while (!open_of(h)->issued) sc_core::wait(m_progress);
  for (std::size_t i = 0; i < m_window.size(); ++i)
    if (m_window[i].busy && m_window[i].transfer == h) slot_done(i);
  Open& o = *open_of(h);
  o.waited = true;
  const Picos done = std::max(o.start, o.done);
  while (!m_open.empty() && m_open.front().waited) {
    m_open.pop_front();
    ++m_open_base;
  }
  return done;
}

Picos DmaEngine::transfer(Bytes addr, Bytes len, bool write, Picos start) {
  return wait_transfer(start_transfer(addr, len, write, start));
}

Picos DmaEngine::transfer(const std::vector<DmaDescriptor>& descriptors, Picos start) {
  // One window over all descriptors: in AT nothing waits until the last one is issued.
  const Handle h = open_transfer(start);
  if (m_at) queue(h, descriptors, start);
  else
    for (const auto& d : descriptors) issue(h, d.addr, d.len, d.write, start);
  return wait_transfer(h);
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
