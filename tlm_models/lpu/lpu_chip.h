// One LPU chip as a SystemC module: it executes its stage's compiled program for every token.
//
// The compiler fixed the whole timeline in advance (lpu_schedule.h). The chip replays it on its
// own timelines when its input actually arrives over C2C from the previous stage, and checks
// that execution lands exactly where the compiler put it: the input must arrive at the
// scheduled cycle and every unit event must match. A mismatch is a SimulationError (a static
// schedule has no slack to absorb it: there is no arbitration to fall back on).
#pragma once

#include <systemc>

#include <memory>
#include <vector>

#include "common/base/kernel_record.h"
#include "common/base/trace.h"
#include "lpu/lpu_schedule.h"

namespace decodesim::lpu {

/// What the compiler scheduled for one chip: per token, its program and its timeline.
struct ChipPlan {
  std::uint32_t stage = 0;
  std::vector<std::vector<Kernel>> program;  ///< per token
  std::vector<StageRun> expected;            ///< per token, the compiled timeline
  std::vector<Bytes> send_bytes;             ///< per token: output sent on (0: none)
  std::string send_name;
};

class LpuChip : public sc_core::sc_module {
 public:
  LpuChip(sc_core::sc_module_name name, const LpuConfig& cfg, const memory::LinkConfig& link, std::uint32_t chip,
          std::uint32_t group, ChipPlan plan);

  /// The chip that receives this chip's output (next stage, or stage 0 for the sampled token).
  void set_next(LpuChip* next) { m_next = next; }
  void set_trace(TraceWriter* t);
  /// Called by the previous chip: its output reaches this chip at `arrival` (absolute ps).
  void deliver(Picos arrival);

  const std::vector<StageRun>& runs() const { return m_runs; }
  bool finished() const { return m_finished; }
  /// First divergence from the compiled schedule, empty if none.
  const std::string& violation() const { return m_violation; }

 private:
  void run();

  ChipScheduler m_sched;
  std::uint32_t m_chip;
  ChipPlan m_plan;
  LpuChip* m_next = nullptr;
  TraceWriter* m_trace = nullptr;
  std::vector<int> m_tracks;  ///< per Unit, then the kernel track last
  sc_core::sc_event m_input;
  std::vector<Picos> m_arrivals;
  std::vector<StageRun> m_runs;
  bool m_finished = false;
  std::string m_violation;
};

}  // namespace decodesim::lpu
