#include "common/base/progress.h"

#include <atomic>

namespace decodesim::progress {
namespace {
std::atomic<std::uint64_t> g_done{0}, g_total{0};
}

void reset() {
  g_done = 0;
  g_total = 0;
}
void add_total(std::uint64_t units) { g_total.fetch_add(units, std::memory_order_relaxed); }
void advance(std::uint64_t units) { g_done.fetch_add(units, std::memory_order_relaxed); }
Snapshot read() { return {g_done.load(std::memory_order_relaxed), g_total.load(std::memory_order_relaxed)}; }

}  // namespace decodesim::progress
