// Conversions between the models' integer picoseconds and SystemC's sc_time, for the
// memory components' TLM sockets. Exact as long as the SystemC time resolution divides 1 ps.
#pragma once

#include <systemc>

#include "common/base/units.h"

namespace decodesim::memory {

inline sc_core::sc_time to_sc_time(Picos ps) { return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS); }

inline Picos to_picos(const sc_core::sc_time& t) {
  static const sc_dt::uint64 units_per_ps = sc_core::sc_time(1, sc_core::SC_PS).value();
  return static_cast<Picos>(t.value() / units_per_ps);
}

}  // namespace decodesim::memory
