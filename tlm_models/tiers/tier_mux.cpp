#include "tiers/tier_mux.h"

#include <stdexcept>

namespace decodesim::tiers {

TierMux::TierMux(sc_core::sc_module_name name, memory::MemoryTarget& below)
    : memory::MemoryTarget(name), decode_in("decode_in"), switch_in("switch_in"), out("out"), m_below(below) {
  int id = 0;
  for (auto* sock : {&decode_in, &switch_in}) {
    sock->register_b_transport(this, &TierMux::b_transport, id);
    sock->register_nb_transport_fw(this, &TierMux::nb_transport_fw, id);
    sock->register_transport_dbg(this, &TierMux::transport_dbg, id);
    ++id;
  }
  out.register_nb_transport_bw(this, &TierMux::nb_transport_bw);
}

void TierMux::b_transport(int, tlm::tlm_generic_payload& p, sc_core::sc_time& d) { out->b_transport(p, d); }

tlm::tlm_sync_enum TierMux::nb_transport_fw(int id, tlm::tlm_generic_payload& p, tlm::tlm_phase& ph,
                                            sc_core::sc_time& d) {
  if (ph == tlm::BEGIN_REQ) m_origin[&p] = id;
  const tlm::tlm_sync_enum r = out->nb_transport_fw(p, ph, d);
  // The transaction ends on this path when the target completes it in the return (TLM_COMPLETED)
  // or when the initiator sends END_RESP.
  if (r == tlm::TLM_COMPLETED || ph == tlm::END_RESP) m_origin.erase(&p);
  return r;
}

tlm::tlm_sync_enum TierMux::nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_core::sc_time& d) {
  const auto it = m_origin.find(&p);
  if (it == m_origin.end()) throw std::logic_error(std::string(name()) + ": backward call for a payload it did not send");
  const int id = it->second;
  const tlm::tlm_sync_enum r = (id == 0 ? decode_in : switch_in)->nb_transport_bw(p, ph, d);
  if (r == tlm::TLM_COMPLETED) m_origin.erase(it);
  return r;
}

unsigned int TierMux::transport_dbg(int, tlm::tlm_generic_payload& p) { return out->transport_dbg(p); }

}  // namespace decodesim::tiers
