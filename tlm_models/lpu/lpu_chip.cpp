#include "lpu/lpu_chip.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <algorithm>

#include "common/base/progress.h"
#include "common/base/sc_time_conv.h"

namespace decodesim::lpu {
namespace {

/// `t` moved by the run's offset from the compiled anchor (never before time zero).
Picos anchored(Picos t, Picos want_anchor, Picos got_anchor) {
  const std::int64_t v = static_cast<std::int64_t>(got_anchor) + (static_cast<std::int64_t>(t) - static_cast<std::int64_t>(want_anchor));
  return v > 0 ? static_cast<Picos>(v) : 0;
}

bool exclusive(Unit u) { return u == Unit::Mxm || u == Unit::Vxm || u == Unit::Sxm; }

}  // namespace

LpuChip::LpuChip(sc_core::sc_module_name name, std::uint32_t chip, std::shared_ptr<const ChipPlan> plan,
                 ChipRoutes routes, const LpuConfig& cfg, const memory::TlmSettings& tlm)
    : sc_core::sc_module(name),
      peer_tx("peer_tx"),
      global_tx("global_tx"),
      rx("rx"),
      mem("mem", cfg),
      mem_port("mem_port", tlm, cfg.vector_bytes()),
      m_chip(chip),
      m_label("chip" + std::to_string(chip)),
      m_plan(std::move(plan)),
      m_routes(routes) {
  rx.register_b_transport(this, &LpuChip::b_transport);
  memory::bind_sram(mem_port, mem, tlm, m_mem_checker);
  // A process of a constructor with arguments: sc_spawn, since SC_THREAD there needs the
  // deprecated SC_HAS_PROCESS (IEEE 1666-2023) in SystemC 2.3.4.
  sc_core::sc_spawn([this] { run(); }, "run");
  progress::add_total(m_plan->program.size());
}

void LpuChip::set_trace(TraceWriter* t) {
  m_trace = t;
  if (!t) return;
  m_tracks.clear();
  for (Unit u : {Unit::Mem, Unit::Mxm, Unit::Vxm, Unit::Sxm, Unit::C2c})
    m_tracks.push_back(t->track(static_cast<int>(m_chip), unit_name(u)));
  m_tracks.push_back(t->track(static_cast<int>(m_chip), "kernels"));
}

void LpuChip::b_transport(int, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  // The message's last byte lands `delay` after the caller's time; the chip picks it up from
  // its mailbox when its program reaches the matching receive.
  m_mailbox[C2cAddress::decode(p.get_address()).tag()] = sc_now_picos() + to_picos(delay);
  m_arrived.notify(sc_core::SC_ZERO_TIME);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

Picos LpuChip::transmit(tlm_utils::simple_initiator_socket<LpuChip>& tx, const C2cAddress& to, Bytes bytes, Picos at) {
  // LT with temporal decoupling: the chip's local time runs ahead of sc_time_stamp() between
  // receives, and the send carries the difference as its annotated delay.
  if (m_buffer.size() < bytes) m_buffer.resize(bytes);
  m_payload.set_command(tlm::TLM_WRITE_COMMAND);
  m_payload.set_address(to.encode());
  m_payload.set_data_ptr(m_buffer.data());
  m_payload.set_data_length(static_cast<unsigned>(bytes));
  m_payload.set_streaming_width(static_cast<unsigned>(bytes));
  m_payload.set_byte_enable_ptr(nullptr);
  m_payload.set_dmi_allowed(false);
  m_payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const Picos now = sc_now_picos();
  sc_core::sc_time delay = to_sc_time(at - now);
  tx->b_transport(m_payload, delay);
  if (m_payload.is_response_error())
    SC_REPORT_ERROR(name(), ("C2C message not delivered: " + m_payload.get_response_string()).c_str());
  return now + to_picos(delay);
}

Picos LpuChip::receive(std::uint64_t tag) {
  auto it = m_mailbox.find(tag);
  while (it == m_mailbox.end()) {
    wait(m_arrived);
    it = m_mailbox.find(tag);
  }
  const Picos at = it->second;
  m_mailbox.erase(it);
  return at;
}

void LpuChip::sync_to(Picos t) {
  if (t > sc_now_picos()) wait(to_sc_time(t - sc_now_picos()));
}

void LpuChip::diverged(std::uint32_t token, const std::string& where, Picos want_start, Picos want_end,
                       Picos got_start, Picos got_end) {
  if (!m_violation.empty()) return;
  m_violation_at = want_start;
  m_violation = m_label + " token " + std::to_string(token) + " instruction " + where + ": expected [" +
                std::to_string(want_start) + ", " + std::to_string(want_end) + "] ps, got [" +
                std::to_string(got_start) + ", " + std::to_string(got_end) + "] ps";
}

void LpuChip::execute(std::uint32_t token, Picos input, StageRun& got) {
  const StageRun& want = m_plan->expected[token];
  got.input_at = input;
  if (input != want.input_at) diverged(token, "RECV (stage input)", want.input_at, want.input_at, input, input);
  got.events.reserve(want.events.size());
  Picos want_anchor = want.input_at, got_anchor = input;
  got.send_done = 0;
  bool sent = false;
  for (std::size_t i = 0; i < want.events.size(); ++i) {
    const UnitEvent& e = want.events[i];
    UnitEvent g = e;
    g.start = anchored(e.start, want_anchor, got_anchor);
    g.end = anchored(e.end, want_anchor, got_anchor);
    switch (e.port) {
      case Port::None:
        if (e.unit == Unit::Mem) g.end = mem_port.access(0, e.bytes, false, g.start);
        if (exclusive(e.unit)) {
          Picos& free = m_unit_free[static_cast<int>(e.unit)];
          if (g.start < free && m_violation.empty()) {
            m_violation_at = e.start;
            m_violation = m_label + " token " + std::to_string(token) + " instruction " + std::to_string(i) +
                          " " + opcode_name(e) + " " + e.name + ": issued at " + std::to_string(g.start) +
                          " ps while its unit is busy until " + std::to_string(free) + " ps";
          }
          free = std::max(free, g.end);
        }
        break;
      case Port::Peer:
      case Port::Across: {
        // Send this chip's piece, then wait for the neighbour's piece of the same step: it is
        // what the next instruction consumes, so it is the new synchronisation point.
        const C2cAddress to{e.port == Port::Peer ? m_routes.peer : m_routes.across, token,
                            static_cast<std::uint32_t>(i + 1)};
        transmit(e.port == Port::Peer ? peer_tx : global_tx, to, e.bytes, g.start);
        g.end = receive(to.tag());
        want_anchor = e.end;
        got_anchor = g.end;
        break;
      }
      case Port::Next: {
        const C2cAddress to{m_routes.next, m_routes.wraps ? token + 1 : token, 0};
        g.end = transmit(global_tx, to, e.bytes, g.start);
        got.send_done = g.end;
        sent = true;
        break;
      }
    }
    if (g.start != e.start || g.end != e.end)
      diverged(token, std::to_string(i) + " " + opcode_name(e) + " " + e.name, e.start, e.end, g.start, g.end);
    got.events.push_back(std::move(g));
    ++m_executed;
  }
  got.end = anchored(want.end, want_anchor, got_anchor);
  if (!sent) got.send_done = got.end;
  if (got.end != want.end || got.send_done != want.send_done)
    diverged(token, "END (stage done / output landed)", want.end, want.send_done, got.end, got.send_done);
  // The kernel records and counters are the compiled ones (the stage's chips run one program);
  // the checks above hold their times, and each record names the chip that ran it.
  got.records = want.records;
  for (auto& r : got.records) r.chip = m_chip;
  got.path = want.path;
  got.weight_bytes_read = want.weight_bytes_read;
  got.kv_bytes_read = want.kv_bytes_read;
  got.bytes_written = want.bytes_written;
  got.link_bytes = want.link_bytes;
  got.macs = want.macs;
  got.vector_ops = want.vector_ops;
  got.mxm_busy = want.mxm_busy;
  got.vxm_busy = want.vxm_busy;
  got.link_busy = want.link_busy;
  got.sram_busy = want.sram_busy;
  got.roofline = want.roofline;
}

void LpuChip::trace(const StageRun& got, std::uint32_t token) {
  for (const auto& e : got.events) m_trace->slice(m_tracks[static_cast<int>(e.unit)], e.name, e.start, e.end);
  const std::vector<Kernel>& prog = m_plan->program[token];
  for (const auto& r : got.records) {
    // Records follow the program; a record with no kernel of its name (the send) has no shape.
    const auto k = std::find_if(prog.begin(), prog.end(), [&](const Kernel& x) { return x.name == r.name; });
    SliceArgs a = k != prog.end() ? trace_args(*k, r) : trace_args(Kernel{}, r);
    if (k == prog.end()) a.shape.clear();
    m_trace->slice(m_tracks.back(), r.name, r.start, r.end, std::move(a));
  }
}

void LpuChip::run() {
  m_runs.reserve(m_plan->expected.size());
  Picos input = 0;  // the host starts stage 0's first token at time zero
  const auto received = [this](std::uint32_t t) {
    const bool from_host = m_plan->stage == 0 && (t == 0 || (t < m_plan->host_input.size() && m_plan->host_input[t]));
    return !from_host && !m_routes.feeds_itself;
  };
  for (std::uint32_t t = 0; t < m_plan->expected.size(); ++t) {
    if (received(t)) input = receive(C2cAddress{0, t, 0}.tag());
    // The run belongs to the chip before the thread waits: a watchdog stop leaves the thread
    // suspended in wait() for good, and what its locals owned would leak.
    m_runs.emplace_back();
    execute(t, input, m_runs.back());
    const StageRun& done = m_runs.back();
    if (m_trace) trace(done, t);
    // Only after its last step does the chip advance SystemC time (to that step's end): before,
    // another step's resident weights may still stream earlier than this one's end (a prompt's
    // next chunk reaches a later stage before the stage is done with this one).
    if (t + 1 == m_plan->expected.size()) sync_to(done.end);
    input = done.end;
    progress::advance();
  }
  m_finished = true;
}

}  // namespace decodesim::lpu
