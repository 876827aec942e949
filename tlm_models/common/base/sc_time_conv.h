// The one place where model time (integer picoseconds) meets sc_time. The simulator's time
// resolution is set to 1 ps by the system before elaboration, so the conversion is exact.
#pragma once

#include <systemc>

#include "common/base/units.h"

namespace decodesim {

inline sc_core::sc_time to_sc_time(Picos t) { return sc_core::sc_time(static_cast<double>(t), sc_core::SC_PS); }

inline Picos to_picos(const sc_core::sc_time& t) {
  return static_cast<Picos>(t.value() * (sc_core::sc_get_time_resolution().to_seconds() * 1e12) + 0.5);
}

inline Picos sc_now_picos() { return to_picos(sc_core::sc_time_stamp()); }

}  // namespace decodesim
