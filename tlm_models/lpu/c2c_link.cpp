#include "lpu/c2c_link.h"

#include <string>

#include "common/base/sc_time_conv.h"

namespace decodesim::lpu {

std::uint64_t C2cAddress::encode() const {
  return (std::uint64_t{route} << 56) | (std::uint64_t{token} << 24) | (message & 0xffffffu);
}

C2cAddress C2cAddress::decode(std::uint64_t address) {
  C2cAddress a;
  a.route = static_cast<std::uint32_t>(address >> 56);
  a.token = static_cast<std::uint32_t>((address >> 24) & 0xffffffffu);
  a.message = static_cast<std::uint32_t>(address & 0xffffffu);
  return a;
}

C2cLink::C2cLink(sc_core::sc_module_name name, const memory::LinkConfig& cfg, std::uint32_t hops)
    : sc_core::sc_module(name), in("in"), out("out"), m_link(std::string(basename()), cfg), m_hops(hops) {
  in.register_b_transport(this, &C2cLink::b_transport);
}

void C2cLink::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const std::uint32_t route = C2cAddress::decode(p.get_address()).route;
  if (route >= static_cast<std::uint32_t>(out.size())) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const Picos now = sc_now_picos();
  const Picos sent = now + to_picos(delay);
  const Picos arrival = m_link.transfer(p.get_data_length(), sent, m_hops);
  delay = to_sc_time(arrival - now);
  out[static_cast<int>(route)]->b_transport(p, delay);
}

}  // namespace decodesim::lpu
