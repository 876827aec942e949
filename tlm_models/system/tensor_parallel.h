// What every HBM-based multi-chip system shares: the barrier chips meet at for each
// all-reduce, one chip's part of that all-reduce over its links, the all-reduce's lower bound,
// and the "model does not fit in HBM" error.
#pragma once

#include <systemc>

#include <functional>
#include <string>
#include <vector>

#include "common/base/kernel_graph.h"
#include "memory/link/link_module.h"
#include "system/run.h"

namespace decodesim::system {

/// Simulated chips meet here at every collective; the collective starts when the last
/// arrives (a data dependency across chips). Every caller has synchronised SystemC time to its
/// own `ready` before calling, so waiting here only orders the chips.
class Barrier {
 public:
  explicit Barrier(std::uint32_t parties) : m_parties(parties) {}
  Picos arrive_and_wait(Picos ready);

 private:
  std::uint32_t m_parties;
  std::uint32_t m_arrived = 0;
  Picos m_latest = 0;
  Picos m_release = 0;
  sc_core::sc_event m_all_here;
};

/// One chip's part of the tensor-parallel all-reduce of `k`: synchronises to `ready`, meets the
/// other simulated chips, then runs the ring (2D-torus, full-mesh) algorithm as messages through this
/// chip's link ports (`link_y`: torus2d only). Returns the completion time; `sent` gets the bytes
/// this chip put on its links.
Picos chip_all_reduce(const SystemConfig& cfg, Barrier& barrier, memory::LinkPort& link_x, memory::LinkPort* link_y,
                      const Kernel& k, Picos ready, Bytes* sent);

/// Lower bound of one all-reduce on this topology: every chip must send 2(p-1)/p of the
/// payload over its links, at full link bandwidth on every link it uses.
Picos all_reduce_bound(const SystemConfig& cfg, Bytes bytes);

/// Most chips a system may have (system.chips).
inline constexpr std::uint32_t kMaxChips = 4096;

/// The smallest chip count above system.chips that shards the model (heads, KV heads, FFN,
/// vocabulary) and whose per-chip need, `need_at(chips)`, fits in HBM; 0 if none does.
std::uint32_t smallest_fitting_chips(const RunRequest& req, const std::function<Bytes(std::uint32_t)>& need_at);

/// Refuses a model that needs `need_per_chip` bytes of HBM per chip (what it holds is said by
/// `contents`), located at the system's hbm section, naming the smallest chip count that would
/// both fit (`need_at`) and shard the model.
[[noreturn]] void throw_hbm_too_small(const RunRequest& req, Bytes need_per_chip, const std::string& contents,
                                      const std::string& chip_word,
                                      const std::function<Bytes(std::uint32_t)>& need_at);

/// What the simulated chips of an HBM system did, summed while their records are collected.
struct ChipTotals {
  double mem_bytes = 0, link_bytes = 0;   ///< all simulated chips
  double sram_bits = 0, macs = 0, vector_ops = 0;
  Bytes chip0_mem = 0;
  std::uint64_t chip0_flops = 0;
};

/// A chip whose tile did not finish means the watchdog (sim.max_simulated_s) stopped the run.
[[noreturn]] void throw_unfinished(const SystemConfig& cfg, const std::string& tile_name, std::size_t done,
                                   const char* done_what = "kernels");

/// Appends chip `chip`'s records to `res` (all-reduce records get their link bound as roofline)
/// and adds its traffic to `totals`.
void collect_records(const SystemConfig& cfg, const std::vector<KernelGraph>& tokens, std::uint32_t chip,
                     const std::vector<KernelRecord>& records, RunResult& res, ChipTotals& totals);

/// Completes `res` once every chip is collected: workload bytes, the run's roofline, energy
/// counts scaled from the simulated chips to all of them, and the reuse notes. `chip_word`
/// names a chip in those notes ("chip", "GPU").
void finish_hbm_run(const RunRequest& req, const std::vector<KernelGraph>& tokens, const ChipTotals& totals,
                    const std::string& chip_word, RunResult& res);

/// "12.34 GB"
std::string gigabytes(double bytes);

}  // namespace decodesim::system
