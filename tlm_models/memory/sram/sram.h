// Banked on-chip SRAM (VMEM, shared memory, LPU MEM slices) as per-bank timelines.
//
// Words of bank_width_bytes are interleaved over the banks (word w lives in bank w mod banks).
// Each bank serves `ports` words per cycle. An access of n words spread over the banks finishes
// when its busiest bank does, plus the pipeline latency:
//   done = max over banks b of (max(arrival, free_b) + ceil(words_b / ports)) + latency_cycles
// Every word counts as one access for energy (energy per access is the energy model's job).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/stats.h"
#include "common/base/units.h"
#include "common/config/schema.h"

namespace decodesim::memory {

struct SramConfig {
  Bytes capacity_bytes = 0;
  std::uint32_t banks = 0;
  std::uint32_t bank_width_bytes = 0;
  std::uint32_t ports = 0;          ///< words per cycle per bank
  double clock_ghz = 0;
  std::uint32_t latency_cycles = 0;

  static const config::Schema<SramConfig>& schema();
  void validate(const config::Node* section, const std::string& path) const;
  static SramConfig from(const config::Node& root, const std::string& key);
  /// banks × ports × bank_width × clock.
  double peak_bytes_per_s() const;
};

class Sram {
 public:
  Sram(std::string name, const SramConfig& cfg);

  /// Serves [addr, addr + len) arriving at `arrival` (ps); returns when the last word is done.
  /// Throws std::out_of_range past capacity.
  Picos access(Bytes addr, Bytes len, bool write, Picos arrival);

  const SramConfig& config() const { return m_cfg; }
  std::uint64_t read_accesses() const { return m_reads; }    ///< in bank_width words
  std::uint64_t write_accesses() const { return m_writes; }  ///< in bank_width words
  Bytes bytes_read() const { return m_bytes_read; }
  Bytes bytes_written() const { return m_bytes_written; }
  const StatGroup& stats() const;

 private:
  SramConfig m_cfg;
  ClockDomain m_clock;
  std::vector<Cycles> m_free;  ///< per bank: first cycle with a free port
  std::uint64_t m_reads = 0, m_writes = 0;
  Bytes m_bytes_read = 0, m_bytes_written = 0;
  Cycles m_conflict_cycles = 0;
  mutable StatGroup m_stats;
};

}  // namespace decodesim::memory
