// Layer reuse ("replay identical decoder layers", docs/reuse.md), shared by the TPU and GPU
// tiles. Pure C++, no SystemC: the tiles keep their SC_THREADs, their notion of a resource
// timeline, their counters and the token-boundary wait(); this file owns the one decision and
// bookkeeping they have in common, so the two architectures cannot drift apart in what "the
// same layer" means or in how a replayed record is built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "common/base/kernel_graph.h"
#include "common/base/kernel_record.h"
#include "common/base/trace.h"

namespace decodesim::replay {

/// Everything about a kernel that determines its timing on a tile whose activations stay on
/// chip, except its addresses (identical layers sit at different addresses by construction).
bool same_work(const Kernel& a, const Kernel& b);

/// Activation traffic. It matters where activations go through the memory system (the GPU's
/// L2 ping-pong buffers), so such a tile compares it on top of same_work.
bool same_activations(const Kernel& a, const Kernel& b);

using SameWork = std::function<bool(const Kernel&, const Kernel&)>;

/// [first, last) kernel indices of one decoder layer within a token's graph.
struct LayerSpan {
  std::size_t first = 0, last = 0;
  std::size_t size() const { return last - first; }
};

/// One span per decoder layer (kernels outside the stack, layer < 0, belong to none). A layer
/// with no kernels keeps {0, 0}.
std::vector<LayerSpan> layer_spans(const KernelGraph& g);

/// Layer 1 is the template: layer 0 warms the tile's memory state (HBM rows, DMA ring, L2), so
/// it is never reused and never the template. Layer L >= 2 is replayed when it has as many
/// kernels as layer 1 and each does the same work as its counterpart; otherwise (e.g. an MoE
/// layer with a different expert count) it is simulated.
bool layer_reusable(const KernelGraph& g, const std::vector<LayerSpan>& spans, int layer, const SameWork& same);

/// Counters a tile accumulates while simulating (MACs, SRAM bits, ...). They are captured as
/// layer 1's delta and added again for every replayed layer. Integer counters are kept as
/// integers so the totals are exactly those of the code that summed them inline.
class ReplayCounters {
 public:
  void watch(double& counter) { m_real.emplace_back(&counter, 0.0); }
  void watch(Picos& counter) { m_int.emplace_back(&counter, Picos{0}); }

  void reset();   ///< no template yet: a replay would add nothing
  void begin();   ///< before layer 1's first kernel
  void end();     ///< after layer 1's last kernel: keep the deltas
  void replay();  ///< add the deltas once more

 private:
  // Counter and, between begin() and end(), its value at begin(); after end(), layer 1's delta.
  std::vector<std::pair<double*, double>> m_real;
  std::vector<std::pair<Picos*, Picos>> m_int;
};

/// The run loop of one token, with the tile-specific parts passed in.
class LayerReplay {
 public:
  struct Hooks {
    /// Simulate kernel `index` of the graph; it starts after the caller's `now`.
    std::function<KernelRecord(const Kernel& k, std::size_t index)> execute;
    /// Tile timelines (buffer rings, array availability) move forward by a replayed layer's
    /// duration, so the next simulated kernel finds them where they would have been. Optional.
    std::function<void(Picos advance)> shift_timelines;
    SameWork same = same_work;
    /// Trace (optional). A replayed layer gets one slice per kernel on `kernel_track`, and a
    /// shifted copy of every other event this chip emitted while layer 1 ran (DMA, matmul,
    /// vector, memory counters): TraceWriter::replay.
    TraceWriter* trace = nullptr;
    int trace_chip = 0;
    int kernel_track = -1;
  };

  LayerReplay(bool enabled, Hooks hooks, ReplayCounters& counters, std::uint32_t& reused_layers)
      : m_enabled(enabled), m_hooks(std::move(hooks)), m_counters(counters), m_reused_layers(reused_layers) {}

  /// Runs every kernel of `g` in order, simulating or replaying each layer, appending the
  /// records to `records` and advancing `now` (the tile's local time, updated after every
  /// kernel so that `execute` may read it). The template lives in `records`, so it is only
  /// ever taken from this token.
  void run_token(const KernelGraph& g, std::vector<KernelRecord>& records, Picos& now);

 private:
  bool m_enabled;
  Hooks m_hooks;
  ReplayCounters& m_counters;
  std::uint32_t& m_reused_layers;
  std::size_t m_trace_from = 0, m_trace_to = 0;  ///< layer 1's events in the trace buffer
};

}  // namespace decodesim::replay
