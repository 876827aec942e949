// An ignorable payload extension through which a target may say how much of a transaction's
// latency was refresh. Initiators that report "where the time went" attach it to their pooled
// payloads; a target that does not know it leaves it untouched (0), as the base protocol
// requires of ignorable extensions. This replaces any probe into the target's internals: the
// refresh the initiator sees is exactly the refresh its own transactions waited on.
#pragma once

#include <tlm>

#include <cstdint>

#include "common/base/units.h"

namespace decodesim::memory {

struct StallExtension : tlm::tlm_extension<StallExtension> {
  Picos refresh_stall = 0;         ///< refresh wait caused while serving this transaction, summed over units
  std::uint32_t refresh_units = 0; ///< units refresh_stall is summed over (pseudo-channels or banks); 0: unknown

  tlm::tlm_extension_base* clone() const override { return new StallExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& e) override { *this = static_cast<const StallExtension&>(e); }
};

}  // namespace decodesim::memory
