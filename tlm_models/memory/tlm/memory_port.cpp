#include "memory/tlm/memory_port.h"

#include <algorithm>
#include <stdexcept>

#include "common/base/sc_time_conv.h"

namespace decodesim::memory {
namespace {
Picos now_ps() { return to_picos(sc_core::sc_time_stamp()); }
}  // namespace

MemoryPort::MemoryPort(std::string owner, tlm::tlm_initiator_socket<>& socket, sc_core::sc_port<MemoryInfoIf>& info,
                       const TlmSettings& settings, std::size_t tickets, Bytes max_len)
    : m_owner(std::move(owner)),
      m_socket(socket),
      m_info(info),
      m_settings(settings),
      m_peq("peq", this, &MemoryPort::peq_cb),
      m_scratch(max_len, 0),
      m_slots(std::max<std::size_t>(tickets, 1)) {
  tlm::tlm_global_quantum::instance().set(to_sc_time(settings.quantum));
  m_qk.reset();
  m_sync_at = to_picos(m_qk.next_sync_point());
}

MemoryPort::Ticket MemoryPort::begin(bool write, Bytes addr, Bytes len, Picos arrival, Picos clock) {
  if (m_boundary == ~Bytes{0}) m_boundary = m_info->boundary_bytes();
  const Ticket t = m_next++;
  Slot& s = slot(t);
  if (s.pending)
    throw std::logic_error(m_owner + ": more than " + std::to_string(m_slots.size()) + " requests unfinished");
  s = Slot{t, 0, arrival};
  for (Bytes off = 0; off < len;) {
    const Bytes a = addr + off;
    Bytes piece = len - off;
    if (m_boundary) piece = std::min(piece, m_boundary - a % m_boundary);
    tlm::tlm_generic_payload& p = *m_pool.acquire();
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(a);
    p.set_data_ptr(m_scratch.data());
    p.set_data_length(static_cast<unsigned>(piece));
    p.set_streaming_width(static_cast<unsigned>(piece));
    p.set_byte_enable_ptr(nullptr);
    p.set_byte_enable_length(0);
    p.set_dmi_allowed(false);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    StallExtension* ext = p.get_extension<StallExtension>();
    if (!ext) p.set_extension(ext = new StallExtension);
    *ext = StallExtension{};
    ++m_transactions;
    if (m_settings.mode == TlmMode::Lt) send_lt(p, arrival, clock, s);
    else send_at(p, arrival, t);
    off += piece;
  }
  return t;
}

void MemoryPort::send_lt(tlm::tlm_generic_payload& p, Picos arrival, Picos clock, Slot& s) {
  const Picos now = now_ps();
  sc_core::sc_time delay = to_sc_time(arrival > now ? arrival - now : 0);
  m_socket->b_transport(p, delay);
  check_response(p);
  // A target may wait() inside b_transport: the completion is its time plus the annotation.
  const Picos after = now_ps();
  s.done = std::max(s.done, after + to_picos(delay));
  const StallExtension* ext = p.get_extension<StallExtension>();
  m_refresh_stall += ext->refresh_stall;
  if (ext->refresh_units) m_refresh_units = ext->refresh_units;
  p.release();
  // Temporal decoupling: this initiator runs ahead of SystemC time by its own clock's lead. The
  // keeper is consulted only once the clock reaches its next sync point (an integer compare per
  // transaction instead of two sc_time conversions).
  if (clock >= m_sync_at) {
    m_qk.set(to_sc_time(clock > after ? clock - after : 0));
    if (m_qk.need_sync()) m_qk.sync();
    m_sync_at = to_picos(m_qk.next_sync_point());
  }
}

void MemoryPort::send_at(tlm::tlm_generic_payload& p, Picos arrival, Ticket t) {
  // Request exclusion (14.2.1): one BEGIN_REQ in flight per socket until END_REQ.
  while (m_req_busy) sc_core::wait(m_req_free);
  ++slot(t).pending;
  m_inflight[&p] = t;
  const Picos now = now_ps();
  sc_core::sc_time delay = to_sc_time(arrival > now ? arrival - now : 0);
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  m_req_busy = &p;
  switch (m_socket->nb_transport_fw(p, phase, delay)) {
    case tlm::TLM_ACCEPTED:
      break;
    case tlm::TLM_UPDATED:
      // END_REQ or BEGIN_RESP on the return path: handled at its annotated time.
      m_peq.notify(p, phase, delay);
      break;
    case tlm::TLM_COMPLETED:
      m_req_busy = nullptr;
      complete(p, now + to_picos(delay));
      break;
  }
}

tlm::tlm_sync_enum MemoryPort::nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                               sc_core::sc_time& delay) {
  m_peq.notify(p, phase, delay);
  return tlm::TLM_ACCEPTED;
}

void MemoryPort::peq_cb(tlm::tlm_generic_payload& p, const tlm::tlm_phase& phase) {
  if (phase == tlm::END_REQ || phase == tlm::BEGIN_RESP) {
    if (m_req_busy == &p) {
      m_req_busy = nullptr;
      m_req_free.notify(sc_core::SC_ZERO_TIME);
    }
  }
  if (phase != tlm::BEGIN_RESP) return;
  const Picos now = now_ps();
  tlm::tlm_phase end = tlm::END_RESP;
  sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
  // The target sees END_RESP now; whatever it answers, the transaction is over for us.
  m_socket->nb_transport_fw(p, end, zero);
  complete(p, now);
}

void MemoryPort::complete(tlm::tlm_generic_payload& p, Picos done) {
  check_response(p);
  const auto it = m_inflight.find(&p);
  Slot& s = slot(it->second);
  m_inflight.erase(it);
  s.done = std::max(s.done, done);
  --s.pending;
  const StallExtension* ext = p.get_extension<StallExtension>();
  m_refresh_stall += ext->refresh_stall;
  if (ext->refresh_units) m_refresh_units = ext->refresh_units;
  p.release();
  m_responded.notify(sc_core::SC_ZERO_TIME);
}

Picos MemoryPort::finish(Ticket t) {
  Slot& s = slot(t);
  if (s.ticket != t) throw std::logic_error(m_owner + ": finish() of a ticket already reused");
  while (s.pending) sc_core::wait(m_responded);
  return s.done;
}

void MemoryPort::check_response(const tlm::tlm_generic_payload& p) const {
  if (p.is_response_error())
    throw std::runtime_error(m_owner + ": " + p.get_response_string() + " for [" + std::to_string(p.get_address()) +
                             ", +" + std::to_string(p.get_data_length()) + ")");
}

}  // namespace decodesim::memory
