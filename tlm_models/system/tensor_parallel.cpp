#include "system/tensor_parallel.h"

#include <cstdio>

#include "common/base/sc_time_conv.h"
#include "memory/link/collective.h"
#include "workload/lowering.h"

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

namespace {

/// Links a chip reaches its peers over at once: one per peer on a full mesh, else its one port
/// (a ring neighbour, or the switch).
std::uint32_t peer_links(const SystemConfig& cfg) {
  return cfg.system.topology == Topology::Mesh && cfg.system.chips > 1 ? cfg.system.chips - 1 : 1;
}

}  // namespace

Picos chip_all_reduce(const SystemConfig& cfg, Barrier& barrier, memory::LinkPort& link_x, memory::LinkPort* link_y,
                      const Kernel& k, Picos ready, Bytes* sent) {
  // Real time must reach the collective: it is where chips exchange data.
  if (ready > sc_now_picos()) sc_core::wait(to_sc_time(ready - sc_now_picos()));
  // In AT a chip's SystemC time may already be past `ready` (its memory's back-pressure): the
  // first message cannot start before now.
  const Picos start = std::max(barrier.arrive_and_wait(ready), sc_now_picos());
  const auto sent_so_far = [&] { return link_x.bytes_sent() + (link_y ? link_y->bytes_sent() : 0); };
  const Bytes before = sent_so_far();
  const std::uint32_t p = cfg.system.chips;
  if (cfg.system.all_reduce == AllReduceAlgo::OneShot && k.collective_bytes <= memory::kOneShotMaxBytes) {
    // Through a switch the chip's one port carries all p-1 loads; on a mesh each peer's own link does.
    const std::uint32_t links = peer_links(cfg);
    const Picos end = memory::one_shot_all_reduce(link_x, k.collective_bytes, p, links, start);
    *sent = (sent_so_far() - before) * links;
    return end;
  }
  switch (cfg.system.topology) {
    case Topology::Torus2d: {
      const Picos end = memory::torus_all_reduce(link_x, link_y, k.collective_bytes, cfg.system.torus_dims, start);
      // Each module stands for its dimension's two directions, which carry the same traffic.
      *sent = 2 * (sent_so_far() - before);
      return end;
    }
    case Topology::Mesh: {
      const Picos end = memory::mesh_all_reduce(link_x, k.collective_bytes, p, start);
      // link_x is one of the p-1 identical links the chip sends on at once.
      *sent = (sent_so_far() - before) * peer_links(cfg);
      return end;
    }
    case Topology::Ring: break;
  }
  const Picos end = memory::ring_all_reduce(link_x, k.collective_bytes, p, start);
  *sent = sent_so_far() - before;
  return end;
}

Picos all_reduce_bound(const SystemConfig& cfg, Bytes bytes) {
  const double p = cfg.system.chips;
  if (p <= 1) return 0;
  // The links a chip sends on at once: one around a ring, both directions of both torus
  // dimensions, every peer's in a mesh.
  const double links = cfg.system.topology == Topology::Torus2d ? 4.0 : peer_links(cfg);
  const double s = 2.0 * (p - 1) / p * static_cast<double>(bytes) / (cfg.link.bandwidth_gbytes_per_s * 1e9 * links);
  return static_cast<Picos>(s * kPicosPerSecond);
}

std::string gigabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GB", bytes / 1e9);
  return buf;
}

std::uint32_t smallest_fitting_chips(const RunRequest& req, const std::function<Bytes(std::uint32_t)>& need_at) {
  const Bytes cap = req.cfg.hbm.capacity_bytes();
  // The count must also shard the model: every divisibility rule shard_model() enforces.
  for (std::uint32_t tp = req.cfg.system.chips + 1; tp <= kMaxChips; ++tp) {
    try {
      workload::shard_model(req.model, tp);
    } catch (const config::InputError&) {
      continue;
    }
    if (need_at(tp) <= cap) return tp;
  }
  return 0;
}

void throw_hbm_too_small(const RunRequest& req, Bytes need_per_chip, const std::string& contents,
                         const std::string& chip_word, const std::function<Bytes(std::uint32_t)>& need_at) {
  const Bytes cap = req.cfg.hbm.capacity_bytes();
  const std::uint32_t chips = smallest_fitting_chips(req, need_at);
  const std::string fix = chips > 0 ? std::to_string(chips) + " " + chip_word +
                                          "s (system.chips; the smallest count that fits and divides the model's "
                                          "heads, FFN and vocabulary) or a larger hbm"
                                    : "a larger hbm (no chip count up to " + std::to_string(kMaxChips) + " fits)";
  // Located at the capacity that is too small: the hbm section may be spread over includes
  // (gpu_h100_pcie takes it from gpu_h100, hbm3 and hbm2e), and its first line names none of them.
  throw config::InputError(config::loc_of(req.cfg.tree.find("hbm"), "capacity_gib"), "hbm",
                           "model does not fit in HBM: " + req.model.name + " needs " +
                               gigabytes(static_cast<double>(need_per_chip)) + " per " + chip_word + " (" + contents +
                               " at batch " + std::to_string(req.scenario.batch) + ", context " +
                               std::to_string(req.scenario.max_context()) + ")",
                           gigabytes(static_cast<double>(cap)) + " per " + chip_word, fix);
}

void throw_unfinished(const SystemConfig& cfg, const std::string& tile_name, std::size_t done, const char* done_what) {
  throw SimulationError("watchdog: run not finished at sim.max_simulated_s = " +
                        std::to_string(cfg.sim.max_simulated_s) + " s (stopped at " +
                        std::to_string(picos_to_seconds(sc_now_picos())) + " s): " + tile_name + " finished " +
                        std::to_string(done) + " " + done_what);
}

void collect_records(const SystemConfig& cfg, const std::vector<KernelGraph>& tokens, std::uint32_t chip,
                     const std::vector<KernelRecord>& records, RunResult& res, ChipTotals& totals) {
  for (KernelRecord r : records) {
    if (r.kind == KernelKind::AllReduce)
      for (const auto& g : tokens)
        for (const auto& k : g.kernels)
          if (k.name == r.name) r.roofline = all_reduce_bound(cfg, k.collective_bytes);
    totals.mem_bytes += static_cast<double>(r.mem_bytes);
    totals.link_bytes += static_cast<double>(r.link_bytes);
    if (chip == 0) {
      totals.chip0_mem += r.mem_bytes;
      totals.chip0_flops += r.flops;
    }
    res.total_time = std::max(res.total_time, r.end);
    res.records.push_back(std::move(r));
  }
}

void finish_hbm_run(const RunRequest& req, const std::vector<KernelGraph>& tokens, const ChipTotals& totals,
                    const std::string& chip_word, RunResult& res) {
  const SystemConfig& cfg = req.cfg;
  Picos chip0_coll = 0;
  for (const auto& g : tokens) {
    res.workload_memory_bytes += g.total_memory_bytes();
    for (const auto& k : g.kernels) chip0_coll += all_reduce_bound(cfg, k.collective_bytes);
  }
  const double mem_s = static_cast<double>(totals.chip0_mem) / res.peak_mem_bytes_per_s;
  const double flop_s = static_cast<double>(totals.chip0_flops) / res.peak_flops;
  res.roofline = std::max<Picos>(static_cast<Picos>(std::max(mem_s, flop_s) * kPicosPerSecond), chip0_coll);

  // Symmetric shards that were not elaborated did exactly what chip 0 did.
  const double scale = static_cast<double>(res.chips) / res.simulated_chips;
  const bool int_path = req.scenario.weight_dtype != DType::BF16;
  res.energy.hbm_bits = totals.mem_bytes * 8 * scale;
  res.energy.sram_bits = totals.sram_bits * scale;
  (int_path ? res.energy.macs_int8 : res.energy.macs_bf16) = totals.macs * scale;
  res.energy.vector_ops = totals.vector_ops * scale;
  res.energy.link_bits = totals.link_bytes * 8 * scale;
  res.energy.link_pj_per_bit = cfg.link.pj_per_bit;
  res.energy.seconds = picos_to_seconds(res.total_time);
  res.energy.chips = res.chips;
  res.energy.clock_ghz = cfg.system.arch == Arch::Gpu ? cfg.gpu.clock_ghz : cfg.tpu.clock_ghz;
  if (res.simulated_chips < res.chips)
    res.notes.push_back("tensor-parallel shards are symmetric: " + chip_word + " 0 was simulated and stands for all " +
                        std::to_string(res.chips) + " " + chip_word + "s (exact; --no-reuse elaborates every " +
                        chip_word + ")");
  if (res.reused_layers > 0)
    res.notes.push_back(std::to_string(res.reused_layers) +
                        " decoder layers replayed from layer 1 (--no-reuse simulates every layer; see docs/reuse.md)");
}

}  // namespace decodesim::system
