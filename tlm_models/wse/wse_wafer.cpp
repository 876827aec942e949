#include "wse/wse_wafer.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <algorithm>

#include "common/base/progress.h"
#include "common/base/sc_time_conv.h"
#include "wse/wse_region.h"

namespace decodesim::wse {

WseWafer::WseWafer(sc_core::sc_module_name name, std::uint32_t index, const WseConfig& cfg,
                   std::shared_ptr<const WaferProgram> program)
    : sc_core::sc_module(name),
      tx("tx"),
      rx("rx"),
      m_index(index),
      m_cfg(cfg),
      m_clock(cfg.clock_ghz),
      m_program(std::move(program)) {
  rx.register_b_transport(this, &WseWafer::b_transport);
  sc_core::sc_spawn([this] { run(); }, "run");
  progress::add_total(m_program->steps.size());
}

void WseWafer::set_trace(TraceWriter* t) {
  m_trace = t;
  if (!t) return;
  m_kernel_track = t->track(static_cast<int>(m_index), "kernels");
  m_fabric_track = t->track(static_cast<int>(m_index), "fabric");
}

void WseWafer::b_transport(int, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  m_arrivals.push_back(sc_now_picos() + to_picos(delay));
  m_arrived.notify(sc_core::SC_ZERO_TIME);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

void WseWafer::execute(std::uint32_t step, Picos input, StepRun& out) const {
  const WaferProgram& prog = *m_program;
  out.input_at = input;
  Picos now = input;
  const Region* prev = nullptr;
  for (const Kernel& k : prog.steps[step]) {
    const bool head = k.layer < 0 && k.kind != KernelKind::Embedding;
    const Region& region = prog.plan.region_of(k.layer, head);
    KernelCost c = kernel_cost(m_cfg, k, region);
    if (prev && prev != &region) c.handoff = handoff_cycles(m_cfg, *prev, region, prog.handoff[step]);
    prev = &region;
    KernelRecord r = record_for(k, step, m_index);
    r.start = now;
    r.cycles = c.total();
    r.end = now + m_clock.to_picos(c.total());
    r.exclusive = r.end - now;
    r.mem_bytes = k.memory_bytes();
    r.roofline = kernel_roofline(m_cfg, k);
    const Picos compute = m_clock.to_picos(c.compute), sram = m_clock.to_picos(c.sram);
    const Picos fabric = r.exclusive - m_clock.to_picos(std::max(c.compute, c.sram));
    r.breakdown = {PartsRelation::Overlapping,
                   {{TimePart::Compute, compute}, {TimePart::SramStream, sram}, {TimePart::Fabric, fabric}}};
    r.bound = classify_bound(r.duration(), {{"compute", compute}, {"memory", sram}, {"fabric", fabric}});
    out.region += r.exclusive - fabric;
    out.fabric += fabric;
    out.compute_busy += compute;
    out.sram_busy += sram;
    out.sram_bytes += r.mem_bytes;
    out.macs += static_cast<double>(k.flops) / 2;
    out.vector_ops += static_cast<double>(k.vector_ops);
    out.roofline += r.roofline;
    now = r.end;
    if (m_trace) {
      m_trace->slice(m_kernel_track, r.name, r.start, r.end, trace_args(k, r));
      if (fabric > 0) m_trace->slice(m_fabric_track, r.name, r.end - fabric, r.end);
    }
    out.records.push_back(std::move(r));
  }
  out.end = now;
  out.send_done = now;
}

void WseWafer::run() {
  const WaferProgram& prog = *m_program;
  m_runs.reserve(prog.steps.size());
  Picos input = 0;  // the host starts wafer 0's first step at time zero
  for (std::uint32_t t = 0; t < prog.steps.size(); ++t) {
    if (prog.receives[t]) {
      while (m_arrivals.empty()) wait(m_arrived);
      input = m_arrivals.front();
      m_arrivals.pop_front();
      if (input > sc_now_picos()) wait(to_sc_time(input - sc_now_picos()));
    }
    // The run belongs to the wafer before the thread waits again (a watchdog stop leaves it
    // suspended for good, and what its locals owned would leak).
    m_runs.emplace_back();
    StepRun& done = m_runs.back();
    execute(t, input, done);
    if (prog.send[t] != 0) {
      done.send_done = tx.send(prog.send[t], done.end);
      done.link = done.send_done - done.end;
      done.link_bytes = prog.send[t];
    }
    if (done.end > sc_now_picos()) wait(to_sc_time(done.end - sc_now_picos()));
    input = done.end;
    progress::advance();
  }
  m_finished = true;
}

}  // namespace decodesim::wse
