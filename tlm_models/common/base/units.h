// Time, size and clock units shared by every model.
//
// Simulated time is kept in integer picoseconds (Picos) inside the timeline models and
// converted to sc_time in exactly one place (common/base/sc_time_conv.h). Each unit counts its
// own cycles in its own ClockDomain; conversions round up so a cycle is never shortened.
#pragma once

#include <cmath>
#include <cstdint>

namespace decodesim {

using Picos = std::uint64_t;   ///< simulated time in picoseconds
using Cycles = std::uint64_t;  ///< cycles of one clock domain
using Bytes = std::uint64_t;

constexpr Picos kPicosPerNs = 1000;
constexpr Picos kPicosPerUs = 1000 * kPicosPerNs;
constexpr double kPicosPerSecond = 1e12;

inline double picos_to_seconds(Picos t) { return static_cast<double>(t) / kPicosPerSecond; }
inline Picos ns_to_picos(double ns) { return static_cast<Picos>(std::llround(ns * 1000.0)); }

/// One clock domain. The period is kept in femtoseconds so 1.5 GHz (666.67 ps) does not drift.
class ClockDomain {
 public:
  ClockDomain() = default;
  explicit ClockDomain(double freq_ghz)
      : m_freq_ghz(freq_ghz), m_period_fs(static_cast<std::uint64_t>(std::llround(1e6 / freq_ghz))) {}

  double freq_ghz() const { return m_freq_ghz; }
  double freq_hz() const { return m_freq_ghz * 1e9; }
  /// Start time (ps, rounded up) of cycle `c` counted from time zero.
  Picos to_picos(Cycles c) const { return (c * m_period_fs + 999) / 1000; }
  /// Number of whole cycles that fit in `t` (rounded up: a partial cycle is a cycle).
  Cycles to_cycles(Picos t) const { return (t * 1000 + m_period_fs - 1) / m_period_fs; }

 private:
  double m_freq_ghz = 1.0;
  std::uint64_t m_period_fs = 1000000;
};

/// Ceiling division for sizes and tile counts.
template <class T>
constexpr T ceil_div(T a, T b) {
  return (a + b - 1) / b;
}

}  // namespace decodesim
