#include "memory/tlm/payload_pool.h"

namespace decodesim::memory {

PayloadPool::~PayloadPool() {
  // Extensions set with set_extension are owned by the payload's user; the pool clears only
  // the auto-extensions it knows nothing about, through reset() in free().
  for (auto& p : m_all) p->free_all_extensions();
}

tlm::tlm_generic_payload* PayloadPool::acquire() {
  tlm::tlm_generic_payload* p;
  if (m_free.empty()) {
    m_all.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
    p = m_all.back().get();
  } else {
    p = m_free.back();
    m_free.pop_back();
  }
  p->acquire();
  return p;
}

void PayloadPool::free(tlm::tlm_generic_payload* p) {
  // reset() frees auto-extensions only; sticky extensions (the initiator's StallExtension) stay
  // with the payload for its next use, which is what makes them cheap.
  p->reset();
  m_free.push_back(p);
}

}  // namespace decodesim::memory
