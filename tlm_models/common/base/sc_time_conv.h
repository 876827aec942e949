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

#include <stdexcept>

#include "common/base/units.h"

namespace decodesim {

// Resolution units per picosecond; fixed once the first sc_time exists, so cached. The check
// runs once, in the initialiser: a resolution coarser than 1 ps makes 1 ps zero units.
inline sc_dt::uint64 sc_units_per_ps() {
  static const sc_dt::uint64 units = [] {
    const sc_dt::uint64 u = sc_core::sc_time(1, sc_core::SC_PS).value();
    if (u == 0) throw std::logic_error("decodesim needs a SystemC time resolution of 1 ps or finer");
    return u;
  }();
  return units;
}

// From the integer value, not sc_time(double, SC_PS): that constructor scales through the
// simcontext's resolution in floating point and was 4% of a GPU token's run time (perf), one
// call per memory transaction.
inline sc_core::sc_time to_sc_time(Picos t) { return sc_core::sc_time::from_value(t * sc_units_per_ps()); }

// Picoseconds in `t`, rounded to the nearest picosecond (exact at 1 ps resolution).
inline Picos to_picos(const sc_core::sc_time& t) {
  const sc_dt::uint64 units_per_ps = sc_units_per_ps();
  return static_cast<Picos>((t.value() + units_per_ps / 2) / units_per_ps);
}

inline Picos sc_now_picos() { return to_picos(sc_core::sc_time_stamp()); }

}  // namespace decodesim
