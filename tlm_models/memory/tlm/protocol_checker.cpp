#include "memory/tlm/protocol_checker.h"

namespace decodesim::memory {

namespace {
const char* phase_name(const tlm::tlm_phase& ph) {
  if (ph == tlm::BEGIN_REQ) return "BEGIN_REQ";
  if (ph == tlm::END_REQ) return "END_REQ";
  if (ph == tlm::BEGIN_RESP) return "BEGIN_RESP";
  if (ph == tlm::END_RESP) return "END_RESP";
  return "an extended phase";
}
}  // namespace

ProtocolChecker::ProtocolChecker(sc_core::sc_module_name name)
    : sc_core::sc_module(name), target("target"), initiator("initiator") {
  // All four target-side calls are registered, so the simple socket never adapts b ↔ nb
  // itself: what the initiator calls is what the target gets.
  target.register_b_transport(this, &ProtocolChecker::b_transport);
  target.register_nb_transport_fw(this, &ProtocolChecker::nb_transport_fw);
  target.register_transport_dbg(this, &ProtocolChecker::transport_dbg);
  target.register_get_direct_mem_ptr(this, &ProtocolChecker::get_direct_mem_ptr);
  initiator.register_nb_transport_bw(this, &ProtocolChecker::nb_transport_bw);
  initiator.register_invalidate_direct_mem_ptr(this, &ProtocolChecker::invalidate_direct_mem_ptr);
  m_on_violation = [](const std::string& what) { throw ProtocolError(what); };
}

void ProtocolChecker::violation(const std::string& rule, const std::string& what, const tlm::tlm_generic_payload* p) {
  std::string msg = std::string(name()) + ": TLM-2.0 base protocol rule " + rule + " broken at " +
                    sc_core::sc_time_stamp().to_string() + ": " + what;
  if (p) msg += " (address " + std::to_string(p->get_address()) + ", length " + std::to_string(p->get_data_length()) + ")";
  m_on_violation(msg);
}

ProtocolChecker::Snapshot ProtocolChecker::snapshot(const tlm::tlm_generic_payload& p) {
  return {p.get_command(),         p.get_address(),           p.get_data_ptr(), p.get_data_length(),
          p.get_streaming_width(), p.get_byte_enable_length(), p.get_byte_enable_ptr()};
}

void ProtocolChecker::check_request(const tlm::tlm_generic_payload& p, const char* via) {
  const tlm::tlm_command c = p.get_command();
  if (c != tlm::TLM_READ_COMMAND && c != tlm::TLM_WRITE_COMMAND && c != tlm::TLM_IGNORE_COMMAND)
    violation("gp.command", std::string(via) + " with an invalid command", &p);
  if (p.get_data_ptr() == nullptr) violation("gp.data", std::string(via) + " with a null data pointer", &p);
  if (p.get_data_length() == 0) violation("gp.data", std::string(via) + " with data length 0", &p);
  if (p.get_streaming_width() == 0) violation("gp.streaming_width", std::string(via) + " with streaming width 0", &p);
  if (p.get_byte_enable_ptr() != nullptr && p.get_byte_enable_length() == 0)
    violation("gp.byte_enable", std::string(via) + " with byte enables of length 0", &p);
  if (p.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE)
    violation("gp.status_incomplete", std::string(via) + " with response status " + p.get_response_string(), &p);
}

void ProtocolChecker::check_unmodified(const Snapshot& s, const tlm::tlm_generic_payload& p, const char* when) {
  const Snapshot n = snapshot(p);
  std::string changed;
  if (n.command != s.command) changed += " command";
  if (n.address != s.address) changed += " address";
  if (n.data != s.data) changed += " data_ptr";
  if (n.length != s.length) changed += " data_length";
  if (n.streaming_width != s.streaming_width) changed += " streaming_width";
  if (n.be != s.be || n.be_length != s.be_length) changed += " byte_enable";
  if (!changed.empty()) violation("gp.target_modified", std::string("initiator-owned attributes changed") + when + ":" + changed, &p);
}

void ProtocolChecker::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  ++m_transactions;
  check_request(p, "b_transport");
  if (m_tx.count(&p)) violation("phase.mixed", "b_transport with a transaction in flight on nb_transport", &p);
  const Snapshot s = snapshot(p);
  initiator->b_transport(p, delay);
  check_unmodified(s, p, " by b_transport's return");
  if (p.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
    violation("gp.status_set", "b_transport returned with TLM_INCOMPLETE_RESPONSE", &p);
}

tlm::tlm_sync_enum ProtocolChecker::nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                                    sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    ++m_transactions;
    check_request(p, "BEGIN_REQ");
    if (!p.has_mm()) violation("mm.required", "a transaction sent through nb_transport has no memory manager", &p);
    if (m_tx.count(&p)) violation("phase.sequence", "BEGIN_REQ for a transaction already in flight", &p);
    if (m_req_open) violation("phase.request_exclusion", "BEGIN_REQ while an earlier request awaits END_REQ", &p);
    m_done.erase(&p);
    m_tx[&p] = Tx{State::ReqSent, snapshot(p)};
    m_req_open = &p;
  } else if (phase == tlm::END_RESP) {
    const auto it = m_tx.find(&p);
    if (it == m_tx.end())
      violation(m_done.count(&p) ? "phase.after_completion" : "phase.sequence",
                "END_RESP for a transaction that is not in flight", &p);
    else
      advance(p, phase, false, "END_RESP");
  } else {
    violation("phase.sequence", std::string("the initiator sent ") + phase_name(phase) + " on the forward path", &p);
  }
  const tlm::tlm_phase sent = phase;
  const tlm::tlm_sync_enum r = initiator->nb_transport_fw(p, phase, delay);
  returned(p, r, sent, phase, true, "the return of nb_transport_fw");
  return r;
}

tlm::tlm_sync_enum ProtocolChecker::nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                                    sc_core::sc_time& delay) {
  if (!m_tx.count(&p)) {
    violation(m_done.count(&p) ? "phase.after_completion" : "phase.sequence",
              std::string("the target sent ") + phase_name(phase) + " for a transaction that is not in flight", &p);
    return target->nb_transport_bw(p, phase, delay);
  }
  advance(p, phase, true, "nb_transport_bw");
  const tlm::tlm_phase sent = phase;
  const tlm::tlm_sync_enum r = target->nb_transport_bw(p, phase, delay);
  returned(p, r, sent, phase, false, "the return of nb_transport_bw");
  return r;
}

void ProtocolChecker::returned(tlm::tlm_generic_payload& p, tlm::tlm_sync_enum r, const tlm::tlm_phase& sent,
                               const tlm::tlm_phase& now, bool callee_is_target, const char* where) {
  switch (r) {
    case tlm::TLM_ACCEPTED:
      if (now != sent) violation("phase.sequence", "TLM_ACCEPTED returned with a changed phase", &p);
      break;
    case tlm::TLM_UPDATED:
      if (now == sent) violation("phase.sequence", "TLM_UPDATED returned without a new phase", &p);
      else if (m_tx.count(&p)) advance(p, now, callee_is_target, where);
      break;
    case tlm::TLM_COMPLETED:
      if (m_tx.count(&p)) completed(p, callee_is_target, where);
      break;
  }
}

void ProtocolChecker::advance(tlm::tlm_generic_payload& p, const tlm::tlm_phase& phase, bool from_target,
                              const char* where) {
  Tx& t = m_tx.at(&p);
  const std::string at = std::string(" (") + where + ")";
  if (phase == tlm::END_REQ && from_target) {
    if (t.state != State::ReqSent) violation("phase.sequence", "END_REQ after the request had ended" + at, &p);
    t.state = State::ReqAccepted;
    if (m_req_open == &p) m_req_open = nullptr;
  } else if (phase == tlm::BEGIN_RESP && from_target) {
    if (t.state == State::RespSent) violation("phase.sequence", "a second BEGIN_RESP" + at, &p);
    if (m_resp_open && m_resp_open != &p)
      violation("phase.response_exclusion", "BEGIN_RESP while an earlier response awaits END_RESP" + at, &p);
    if (p.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
      violation("gp.status_set", "BEGIN_RESP with TLM_INCOMPLETE_RESPONSE" + at, &p);
    check_unmodified(t.snap, p, " by BEGIN_RESP");
    t.state = State::RespSent;
    if (m_req_open == &p) m_req_open = nullptr;  // BEGIN_RESP implies END_REQ
    m_resp_open = &p;
  } else if (phase == tlm::END_RESP && !from_target) {
    if (t.state != State::RespSent) violation("phase.sequence", "END_RESP before BEGIN_RESP" + at, &p);
    completed(p, false, where);
  } else {
    violation("phase.sequence",
              std::string(phase_name(phase)) + " from the " + (from_target ? "target" : "initiator") + at, &p);
  }
}

void ProtocolChecker::completed(tlm::tlm_generic_payload& p, bool by_target, const char* where) {
  const auto it = m_tx.find(&p);
  if (it == m_tx.end()) return;
  if (by_target && p.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
    violation("gp.status_set", std::string("TLM_COMPLETED with TLM_INCOMPLETE_RESPONSE (") + where + ")", &p);
  check_unmodified(it->second.snap, p, " at completion");
  if (m_req_open == &p) m_req_open = nullptr;
  if (m_resp_open == &p) m_resp_open = nullptr;
  m_tx.erase(it);
  m_done[&p] = true;
}

unsigned ProtocolChecker::transport_dbg(tlm::tlm_generic_payload& p) {
  const sc_core::sc_time before = sc_core::sc_time_stamp();
  const unsigned n = initiator->transport_dbg(p);
  if (n > p.get_data_length())
    violation("debug.length", "transport_dbg returned " + std::to_string(n) + " bytes, more than the data length", &p);
  if (sc_core::sc_time_stamp() != before) violation("debug.time", "transport_dbg let time pass", &p);
  return n;
}

bool ProtocolChecker::get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
  const bool granted = initiator->get_direct_mem_ptr(p, dmi);
  if (granted) {
    if (dmi.get_dmi_ptr() == nullptr) violation("dmi.grant", "DMI granted with a null pointer", &p);
    if (p.get_address() < dmi.get_start_address() || p.get_address() > dmi.get_end_address())
      violation("dmi.grant", "the granted DMI region does not contain the address", &p);
    const bool write = p.get_command() == tlm::TLM_WRITE_COMMAND;
    if (write ? !dmi.is_write_allowed() : !dmi.is_read_allowed())
      violation("dmi.grant", "the granted DMI region does not allow the access", &p);
  }
  return granted;
}

void ProtocolChecker::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  target->invalidate_direct_mem_ptr(start, end);
}

}  // namespace decodesim::memory
