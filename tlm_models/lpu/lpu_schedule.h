// The static schedule of one LPU chip: every unit (MEM slices and streams, MXM planes, VXM,
// SXM, C2C ports) is a timeline, and each kernel's phases are placed on them at fixed times.
// There is no arbitration and no cache: given the same program and the same input time, the
// same timeline results, to the cycle. This is what the compiler computes and what the chips
// then execute (lpu_chip.h checks that execution lands exactly on it).
//
// Phase rules (README.md has the formulas):
//  - A vector crossing a hemisphere (MXM ↔ VXM) takes hemisphere_transit_cycles() cycles.
//  - GEMM: tiles of `mxm.rows × mxm.cols` are dealt evenly to the planes; each plane streams its
//    share back to back through the matmul-core slot, every tile counted there (a tile's
//    weights install one row per cycle, double-buffered).
//    Weights are resident, so the first tile installs before the activations arrive whenever the
//    MXM is idle. The weights stream from MEM at stream_bytes_per_cycle(); the GEMM ends no
//    earlier than that stream.
//  - Attention: QKᵀ with K stationary, softmax on the VXM, P·V with V stationary.
//  - Norms, residuals, SiLU·mul: VXM. RoPE: SXM permute, then VXM.
//  - All-reduce over a node's directly linked chips: reduce-scatter (one message to each
//    peer, all ports at once), VXM adds, all-gather. Stage hand-off: the activation striped
//    over the global ports.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/kernel_record.h"
#include "lpu/lpu_config.h"
#include "lpu/mem_slices.h"
#include "matmul/matmul_core.h"
#include "memory/link/link.h"

namespace decodesim::lpu {

enum class Unit { Mem, Mxm, Vxm, Sxm, C2c };
const char* unit_name(Unit u);

/// Which C2C port a message leaves on: a node-mate (peer) port, a global port to the
/// counterpart chip in another node of the stage, or the stage hand-off over the global ports.
enum class Port : std::uint8_t { None, Peer, Across, Next };

/// One busy interval of one unit: the schedule's atom, and the instruction the chip executes
/// (its opcode is the unit plus, for C2C, the port; lpu_chip.h runs it).
struct UnitEvent {
  Unit unit = Unit::Mxm;
  std::string name;
  Picos start = 0, end = 0;
  Port port = Port::None;  ///< C2C only
  Bytes bytes = 0;         ///< C2C: the message on one link; MEM: the bytes streamed
  bool operator==(const UnitEvent& o) const {
    return unit == o.unit && name == o.name && start == o.start && end == o.end && port == o.port && bytes == o.bytes;
  }
};
/// The instruction's opcode as an architect reads it: MEM, MXM, VXM, SXM, C2C_EXCHANGE,
/// C2C_EXCHANGE_GLOBAL, C2C_SEND.
const char* opcode_name(const UnitEvent& e);

/// Where a token's latency went along its (fully serial) path.
struct PathParts {
  Picos weight_stream = 0;   ///< MXM waiting on weights from MEM beyond its own install time
  Picos mxm = 0;             ///< MXM planes (slot cycles: install + stream + drain)
  Picos vxm = 0;
  Picos sxm = 0;
  Picos stream_transit = 0;  ///< vectors crossing the chip on the stream registers
  Picos mem = 0;             ///< MEM reads/writes not feeding the MXM (embedding, KV append)
  Picos c2c = 0;             ///< collectives inside a stage's chip group
  Picos pipeline_fill = 0;   ///< stage-to-stage hand-offs and the sampled token's return
  void add(const PathParts& o);
  Picos total() const;
  /// The parts in report order: a partition of the path.
  TimeBreakdown items() const;
};

/// One stage's work for one token, on one chip of the stage.
struct StageRun {
  Picos input_at = 0;      ///< when the stage's input arrived
  Picos end = 0;           ///< last kernel done
  Picos send_done = 0;     ///< output arrived at the next stage (or back at stage 0); == end if no send
  std::vector<KernelRecord> records;
  std::vector<UnitEvent> events;
  PathParts path;
  Bytes weight_bytes_read = 0, kv_bytes_read = 0, bytes_written = 0;
  Bytes link_bytes = 0;    ///< bytes this chip sent
  double macs = 0, vector_ops = 0;
  Picos mxm_busy = 0, vxm_busy = 0, link_busy = 0, sram_busy = 0;  ///< for the run's bound
  Picos roofline = 0;      ///< lower bound of this stage (see README "Roofline")
};

class ChipScheduler {
 public:
  /// `group`: chips sharing each layer (all-reduce width); `chip`: the id put on records.
  ChipScheduler(const LpuConfig& cfg, const memory::LinkConfig& link, std::uint32_t chip, std::uint32_t group,
                const std::string& where = "lpu.matmul.impl");

  /// Places `program` (one stage, one token) on this chip's timelines starting at `input_at`,
  /// then sends `send_bytes` (0: nothing) over the global ports. Timelines persist between
  /// calls, as on the chip.
  StageRun run_stage(const std::vector<Kernel>& program, std::uint32_t token, Picos input_at, Bytes send_bytes,
                     const std::string& send_name);

  Picos cycles(Cycles c) const { return m_clock.to_picos(c); }
  const matmul::MatmulCore& core() const { return *m_core; }

 private:
  struct Acc;
  Picos matmul(const std::string& name, std::uint64_t m, std::uint64_t k, std::uint64_t n, std::uint64_t groups,
               Bytes bytes, Picos ready, Acc& acc);
  Picos vector(const std::string& name, std::uint64_t ops, Picos ready, Acc& acc);
  Picos permute(const std::string& name, Bytes bytes, Picos ready, Acc& acc);
  Picos mem_stream(const std::string& name, Bytes bytes, Picos ready, Acc& acc);
  Picos exchange(const std::string& name, Bytes piece, std::uint32_t peers, bool across_nodes, Picos ready, Acc& acc);
  /// One kernel: its phases on the units (place), then its record's totals, roofline and bound (finish).
  KernelRecord execute(const Kernel& k, std::uint32_t token, Picos ready, StageRun& run);
  Picos place(const Kernel& k, Picos ready, Acc& acc, KernelRecord& r, StageRun& run);
  Picos all_reduce(const Kernel& k, Picos ready, Acc& acc);
  Picos vector_with_gain(const Kernel& k, Picos ready, Acc& acc);
  /// Returns the kernel's MEM time at peak (for the run's bound).
  Picos finish(const Kernel& k, Picos ready, Picos end, const Acc& acc, KernelRecord& r) const;

  LpuConfig m_cfg;
  ClockDomain m_clock;
  std::uint32_t m_chip, m_group;
  std::unique_ptr<matmul::MatmulCore> m_core;
  memory::Link m_peer;    ///< stands for each of the parallel node-mate links (identical traffic)
  memory::Link m_global;  ///< stands for each global port (stage hand-offs striped evenly; cross-node reduction)
  Picos m_mxm_free = 0, m_vxm_free = 0, m_sxm_free = 0;
  Picos m_transit = 0;    ///< hemisphere crossing, ps
  MemTiming m_mem;        ///< MEM streams, timed as the chip's MEM module times them
  std::vector<UnitEvent>* m_events = nullptr;
};

}  // namespace decodesim::lpu
