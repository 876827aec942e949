// A pool of generic payloads behind tlm_mm_interface (IEEE 1666-2011 14.5): acquire() hands out
// a payload with its reference count at 1 and this pool as its memory manager; when the last
// holder calls release(), free() resets it and puts it back. Payloads are never on the stack,
// so an AT target may keep one past the call that brought it.
#pragma once

#include <tlm>

#include <memory>
#include <vector>

namespace decodesim::memory {

class PayloadPool : public tlm::tlm_mm_interface {
 public:
  PayloadPool() = default;
  PayloadPool(const PayloadPool&) = delete;
  PayloadPool& operator=(const PayloadPool&) = delete;
  ~PayloadPool() override;

  /// A reset payload, reference count 1, owned by this pool.
  tlm::tlm_generic_payload* acquire();
  void free(tlm::tlm_generic_payload* p) override;

  std::size_t allocated() const { return m_all.size(); }
  std::size_t in_use() const { return m_all.size() - m_free.size(); }

 private:
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> m_all;
  std::vector<tlm::tlm_generic_payload*> m_free;
};

}  // namespace decodesim::memory
