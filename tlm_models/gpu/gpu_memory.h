// The GPU memory path below the SMs' load/store units: per-SM L1, the NoC to the L2 slices
// (two partitions, far partition costs extra latency), the slices' tags and data bandwidth,
// and the HBM behind an initiator socket (any TLM-2.0 target may sit there; L2 misses and
// write-backs go out through a memory::MemoryPort, in LT or AT).
//
// One call serves one SM request (at most one L2 block, so one slice) in closed form:
//   arrive   = issue + L1 latency + NoC one way (near)
//   start    = max(arrive, slice free);  slice free = start + ceil(len / slice B per cycle)
//   hit      : ready = start + L2 hit latency
//   miss     : ready = HBM completion of the missing sectors, issued at start + miss/2, + miss/2
//   done     = ready + NoC one way back (+ the far partition's whole extra round trip)
// Timing only; the requester (the SM cluster) enforces its own in-flight limits (Little's law).
//
// AT (sim.tlm_mode: at): an L2 miss is a 4-phase transaction whose completion is not known when
// it is issued. read() then returns `pending` and the completion comes later, through the
// on_done() hook, as the HBM's BEGIN_RESP time + miss/2 + the NoC back (the same expression as
// LT, evaluated when the response arrives). Write-backs and write-through stores are issued
// and not waited for, in both modes (off the requester's critical path).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <unordered_map>
#include <vector>

#include "common/base/stats.h"
#include "common/base/units.h"
#include "gpu/block_cache.h"
#include "gpu/gpu_config.h"
#include "memory/tlm/memory_port.h"

namespace decodesim::gpu {

/// What a request carries, for L2 policy and accounting.
enum class Traffic : std::uint8_t {
  Weights,     ///< parameters, streamed once per token
  Kv,          ///< KV cache, streamed once per token
  Activation,  ///< produced and consumed on chip (normal LRU, write-back)
  /// Operand tiles of a tiled GEMM or flash attention (cp.async.cg / TMA loads): every CTA of a
  /// rasterisation group reads the same tile, so it stays in L2 with normal priority; like
  /// streams, it bypasses L1.
  SharedOperand,
};

struct AccessResult {
  Picos done = 0;         ///< completion; unknown (0) while `pending`
  bool pending = false;   ///< AT: an HBM read is in flight; on_done() reports the completion
  Bytes hit_bytes = 0;    ///< served by L1 or L2
  Bytes hbm_bytes = 0;    ///< read from or written to HBM on this request's behalf
  bool far = false;       ///< crossed to the other L2 partition
};

class GpuMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<GpuMemory> socket;  ///< to HBM; the parent binds it
  sc_core::sc_port<memory::MemoryInfoIf> target_info;   ///< the memory's capability and stats

  GpuMemory(sc_core::sc_module_name name, const GpuConfig& cfg, const memory::TlmSettings& tlm = {});

  /// One request of `len` bytes (within one L2 block) from SM `sm`, issued at `issue`. In AT a
  /// request that misses returns `pending`; its completion is reported with `cookie`.
  AccessResult read(std::uint32_t sm, Bytes addr, Bytes len, Traffic t, Picos issue, std::uint64_t cookie = 0);
  /// AT: called with (cookie, completion) for every read that returned `pending`.
  void on_done(std::function<void(std::uint64_t, Picos)> fn) { m_on_done = std::move(fn); }
  bool at() const { return m_port.settings().mode == memory::TlmMode::At; }
  /// Stores: activations are written back (allocated dirty in L2, no HBM traffic until evicted);
  /// weights/KV are streaming stores, written through to HBM and not kept (docs/gpu.md).
  AccessResult write(std::uint32_t sm, Bytes addr, Bytes len, Traffic t, Picos issue);

  /// Kernel boundary: L1s are not coherent, so a new kernel starts with them empty.
  void invalidate_l1();
  /// Marks [addr, addr+len) present and clean in L2 (data the host placed before the run).
  void preload_l2(Bytes addr, Bytes len);

  std::uint32_t slice_of(Bytes addr) const;
  std::uint32_t partition_of_slice(std::uint32_t slice) const { return slice / m_slices_per_partition; }
  std::uint32_t partition_of_sm(std::uint32_t sm) const { return sm % m_cfg.l2.partitions; }

  // Byte accounting (conservation: hbm_read_bytes == l2_read_miss_bytes, exactly).
  Bytes l2_read_hit_bytes() const { return m_l2_hit; }
  Bytes l2_read_miss_bytes() const { return m_l2_miss; }
  Bytes l1_hit_bytes() const { return m_l1_hit; }
  Bytes hbm_read_bytes() const { return m_hbm_read; }
  Bytes hbm_write_bytes() const { return m_hbm_write; }
  Bytes l2_write_bytes() const { return m_l2_write; }
  std::uint64_t far_requests() const { return m_far; }
  std::uint64_t requests() const { return m_requests; }
  /// Refresh stall the memory attributed to this front end's transactions (summed over the
  /// memory's refresh units) and that unit count; 0 when the memory does not report refresh.
  Picos refresh_stall() const { return m_port.refresh_stall(); }
  std::uint32_t refresh_units() const { return m_port.refresh_units(); }
  const StatGroup& stats() const;

 private:
  /// LT: the completion of [addr, addr + len). AT: issues it; a read joins `m_open` (the SM
  /// request being served), a write is not waited for; returns 0.
  Picos hbm(Bytes addr, Bytes len, bool write, Picos arrival);
  void hbm_done(memory::MemoryPort::Ticket t, Picos done);
  /// AT: an SM read waiting for its HBM pieces.
  struct PendingRead {
    std::uint32_t left = 0;  ///< HBM pieces not yet completed
    Picos ready = 0;         ///< max(hit path, piece completion + miss/2) so far
    Picos back = 0;          ///< NoC back to the SM
    std::uint64_t cookie = 0;
  };
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_core::sc_time& d) {
    return m_port.nb_transport_bw(p, ph, d);
  }
  Picos cycles(Cycles c) const { return m_clock.to_picos(c); }

  GpuConfig m_cfg;
  ClockDomain m_clock;
  std::uint32_t m_slices_per_partition;
  Bytes m_block;
  Picos m_l1_lat, m_noc_near_half, m_noc_far_half, m_hit, m_miss_half;
  std::vector<BlockCache> m_l1;
  std::vector<BlockCache> m_l2;
  std::vector<Picos> m_slice_free;
  std::vector<Picos> m_slice_busy;
  memory::MemoryPort m_port;
  Picos m_issue = 0;  ///< issue time of the SM request being served: the front end's own clock
  std::unordered_map<memory::MemoryPort::Ticket, std::uint64_t> m_ticket_read;  ///< AT: HBM piece → pending read
  std::unordered_map<std::uint64_t, PendingRead> m_pending;                     ///< AT: by read id
  std::uint64_t m_next_read = 0, m_open = 0;  ///< AT: next id; the read being served (its id)
  std::function<void(std::uint64_t, Picos)> m_on_done;

  Bytes m_l2_hit = 0, m_l2_miss = 0, m_l1_hit = 0, m_hbm_read = 0, m_hbm_write = 0, m_l2_write = 0;
  std::uint64_t m_far = 0, m_requests = 0, m_writebacks = 0;
  mutable StatGroup m_stats;
};

}  // namespace decodesim::gpu
