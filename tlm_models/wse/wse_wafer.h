// One wafer as a SystemC module: for every step it waits for its input (the previous wafer's
// activations, or for wafer 0 the sampled token coming back from the last wafer), runs its
// units' kernels region by region (wse_region.h: the time of each on its PEs and the fabric),
// and hands its output on over its inter-wafer link. Messages are TLM-2.0 transactions through
// the link module (memory::LinkModule), so when they land is the link's business.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "common/base/kernel_record.h"
#include "common/base/time_breakdown.h"
#include "common/base/trace.h"
#include "memory/link/link_module.h"
#include "wse/wse_config.h"
#include "wse/wse_placement.h"

namespace decodesim::wse {

/// What one wafer runs: its placement and, per step, its kernels and what it sends on.
struct WaferProgram {
  std::uint32_t wafers = 1;
  WaferPlan plan;
  std::vector<std::vector<Kernel>> steps;  ///< per step, in execution order
  std::vector<Bytes> handoff;              ///< per step: the token rows' hidden vector (region to region)
  std::vector<Bytes> send;                 ///< per step: bytes sent to the next wafer (0: nothing)
  std::vector<bool> receives;              ///< per step: its input arrives over a link (else: the host / itself)
};

/// Where one step's time went on one wafer, along its serial path (a partition of end - input_at).
struct StepRun {
  Picos input_at = 0, end = 0, send_done = 0;  ///< send_done == end when nothing is sent
  std::vector<KernelRecord> records;
  Picos region = 0;   ///< the regions' PEs: max(compute, SRAM) per kernel
  Picos fabric = 0;   ///< broadcasts, reductions and region hand-offs on the mesh
  Picos link = 0;     ///< the output's hand-off to the next wafer (serialisation + latency)
  Bytes sram_bytes = 0, link_bytes = 0;
  double macs = 0, vector_ops = 0;
  Picos compute_busy = 0, sram_busy = 0;
  Picos roofline = 0;
  /// The path as report parts (a partition of send_done - input_at).
  TimeBreakdown path() const {
    return {PartsRelation::Partition, {{TimePart::SramStream, region}, {TimePart::Fabric, fabric}, {TimePart::Link, link}}};
  }
};

class WseWafer : public sc_core::sc_module {
 public:
  memory::LinkPort tx;                                       ///< to this wafer's outgoing link
  tlm_utils::multi_passthrough_target_socket<WseWafer> rx;  ///< every link that delivers here

  WseWafer(sc_core::sc_module_name name, std::uint32_t index, const WseConfig& cfg,
           std::shared_ptr<const WaferProgram> program);

  /// Every kernel becomes a slice on this wafer's "kernels" track, its fabric part on "fabric".
  void set_trace(TraceWriter* t);

  const std::vector<StepRun>& runs() const { return m_runs; }
  bool finished() const { return m_finished; }

 private:
  void run();
  void execute(std::uint32_t step, Picos input, StepRun& out) const;
  void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);

  std::uint32_t m_index;
  WseConfig m_cfg;
  ClockDomain m_clock;
  std::shared_ptr<const WaferProgram> m_program;
  std::deque<Picos> m_arrivals;  ///< one sender per wafer, in step order
  sc_core::sc_event m_arrived;
  std::vector<StepRun> m_runs;
  bool m_finished = false;
  TraceWriter* m_trace = nullptr;
  int m_kernel_track = -1, m_fabric_track = -1;
};

}  // namespace decodesim::wse
