// The one place where model time (integer picoseconds) meets sc_time, for the tiles, the
// systems and the memory components' TLM sockets alike.
//
// Every decodesim program runs at a 1 ps time resolution (SystemC's default, and the systems
// and testbenches set it before elaboration), where both directions are exact: nothing rounds.
// This header merges two that agreed there but differed below it: the tiles' to_picos rounded
// to the nearest picosecond through a double (exact only below 2^53 ps), the memory sockets'
// truncated by integer division. The one kept is integer arithmetic, exact over the whole
// range, and rounds to the nearest picosecond, which only a plugged-in target that sets a finer
// resolution can see. A resolution coarser than 1 ps is not supported (to_sc_time would round).
#pragma once

#include <systemc>

#include "common/base/units.h"

namespace decodesim {

inline sc_core::sc_time to_sc_time(Picos t) { return sc_core::sc_time(static_cast<double>(t), sc_core::SC_PS); }

// Picoseconds in `t`, rounded to the nearest picosecond (exact at 1 ps resolution).
inline Picos to_picos(const sc_core::sc_time& t) {
  // Resolution units per picosecond; fixed once the first sc_time exists, so cached.
  static const sc_dt::uint64 units_per_ps = sc_core::sc_time(1, sc_core::SC_PS).value();
  return static_cast<Picos>((t.value() + units_per_ps / 2) / units_per_ps);
}

inline Picos sc_now_picos() { return to_picos(sc_core::sc_time_stamp()); }

}  // namespace decodesim
