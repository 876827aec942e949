// DMA engine: splits a transfer into chunks and issues them to any TLM-2.0 target with at most
// max_outstanding chunks in flight, in LT or AT (memory::MemoryPort). Achieved bandwidth is
// whatever latency × concurrency allows (Little's law); nothing here sets a bandwidth.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <string>
#include <deque>
#include <unordered_map>
#include <vector>

#include "common/base/stats.h"
#include "common/base/units.h"
#include "common/config/schema.h"
#include "memory/tlm/memory_port.h"

namespace decodesim::memory {

/// The `dma:` config section.
struct DmaConfig {
  std::uint32_t chunk_bytes = 0;
  std::uint32_t max_outstanding = 0;   ///< chunks in flight
  double issue_interval_ns = 0;        ///< minimum time between two chunk issues (descriptor processing)
  double return_latency_ns = 0;        ///< memory completion to the engine seeing it (e.g. write into local SRAM)

  static const config::Schema<DmaConfig>& schema();
  void validate(const config::Node* section, const std::string& path) const;
  static DmaConfig from(const config::Node& root, const std::string& key = "dma");
};

/// One contiguous piece of a scatter/gather transfer.
struct DmaDescriptor {
  Bytes addr = 0;
  Bytes len = 0;
  bool write = false;
};

class DmaEngine : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<DmaEngine> socket;
  sc_core::sc_port<MemoryInfoIf> target_info;  ///< the memory's capability and stats

  DmaEngine(sc_core::sc_module_name name, const DmaConfig& cfg, const TlmSettings& tlm = {});

  /// Moves [addr, addr + len). Chunk i issues at max(issue of chunk i-1 + issue interval,
  /// completion of chunk i - max_outstanding); the first chunk issues at `start` when the engine
  /// is idle (the window and issue interval carry over from earlier calls). LT: one b_transport
  /// per chunk piece with timing annotation, synced only by the quantum keeper. AT: the 4-phase
  /// protocol, waiting in SystemC time for END_REQ, for the window, and for the last response.
  /// Returns the completion time of the last chunk. Throws std::runtime_error on a TLM error
  /// response.
  Picos transfer(Bytes addr, Bytes len, bool write, Picos start);

  /// Scatter/gather: the descriptors are chunked one after another through one window.
  Picos transfer(const std::vector<DmaDescriptor>& descriptors, Picos start);

  /// Split phase: transfer() is wait_transfer(start_transfer(...)). Issuing the next transfers
  /// before waiting for this one keeps the window full in AT (in LT the results are the same).
  /// In AT, start_transfer() only queues the transfer: the engine's own thread issues the queued
  /// transfers in order, waiting for END_REQ and free window slots there, as a descriptor queue
  /// does. The caller's thread waits only in wait_transfer(), until that transfer's completion,
  /// so its SystemC time never runs past the data it has been given (it may still read VMEM at
  /// a time computed from that data).
  using Handle = std::uint64_t;
  Handle start_transfer(Bytes addr, Bytes len, bool write, Picos start);
  /// Completion of the transfer's last chunk (at least its start); waits for it in AT. Once.
  Picos wait_transfer(Handle h);

  /// The caller's promise that it will not ask for a start earlier than `t` any more: LT syncs
  /// SystemC time up to min(t, chunk issue) only, so no later request is sent in the past.
  /// Default (never set): the chunk issue time itself.
  void set_start_floor(Picos t) { m_start_floor = t; }

  const DmaConfig& config() const { return m_cfg; }
  Bytes bytes_moved() const { return m_bytes; }
  std::uint64_t chunks() const { return m_chunks; }
  /// Mean chunk latency, issue to completion (ns).
  double mean_chunk_latency_ns() const;
  const StatGroup& stats() const;

 private:
  /// Issues every chunk of [addr, addr + len) as part of transfer `h`.
  void issue(Handle h, Bytes addr, Bytes len, bool write, Picos start);
  Handle open_transfer(Picos start);
  /// AT: hands the transfer's pieces to the issuer.
  void queue(Handle h, const std::vector<DmaDescriptor>& descriptors, Picos start);
  /// Completion of the chunk in window slot `i` (waits for it in AT); 0 for an empty slot.
  Picos slot_done(std::size_t i);
  /// AT: the engine's thread, issuing queued transfers in order.
  void issuer();
  /// AT: MemoryPort's completion callback; records the chunk of ticket `t` as done.
  void chunk_completed(MemoryPort::Ticket t, Picos done);
  /// Records the chunk in window slot `w` as done at `done` (memory completion).
  void record_done(std::size_t w, Picos done);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_core::sc_time& d) {
    return m_port.nb_transport_bw(p, ph, d);
  }

  struct Slot {
    MemoryPort::Ticket ticket = 0;
    Handle transfer = 0;
    bool busy = false;   ///< ticket not finished yet
    Picos issue = 0;
    Bytes len = 0;
    Picos done = 0;      ///< completion (+ return latency) once finished
  };
  DmaConfig m_cfg;
  Picos m_interval, m_return;
  MemoryPort m_port;
  std::vector<Slot> m_window;    ///< the last max_outstanding chunks (ring)
  std::size_t m_head = 0;
  Picos m_next_issue = 0;        ///< earliest issue allowed by the issue interval
  Picos m_start_floor = ~Picos{0};
  struct Open {
    Picos start = 0;
    Picos done = 0;  ///< latest completion of its chunks finished so far
    bool waited = false;
    bool issued = true;  ///< every chunk is in the window (AT: the issuer has reached its end)
  };
  /// AT: a contiguous piece of a queued transfer, for the issuer.
  struct Job {
    Handle h = 0;
    DmaDescriptor d;
    Picos start = 0;
    bool last = false;  ///< the transfer's last piece
  };
  bool m_at = false;
  std::deque<Job> m_jobs;
  sc_core::sc_event m_queued, m_progress;  ///< a job was queued; a transfer was issued or a chunk completed
  std::unordered_map<MemoryPort::Ticket, Picos> m_early;  ///< AT: completed before its slot was filled
  std::deque<Open> m_open;  ///< transfers m_open_base, m_open_base + 1, ...; waited ones leave from the front
  Handle m_open_base = 0;
  Open* open_of(Handle h) { return h >= m_open_base && h - m_open_base < m_open.size() ? &m_open[h - m_open_base] : nullptr; }

  Bytes m_bytes = 0;
  std::uint64_t m_chunks = 0;
  Picos m_latency_sum = 0, m_window_stall = 0, m_first_issue = ~Picos{0}, m_last_done = 0;
  mutable StatGroup m_stats;
};

}  // namespace decodesim::memory
