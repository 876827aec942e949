#include "memory/sram/sram_target.h"

#include <stdexcept>
#include <string>

#include "common/base/sc_time_conv.h"

namespace decodesim::memory {

SramTarget::SramTarget(sc_core::sc_module_name name, const SramConfig& cfg)
    : MemoryTarget(name), socket("socket"), m_sram(this->name(), cfg) {
  socket.register_b_transport(this, &SramTarget::b_transport);
  socket.register_nb_transport_fw(this, &SramTarget::nb_transport_fw);
}

bool accept_access(tlm::tlm_generic_payload& p, Bytes capacity) {
  const Bytes addr = p.get_address(), len = p.get_data_length();
  if (p.get_byte_enable_ptr()) p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  else if (p.is_read() == p.is_write()) p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
  else if (addr >= capacity || len > capacity - addr) p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  else return true;
  return false;
}

void SramTarget::serve(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  if (!accept_access(p, m_sram.config().capacity_bytes)) return;
  const Bytes addr = p.get_address(), len = p.get_data_length();
  const Picos now = sc_now_picos(), arrival = now + to_picos(delay);
  delay = to_sc_time(m_sram.access(addr, len, p.is_write(), arrival) - now);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

void SramTarget::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) { serve(p, delay); }

tlm::tlm_sync_enum SramTarget::nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                               sc_core::sc_time& delay) {
  // Only BEGIN_REQ reaches here: every transaction completes on its forward call.
  if (phase != tlm::BEGIN_REQ) SC_REPORT_ERROR(name(), "unexpected phase: transactions complete on BEGIN_REQ");
  serve(p, delay);
  return tlm::TLM_COMPLETED;
}

SramPort::SramPort(sc_core::sc_module_name name, const TlmSettings& tlm, Bytes max_len)
    : sc_core::sc_module(name),
      socket("socket"),
      target_info("target_info"),
      m_port(this->name(), socket, target_info, tlm, 1, max_len) {
  socket.register_nb_transport_bw(this, &SramPort::nb_transport_bw);
}

Picos SramPort::access(Bytes addr, Bytes len, bool write, Picos arrival) {
  const Picos now = sc_now_picos();
  if (arrival < now)
    throw std::logic_error(std::string(name()) + ": access arriving at " + std::to_string(arrival) +
                           " ps, before SystemC time " + std::to_string(now) + " ps");
  // Clock 0: this port never asks the quantum keeper to sync (see the header).
  return m_port.transport(write, addr, len, arrival, 0);
}

void bind_sram(SramPort& port, MemoryTarget& target, const TlmSettings& tlm, std::unique_ptr<ProtocolChecker>& checker) {
  if (tlm.check_protocol) {
    checker = std::make_unique<ProtocolChecker>((std::string(port.basename()) + "_checker").c_str());
    port.socket.bind(checker->target);
    checker->initiator.bind(target.target_socket());
  } else {
    port.socket.bind(target.target_socket());
  }
  port.target_info.bind(target);
}

}  // namespace decodesim::memory
