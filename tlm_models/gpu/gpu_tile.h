// One GPU: SMs executing decode kernels as grids of CTAs, over the memory path (L1, NoC, L2
// slices) whose socket the parent binds to HBM.
//
// Execution model (docs/gpu.md): every CTA slot of every SM is an issuer of memory requests.
// Issuers run in one global time order (a heap), so the L2 slices and HBM see requests in
// arrival order. A request issues when its CTA's in-flight bytes (threads × per-thread depth)
// and its SM's in-flight bytes (sm.max_inflight_bytes) allow — bandwidth is latency ×
// concurrency, never a set number. A CTA finishes when its last load has returned, its compute
// (tensor cores through the matmul slot, CUDA cores) is done and its stores are accepted; the
// freed slot takes the next CTA (the block scheduler). Kernels are separated by launch gaps.
#pragma once

#include <systemc>

#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/base/kernel_record.h"
#include "common/base/layer_replay.h"
#include "common/base/stats.h"
#include "common/base/trace.h"
#include "gpu/gpu_config.h"
#include "gpu/gpu_memory.h"
#include "gpu/kernel_mapper.h"
#include "common/base/memory_plan.h"

namespace decodesim::gpu {


/// Collective hook, as for the TPU tile: returns completion; sets the bytes this GPU sent.
using CollectiveFn = std::function<Picos(const Kernel&, Picos ready, Bytes* link_bytes)>;

/// Breakdown keys every GPU KernelRecord carries (exclusive time of the kernel splits into these).
inline constexpr const char* kLossKeys[] = {"hbm_stream", "refresh", "low_mlp", "tail", "compute", "launch"};

class GpuTile : public sc_core::sc_module {
 public:
  GpuMemory mem;  ///< its `socket` and `target_info` are the GPU's memory port; the parent binds them

  GpuTile(sc_core::sc_module_name name, const GpuConfig& cfg, const memory::TlmSettings& tlm, std::uint32_t chip);

  /// Kernel graphs (one per token) and where weights/KV live; activations go above `plan.total_bytes`.
  /// `plans`: the target model's, then a speculative draft's when its steps are among `tokens`.
  void load(std::vector<KernelGraph> tokens, std::vector<MemoryPlan> plans);
  void set_collective(CollectiveFn fn) { m_collective = std::move(fn); }
  void set_trace(TraceWriter* t);
  void set_reuse(bool on) { m_reuse = on; }
  /// Bytes above the memory plan this tile uses for activations and partial results.
  static Bytes on_chip_region_bytes(const GpuConfig& cfg, const std::vector<KernelGraph>& tokens);

  std::uint32_t reused_layers() const { return m_reused_layers; }
  const std::vector<KernelRecord>& records() const { return m_records; }
  bool finished() const { return m_finished; }
  const StatGroup& stats() const;

  // Energy event counts.
  double macs() const { return m_macs; }         ///< tensor-core MACs executed (padded fragments)
  double cuda_ops() const { return m_cuda_ops; } ///< CUDA-core element ops
  double sram_bits() const { return m_sram_bits; }

  /// Lower bound of a kernel given where its bytes came from (HBM, or L2 when they hit there).
  Picos roofline(const Kernel& k, Bytes hbm_bytes, Bytes l2_bytes) const;

  /// Runs one grid from `start` (no launch gap) and returns when its last CTA retired. Kernels
  /// use it through the token loop; microbenchmarks (testbenches/gpu_tb) call it directly from
  /// an SC_THREAD of their own.
  Picos run_grid(const Grid& g, Picos start);

 private:
  struct Window;
  struct Issuer;
  struct SmState;
  struct GridRun;

  void run();
  KernelRecord execute(const Kernel& k, std::size_t index, std::uint32_t token, Picos prev_end);
  Picos launch_ready(Picos prev_end, bool first_of_token);
  Cycles compute_cycles(const CtaCompute& c, std::uint32_t threads);
  KernelAddresses addresses(const Kernel& k, std::size_t index, std::uint32_t token, std::size_t seq) const;
  /// The grids of `k`, a mixed kernel's two parts one after the other.
  KernelPlan plan_kernel(const Kernel& k, std::size_t index, std::uint32_t token) const;
  Picos cycles_to_ps(Cycles c) const { return m_clock.to_picos(c); }

  GpuConfig m_cfg;
  ClockDomain m_clock;
  double m_peak_mem_bw = 0;  ///< the memory's, read through mem.target_info when the run starts
  std::uint32_t m_chip;
  std::unique_ptr<matmul::MatmulCore> m_core;

  std::vector<KernelGraph> m_tokens;
  std::vector<MemoryPlan> m_plans;
  const MemoryPlan* m_plan = nullptr;  ///< the running step's (plan_for)
  Bytes m_act_base[2] = {0, 0};
  Bytes m_scratch_base = 0;
  CollectiveFn m_collective;
  TraceWriter* m_trace = nullptr;
  int m_track_kernel = -1, m_track_sm0 = -1, m_track_launch = -1;
  const Kernel* m_running = nullptr;  ///< the kernel execute() is simulating, for trace slices
  bool m_reuse = false;
  std::uint32_t m_reused_layers = 0;
  replay::ReplayCounters m_counters;              ///< see run(): owned here, not by the thread
  std::unique_ptr<replay::LayerReplay> m_replayer;
  std::uint32_t m_token = 0;                      ///< the token run() is simulating
  Picos m_now = 0;                                ///< end of the last kernel (the tile's local time)

  Picos m_host = 0;  ///< stream mode: when the host has issued the launches so far
  // Per-grid accounting, summed per kernel.
  struct GridAcct {
    Picos first_cta = 0, idle_tail = 0, compute = 0;
    std::uint64_t ctas = 0;
    Bytes l2_bytes = 0;
  } m_acct;

  std::vector<KernelRecord> m_records;
  bool m_finished = false;
  std::uint64_t m_kernels = 0, m_grids = 0, m_ctas = 0, m_events = 0;
  double m_macs = 0, m_cuda_ops = 0, m_sram_bits = 0;
  mutable StatGroup m_stats;
};

}  // namespace decodesim::gpu
