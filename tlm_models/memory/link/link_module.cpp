#include "memory/link/link_module.h"

#include <stdexcept>

#include "common/base/sc_time_conv.h"

namespace decodesim::memory {

LinkModule::LinkModule(sc_core::sc_module_name name, const LinkConfig& cfg, std::string stats_name)
    : sc_core::sc_module(name), target("target"), far("far"), m_link(std::move(stats_name), cfg) {
  target.register_b_transport(this, &LinkModule::b_transport);
}

void LinkModule::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  if (p.get_command() != tlm::TLM_WRITE_COMMAND) {
    p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  const std::uint32_t route = link_route(p.get_address());
  if (far.size() > 0 && route >= static_cast<std::uint32_t>(far.size())) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const LinkHops* hops = p.get_extension<LinkHops>();
  const Picos now = to_picos(sc_core::sc_time_stamp());
  const Picos done = m_link.transfer(p.get_data_length(), now + to_picos(delay), hops ? hops->hops : 1);
  delay = to_sc_time(done - now);
  if (far.size() > 0) {
    far[static_cast<int>(route)]->b_transport(p, delay);
    if (p.is_response_error()) return;
  }
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

LinkPort::LinkPort(sc_core::sc_module_name name)
    : sc_core::sc_module(name), socket("socket"), m_hops(new LinkHops) {
  m_payload.set_command(tlm::TLM_WRITE_COMMAND);
  m_payload.set_address(0);
  m_payload.set_data_ptr(&m_scratch);
  m_payload.set_byte_enable_ptr(nullptr);
  m_payload.set_dmi_allowed(false);
  m_payload.set_extension(m_hops);
}

Picos LinkPort::send(Bytes bytes, Picos start, std::uint32_t hops) {
  const Picos now = to_picos(sc_core::sc_time_stamp());
  if (start < now) throw std::logic_error(std::string(name()) + ": a message cannot start in the past");
  m_payload.set_data_length(static_cast<unsigned>(bytes));
  m_payload.set_streaming_width(static_cast<unsigned>(bytes));
  m_payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  m_hops->hops = hops;
  sc_core::sc_time delay = to_sc_time(start - now);
  socket->b_transport(m_payload, delay);
  if (m_payload.is_response_error())
    throw std::runtime_error(std::string(name()) + ": " + m_payload.get_response_string());
  m_sent += bytes;
  return now + to_picos(delay);
}

}  // namespace decodesim::memory
