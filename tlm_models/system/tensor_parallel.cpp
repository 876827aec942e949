#include "system/tensor_parallel.h"

#include <cstdio>

#include "common/base/sc_time_conv.h"
#include "memory/link/collective.h"

namespace decodesim::system {

Picos Barrier::arrive_and_wait(Picos ready) {
  m_latest = std::max(m_latest, ready);
  if (++m_arrived < m_parties) {
    sc_core::wait(m_all_here);
    return m_release;
  }
  m_release = m_latest;
  m_latest = 0;
  m_arrived = 0;
  m_all_here.notify();
  return m_release;
}

Picos chip_all_reduce(const SystemConfig& cfg, Barrier& barrier, memory::Link& link_x, memory::Link& link_y,
                      const Kernel& k, Picos ready, Bytes* sent) {
  // Real time must reach the collective: it is where chips exchange data.
  if (ready > sc_now_picos()) sc_core::wait(to_sc_time(ready - sc_now_picos()));
  const Picos start = barrier.arrive_and_wait(ready);
  const Bytes before = link_x.bytes() + link_y.bytes();
  const Picos end = cfg.system.topology == Topology::Torus2d
                        ? memory::torus_all_reduce(link_x, link_y, k.collective_bytes, cfg.system.torus_dims, start)
                        : memory::ring_all_reduce(link_x, k.collective_bytes, cfg.system.chips, start);
  *sent = link_x.bytes() + link_y.bytes() - before;
  return end;
}

Picos all_reduce_bound(const SystemConfig& cfg, Bytes bytes) {
  const double p = cfg.system.chips;
  if (p <= 1) return 0;
  const double links = cfg.system.topology == Topology::Torus2d ? 2.0 : 1.0;
  const double s = 2.0 * (p - 1) / p * static_cast<double>(bytes) / (cfg.link.bandwidth_gbytes_per_s * 1e9 * links);
  return static_cast<Picos>(s * kPicosPerSecond);
}

std::string gigabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GB", bytes / 1e9);
  return buf;
}

void throw_hbm_too_small(const RunRequest& req, Bytes need_per_chip, const std::string& contents,
                         const std::string& chip_word, std::uint64_t min_chips) {
  const Bytes cap = req.cfg.hbm.capacity_bytes();
  throw config::InputError(config::loc_of(req.cfg.tree.find("hbm"), ""), "hbm",
                           "model does not fit in HBM: " + req.model.name + " needs " +
                               gigabytes(static_cast<double>(need_per_chip)) + " per " + chip_word + " (" + contents +
                               " at batch " + std::to_string(req.scenario.batch) + ", context " +
                               std::to_string(req.scenario.max_context()) + ")",
                           gigabytes(static_cast<double>(cap)) + " per " + chip_word,
                           "at least " + std::to_string(min_chips) + " " + chip_word +
                               "s (system.chips) or a larger hbm");
}

}  // namespace decodesim::system
