// One TPU chip's compute: MXUs (behind the matmul-core slot), VMEM, vector unit and the DMA
// engine that streams weights and KV from HBM into a ring of VMEM buffers.
//
// Execution model (DESIGN.md "Fidelity"): every resource is a timeline. A kernel's blocks
// flow DMA → VMEM buffer → MXUs; block b's DMA starts when its VMEM buffer is free, its
// compute starts when its data has arrived and the MXUs are done with block b-1. The tile
// thread computes these times directly and advances SystemC time only at synchronisation
// points (collectives, end of token): it is the only initiator on its HBM, so this temporal
// decoupling does not change results.
#pragma once

#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <array>
#include <map>
#include <memory>
#include <vector>

#include "common/base/kernel_record.h"
#include "common/base/layer_replay.h"
#include "common/base/stats.h"
#include "common/base/trace.h"
#include "memory/dma/dma_engine.h"
#include "memory/sram/sram_target.h"
#include "common/base/memory_plan.h"
#include "matmul/tile_stream.h"
#include "tpu/tpu_config.h"

namespace decodesim::tpu {


/// Performs a collective for the tile: returns its completion time and the bytes this chip
/// sent. The system implements it (barrier across chips + link timelines).
using CollectiveFn = std::function<Picos(const Kernel&, Picos ready, Bytes* link_bytes)>;

class TpuTile : public sc_core::sc_module {
 public:
  memory::DmaEngine dma;  ///< its `socket` and `target_info` are the tile's memory port; the parent binds them
  memory::SramTarget vmem;     ///< VMEM: the DMA's destination, read by the MXUs through vmem_port
  memory::SramPort vmem_port;  ///< bound to vmem in the constructor (through a checker with tlm.check_protocol)

  TpuTile(sc_core::sc_module_name name, const TpuConfig& cfg, const memory::DmaConfig& dma_cfg,
          const memory::TlmSettings& tlm, std::uint32_t chip);

  /// Kernel graphs (one per decoded token) to run when simulation starts.
  /// `plans`: the target model's, then a speculative draft's when its steps are among `tokens`.
  void load(std::vector<KernelGraph> tokens, std::vector<MemoryPlan> plans);
  void set_collective(CollectiveFn fn) { m_collective = std::move(fn); }
  /// Runs in the tile's thread before its first step (e.g. a model switch that must land the
  /// weights in memory first); the first step starts at SystemC time when it returns.
  void set_prologue(std::function<void()> fn) { m_prologue = std::move(fn); }
  void set_trace(TraceWriter* t);
  /// Layer reuse: decoder layers doing the same work as layer 1 replay its records instead
  /// of being simulated (see docs/reuse.md for when this is exact).
  void set_reuse(bool on) { m_reuse = on; }
  std::uint32_t reused_layers() const { return m_reused_layers; }

  const std::vector<KernelRecord>& records() const { return m_records; }
  bool finished() const { return m_finished; }
  Picos finish_time() const { return m_now; }
  const StatGroup& stats() const { return m_stats; }

  // Energy event counts.
  double sram_bits() const { return m_sram_bits; }
  double macs() const { return m_macs; }
  double vector_ops() const { return m_vector_ops; }

  /// Roofline lower bound of one kernel on this chip.
  Picos roofline(const Kernel& k) const;

 private:
  void run();
  KernelRecord execute(const Kernel& k, std::size_t index, std::uint32_t token);

  struct Accum {
    Picos mxu_busy = 0, weight_load = 0, stream = 0, dma_wait = 0, vector = 0;
    Picos first_activity = ~Picos{0};
  };
  /// Streams `bytes` of stationary operand from `addr` through the MXUs as a k×n matrix
  /// (groups back to back), `m` activation rows per tile. Returns the compute end time.
  Picos stream_matmul(Bytes addr, std::uint64_t m, std::uint64_t k, std::uint64_t n, DType dtype,
                      Picos compute_ready, Accum& acc);
  struct BlockStream;
  /// The matmul's tiles cut into DMA blocks of at most dma_block_bytes (whole tiles).
  BlockStream cut_blocks(Bytes addr, std::uint64_t m, std::uint64_t k, std::uint64_t n, DType dtype) const;
  /// Queues blocks [bs.submitted, upto) on the DMA engine, each into the next VMEM buffer.
  void queue_blocks(BlockStream& bs, std::uint64_t upto, Picos compute_ready, Accum& acc);
  /// Block b through the MXUs once its data is in VMEM (`dma_done`); returns when its results leave.
  Picos mxu_block(BlockStream& bs, std::uint64_t b, Picos dma_done, Picos compute_ready, Accum& acc);
  Picos vector_phase(std::uint64_t ops, Picos ready, Accum& acc);
  /// A DMA transfer of the running kernel, traced on the DMA track ("<kernel> <what>").
  Picos traced_dma(Bytes addr, Bytes bytes, bool write, Picos start, const char* what);
  /// One DMA-track slice of the running kernel: `bytes` moved in [start, end).
  void trace_dma(const char* what, Picos start, Picos end, Bytes bytes);
  /// One vector-unit slice (norms, softmax, element-wise ops) with its op count.
  void trace_vector(const char* what, Picos start, Picos end, std::uint64_t ops);
  /// Decode attention as a fused kernel (README "Attention"): (sequence, KV head) pairs cut
  /// into position chunks that stream back to back through every MXU, K/V prefetched through
  /// the VMEM ring, softmax pipelined on the vector unit. Returns the kernel's end time.
  /// `first_group`: the part's first (sequence, KV head) group in the layer's KV cache.
  Picos stream_attention(const Kernel& k, std::size_t index, Picos ready, Accum& acc, std::uint64_t first_group = 0);

  /// One MXU's own timeline inside a fused kernel.
  struct MxuLane {
    Picos free = 0;  ///< when this array can take its next tile's first activation
    Picos busy = 0, weight_load = 0, stream = 0, dma_wait = 0;
  };
  /// Runs `tiles` on MXU `lane` once its operands are in VMEM (`data`) and its inputs exist
  /// (`deps`); `bytes` is the stationary operand read out of VMEM. A stream that
  /// is still busy when both are there continues (no restart cost). Returns {accept, results}.
  std::pair<Picos, Picos> run_on_lane(std::uint32_t x, MxuLane& lane, const matmul::TileSplit& tiles, Picos data,
                                      Picos deps, Picos kernel_ready, Bytes bytes);
  Picos cycles_to_ps(Cycles c) const { return m_clock.to_picos(c); }

  TpuConfig m_cfg;
  ClockDomain m_clock;
  double m_peak_mem_bw = 0;  ///< the memory's, read through dma.target_info when the run starts
  std::uint32_t m_chip;
  /// One matmul core per MXU, each with its own tile stream (a continuing stream is that array's).
  std::vector<std::unique_ptr<matmul::MatmulCore>> m_cores;
  std::vector<matmul::TileStream> m_streams;
  std::unique_ptr<memory::ProtocolChecker> m_vmem_checker;

  std::vector<KernelGraph> m_tokens;
  std::vector<MemoryPlan> m_plans;
  const MemoryPlan* m_plan = nullptr;  ///< the running step's (plan_for)
  CollectiveFn m_collective;
  std::function<void()> m_prologue;
  TraceWriter* m_trace = nullptr;
  int m_track_mxu = -1, m_track_dma = -1, m_track_vpu = -1, m_track_kernel = -1;
  const Kernel* m_running = nullptr;  ///< the kernel execute() is simulating, for trace slices
  bool m_reuse = false;
  std::uint32_t m_reused_layers = 0;
  replay::ReplayCounters m_counters;              ///< see run(): owned here, not by the thread
  std::unique_ptr<replay::LayerReplay> m_replayer;
  std::uint32_t m_token = 0;                      ///< the token run() is simulating

  Picos m_now = 0;                      ///< the tile's local time (end of the last kernel)
  std::vector<Picos> m_slot_free;       ///< when each VMEM buffer can be refilled
  std::uint64_t m_block_seq = 0;
  Picos m_mxu_free = 0;      ///< when the arrays can take the next block's first activation
  std::vector<KernelRecord> m_records;
  bool m_finished = false;
  StatGroup m_stats;
  double m_sram_bits = 0, m_macs = 0, m_vector_ops = 0;
};

}  // namespace decodesim::tpu
