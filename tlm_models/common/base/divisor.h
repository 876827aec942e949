// Division by a divisor fixed at elaboration (bank, pseudo-channel and burst counts from the
// config), for the memory models' per-request address arithmetic.
//
// A 64-bit `div` costs tens of cycles and sat on the hottest lines of the HBM model (perf on a
// GPU 7B token: the two divides in Hbm::serve_piece were half of that function's samples). A
// power of two becomes a shift; otherwise a numerator below 2^32 uses Lemire, Kaser and Kurz's
// direct computation ("Faster Remainder by Direct Computation", Software: Practice and
// Experience, 2019): q = floor(M·n / 2^64) with M = floor((2^64 − 1) / d) + 1, exact for every
// 32-bit n and d. Larger numerators fall back to the hardware divide. Results equal n / d and
// n % d for every n.
#pragma once

#include <cstdint>
#include <stdexcept>

namespace decodesim {

class Divisor {
 public:
  explicit Divisor(std::uint64_t d = 1) : m_d(d) {
    if (d == 0) throw std::invalid_argument("Divisor: division by zero");
    if ((d & (d - 1)) == 0) {
      while ((std::uint64_t{1} << m_shift) != d) ++m_shift;
      m_pow2 = true;
    } else if (d <= 0xFFFFFFFFu) {
      m_magic = ~std::uint64_t{0} / d + 1;
    }
  }
  std::uint64_t value() const { return m_d; }
  std::uint64_t div(std::uint64_t n) const {
    if (m_pow2) return n >> m_shift;
    if (m_magic != 0 && n <= 0xFFFFFFFFu)
      return static_cast<std::uint64_t>((static_cast<unsigned __int128>(m_magic) * n) >> 64);
    return n / m_d;
  }
  std::uint64_t mod(std::uint64_t n) const { return m_pow2 ? n & (m_d - 1) : n - div(n) * m_d; }

 private:
  std::uint64_t m_d;
  std::uint64_t m_magic = 0;  ///< 0: no 32-bit fast path (a power of two, or d ≥ 2^32)
  unsigned m_shift = 0;
  bool m_pow2 = false;
};

}  // namespace decodesim
