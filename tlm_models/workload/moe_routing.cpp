#include "workload/moe_routing.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace decodesim::workload {

namespace {

// SplitMix64 finaliser: a fixed, well-mixed bijection, so keys that differ in one bit give
// unrelated streams (std:: distributions are not portable across standard libraries).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint32_t Routing::distinct_experts() const {
  return static_cast<std::uint32_t>(
      std::count_if(rows_per_expert.begin(), rows_per_expert.end(), [](std::uint32_t r) { return r > 0; }));
}

std::uint32_t Routing::max_rows() const {
  return rows_per_expert.empty() ? 0 : *std::max_element(rows_per_expert.begin(), rows_per_expert.end());
}

std::uint64_t Routing::routed_rows() const {
  return std::accumulate(rows_per_expert.begin(), rows_per_expert.end(), std::uint64_t{0});
}

Routing route_tokens(std::uint32_t experts, std::uint32_t top_k, std::uint32_t batch, std::uint64_t seed,
                     std::uint32_t token_index, std::uint32_t layer) {
  if (top_k == 0 || top_k > experts) throw std::invalid_argument("route_tokens: need 1 <= top_k <= experts");
  Routing r;
  r.rows_per_expert.assign(experts, 0);
  r.chosen.resize(batch);
  std::vector<std::uint32_t> pool(experts);
  for (std::uint32_t b = 0; b < batch; ++b) {
    std::uint64_t state = mix(mix(mix(mix(seed) ^ token_index) ^ layer) ^ b);
    std::iota(pool.begin(), pool.end(), 0u);
    // Partial Fisher-Yates: the first top_k slots become a uniform draw without replacement.
    for (std::uint32_t i = 0; i < top_k; ++i) {
      state = mix(state);
      const std::uint32_t j = i + static_cast<std::uint32_t>(state % (experts - i));
      std::swap(pool[i], pool[j]);
    }
    auto& mine = r.chosen[b];
    mine.assign(pool.begin(), pool.begin() + top_k);
    std::sort(mine.begin(), mine.end());
    for (std::uint32_t e : mine) ++r.rows_per_expert[e];
  }
  return r;
}

}  // namespace decodesim::workload
