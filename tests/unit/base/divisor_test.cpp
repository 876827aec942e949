// Divisor must give exactly n / d and n % d: the HBM model's bank, row and pseudo-channel
// mapping (and so every golden) rests on it.
#include "common/base/divisor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace decodesim {
namespace {

void expect_exact(const Divisor& d, std::uint64_t n) {
  ASSERT_EQ(d.div(n), n / d.value()) << n << " / " << d.value();
  ASSERT_EQ(d.mod(n), n % d.value()) << n << " % " << d.value();
}

TEST(Divisor, MatchesHardwareDivisionAtTheEdgesOfEachPath) {
  // Powers of two (shift), 32-bit divisors (multiply-high), and divisors past 2^32 (divide).
  const std::vector<std::uint64_t> divisors = {1,  2,  3,  5,  6,  7,  12, 20, 48, 80, 96, 1000, 65535, 65537,
                                               0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu,
                                               0x100000000ull, 0x100000001ull, ~std::uint64_t{0}};
  const std::vector<std::uint64_t> edges = {0, 1, 2, 0xFFFFFFFEu, 0xFFFFFFFFu, 0x100000000ull, ~std::uint64_t{0}};
  std::mt19937_64 rng(20261130);
  for (std::uint64_t dv : divisors) {
    const Divisor d(dv);
    for (std::uint64_t e : edges) expect_exact(d, e);
    for (std::uint64_t k : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{1000}}) {
      // Multiples of d and their neighbours are where a rounding error would show.
      const std::uint64_t m = dv * k;
      if (m / k != dv) continue;
      expect_exact(d, m);
      expect_exact(d, m - 1);
      if (m != ~std::uint64_t{0}) expect_exact(d, m + 1);
    }
    for (int i = 0; i < 20000; ++i) {
      expect_exact(d, rng() & 0xFFFFFFFFu);
      expect_exact(d, rng());
    }
  }
}

TEST(Divisor, RefusesZero) { EXPECT_THROW(Divisor(0), std::invalid_argument); }

}  // namespace
}  // namespace decodesim
