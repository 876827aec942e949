#include "memory/sram/sram.h"

#include <algorithm>
#include <stdexcept>

namespace decodesim::memory {

const config::Schema<SramConfig>& SramConfig::schema() {
  using C = SramConfig;
  static const config::Schema<C> s =
      config::Schema<C>("banked on-chip SRAM")
          .num("capacity_bytes", &C::capacity_bytes, "B", Bytes{16} << 20, Bytes{1024}, Bytes{1} << 40,
               "capacity")
          .num("banks", &C::banks, "count", 32u, 1u, 4096u, "independent banks")
          .num("bank_width_bytes", &C::bank_width_bytes, "B", 64u, 1u, 4096u, "bytes per bank word",
               config::Check::PowerOfTwo)
          .num("ports", &C::ports, "count", 1u, 1u, 8u, "words per cycle per bank")
          .num("clock_ghz", &C::clock_ghz, "GHz", 1.0, 0.01, 10.0, "SRAM clock")
          .num("latency_cycles", &C::latency_cycles, "cycles", 2u, 0u, 1000u, "pipeline latency of an access");
  return s;
}

void SramConfig::validate(const config::Node* n, const std::string& path) const {
  const Bytes word_set = Bytes{banks} * bank_width_bytes;
  if (capacity_bytes % word_set != 0)
    config::fail_at(n, path, "capacity_bytes", "must be a whole number of words in every bank",
                    std::to_string(capacity_bytes), "a multiple of banks × bank_width_bytes = " + std::to_string(word_set));
}

SramConfig SramConfig::from(const config::Node& root, const std::string& key) {
  SramConfig c;
  schema().read(root.find(key), key, c);
  return c;
}

double SramConfig::peak_bytes_per_s() const {
  return static_cast<double>(banks) * ports * bank_width_bytes * clock_ghz * 1e9;
}

Sram::Sram(std::string name, const SramConfig& cfg)
    : m_cfg(cfg), m_clock(cfg.clock_ghz), m_free(cfg.banks, 0), m_stats(std::move(name)) {}

Picos Sram::access(Bytes addr, Bytes len, bool write, Picos arrival) {
  if (addr >= m_cfg.capacity_bytes || len > m_cfg.capacity_bytes - addr)
    throw std::out_of_range(m_stats.name() + ": access past capacity");
  if (len == 0) return arrival;
  const Bytes w = m_cfg.bank_width_bytes, nb = m_cfg.banks;
  const Bytes first = addr / w, last = (addr + len - 1) / w, words = last - first + 1;
  const Cycles start = m_clock.to_cycles(arrival);
  Cycles done = start;
  // Words first..last cover every bank words/nb times, plus one more for `extra` banks after first's.
  const Bytes rounds = words / nb, extra = words % nb;
  const Bytes touched = std::min<Bytes>(words, nb);
  for (Bytes i = 0; i < touched; ++i) {
    const Bytes bank = (first + i) % nb;
    const Bytes n = rounds + (i < extra ? 1 : 0);
    Cycles& free = m_free[bank];
    if (free > start) m_conflict_cycles += free - start;
    const Cycles s = std::max(start, free);
    free = s + (n + m_cfg.ports - 1) / m_cfg.ports;
    done = std::max(done, free);
  }
  (write ? m_writes : m_reads) += words;
  (write ? m_bytes_written : m_bytes_read) += len;
  return m_clock.to_picos(done + m_cfg.latency_cycles);
}

const StatGroup& Sram::stats() const {
  m_stats.set("bytes_read", double(m_bytes_read), "B", "bytes read");
  m_stats.set("bytes_written", double(m_bytes_written), "B", "bytes written");
  m_stats.set("read_accesses", double(m_reads), "count", "bank-word reads (energy unit)");
  m_stats.set("write_accesses", double(m_writes), "count", "bank-word writes (energy unit)");
  m_stats.set("bank_wait", double(m_conflict_cycles), "cycles", "cycles accesses waited on busy banks, summed over banks");
  return m_stats;
}

}  // namespace decodesim::memory
