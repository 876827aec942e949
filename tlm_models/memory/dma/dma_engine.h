// DMA engine: splits a transfer into chunks and issues them to any TLM-2.0 target with at most
// max_outstanding chunks in flight. Achieved bandwidth is whatever latency × concurrency allows
// (Little's law); nothing here sets a bandwidth.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/stats.h"
#include "common/base/units.h"
#include "common/config/schema.h"

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

  DmaEngine(sc_core::sc_module_name name, const DmaConfig& cfg);

  /// Moves [addr, addr + len). Chunk i issues at max(issue of chunk i-1 + issue interval,
  /// completion of chunk i - max_outstanding); the first chunk issues at `start` when the engine
  /// is idle (the window and issue interval carry over from earlier calls). One b_transport per
  /// chunk with timing annotation; the engine never wait()s (temporal decoupling). Returns the
  /// completion time of the last chunk. Throws std::runtime_error on a TLM error response.
  Picos transfer(Bytes addr, Bytes len, bool write, Picos start);

  /// Scatter/gather: the descriptors are chunked one after another through one window.
  Picos transfer(const std::vector<DmaDescriptor>& descriptors, Picos start);

  const DmaConfig& config() const { return m_cfg; }
  Bytes bytes_moved() const { return m_bytes; }
  std::uint64_t chunks() const { return m_chunks; }
  /// Mean chunk latency, issue to completion (ns).
  double mean_chunk_latency_ns() const;
  const StatGroup& stats() const;

 private:
  Picos issue_chunk(Bytes addr, Bytes len, bool write, Picos earliest);

  DmaConfig m_cfg;
  Picos m_interval, m_return;
  std::vector<Picos> m_window;   ///< completion times of the last max_outstanding chunks (ring)
  std::size_t m_head = 0;
  Picos m_next_issue = 0;        ///< earliest issue allowed by the issue interval
  std::vector<unsigned char> m_scratch;  ///< data buffer the payload points at (timing-only targets ignore it)
  tlm::tlm_generic_payload m_payload;

  Bytes m_bytes = 0;
  std::uint64_t m_chunks = 0;
  Picos m_latency_sum = 0, m_window_stall = 0, m_first_issue = ~Picos{0}, m_last_done = 0;
  mutable StatGroup m_stats;
};

}  // namespace decodesim::memory
