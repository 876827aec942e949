#include "lpu/lpu_chip.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <algorithm>

#include "common/base/progress.h"
#include "common/base/sc_time_conv.h"

namespace decodesim::lpu {

LpuChip::LpuChip(sc_core::sc_module_name name, const LpuConfig& cfg, const memory::LinkConfig& link,
                 std::uint32_t chip, std::uint32_t group, ChipPlan plan)
    : sc_core::sc_module(name), m_sched(cfg, link, chip, group), m_chip(chip), m_plan(std::move(plan)) {
  // A process of a constructor with arguments: sc_spawn, since SC_THREAD there needs the
  // deprecated SC_HAS_PROCESS (IEEE 1666-2023) in SystemC 2.3.4.
  sc_core::sc_spawn([this] { run(); }, "run");
  progress::add_total(m_plan.program.size());
}

void LpuChip::set_trace(TraceWriter* t) {
  m_trace = t;
  if (!t) return;
  m_tracks.clear();
  for (Unit u : {Unit::Mem, Unit::Mxm, Unit::Vxm, Unit::Sxm, Unit::C2c})
    m_tracks.push_back(t->track(static_cast<int>(m_chip), unit_name(u)));
  m_tracks.push_back(t->track(static_cast<int>(m_chip), "kernels"));
}

void LpuChip::deliver(Picos arrival) {
  m_arrivals.push_back(arrival);
  const Picos now = sc_now_picos();
  m_input.notify(to_sc_time(arrival > now ? arrival - now : 0));
}

void LpuChip::run() {
  std::size_t consumed = 0;
  for (std::uint32_t t = 0; t < m_plan.program.size(); ++t) {
    const StageRun& want = m_plan.expected[t];
    // Stage 0 starts token 0 at time zero; every other start is an arrival over C2C.
    if (!(m_plan.stage == 0 && t == 0)) {
      while (m_arrivals.size() <= consumed) wait(m_input);
      const Picos arrival = m_arrivals[consumed++];
      if (arrival > sc_now_picos()) wait(to_sc_time(arrival - sc_now_picos()));
    }
    const Picos now = sc_now_picos();
    if (now != want.input_at && m_violation.empty())
      m_violation = std::string(name()) + ": token " + std::to_string(t) + " input arrived at " +
                    std::to_string(now) + " ps, scheduled " + std::to_string(want.input_at) + " ps";
    StageRun got = m_sched.run_stage(m_plan.program[t], t, now, m_plan.send_bytes[t], m_plan.send_name);
    if (m_violation.empty() && !(got.events == want.events && got.send_done == want.send_done))
      m_violation = std::string(name()) + ": token " + std::to_string(t) + " timeline differs from the compiled schedule";
    if (m_trace) {
      for (const auto& e : got.events) m_trace->slice(m_tracks[static_cast<int>(e.unit)], e.name, e.start, e.end);
      const std::vector<Kernel>& prog = m_plan.program[t];
      for (const auto& r : got.records) {
        // Records follow the program; a record with no kernel of its name (the send) has no shape.
        const auto k = std::find_if(prog.begin(), prog.end(), [&](const Kernel& x) { return x.name == r.name; });
        SliceArgs a = k != prog.end() ? trace_args(*k, r) : trace_args(Kernel{}, r);
        if (k == prog.end()) a.shape.clear();
        m_trace->slice(m_tracks.back(), r.name, r.start, r.end, std::move(a));
      }
    }
    // The run belongs to the chip before the thread waits: a watchdog stop leaves the thread
    // suspended in wait() for good, and what its locals owned would leak.
    m_runs.push_back(std::move(got));
    const StageRun& done = m_runs.back();
    if (done.end > sc_now_picos()) wait(to_sc_time(done.end - sc_now_picos()));
    // A single-stage system feeds itself: the next token starts when this one is done.
    if (m_next) m_next->deliver(m_runs.back().send_done);
    progress::advance();
  }
  m_finished = true;
}

}  // namespace decodesim::lpu
