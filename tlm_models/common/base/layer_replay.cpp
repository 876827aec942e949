#include "common/base/layer_replay.h"

#include "common/base/progress.h"

namespace decodesim::replay {

bool same_work(const Kernel& a, const Kernel& b) {
  return a.kind == b.kind && a.op == b.op && a.m == b.m && a.n == b.n && a.k == b.k && a.groups == b.groups &&
         a.weight_bytes == b.weight_bytes && a.kv_read_bytes == b.kv_read_bytes &&
         a.kv_write_bytes == b.kv_write_bytes && a.collective_bytes == b.collective_bytes && a.flops == b.flops &&
         a.vector_ops == b.vector_ops && a.weight_dtype == b.weight_dtype && a.kv_dtype == b.kv_dtype;
}

bool same_activations(const Kernel& a, const Kernel& b) {
  return a.act_in_bytes == b.act_in_bytes && a.act_out_bytes == b.act_out_bytes;
}

std::vector<LayerSpan> layer_spans(const KernelGraph& g) {
  std::vector<LayerSpan> spans(g.layers);
  for (std::size_t i = 0; i < g.kernels.size(); ++i) {
    const int L = g.kernels[i].layer;
    if (L < 0 || L >= static_cast<int>(g.layers)) continue;
    if (spans[L].last == 0) spans[L].first = i;
    spans[L].last = i + 1;
  }
  return spans;
}

bool layer_reusable(const KernelGraph& g, const std::vector<LayerSpan>& spans, int layer, const SameWork& same) {
  // Three layers at least: 0 warms up, 1 is the template, so only 2.. can be replayed.
  if (layer < 2 || g.layers < 3) return false;
  const LayerSpan a = spans[1], b = spans[layer];
  if (a.size() != b.size()) return false;
  for (std::size_t j = 0; j < a.size(); ++j)
    if (!same(g.kernels[a.first + j], g.kernels[b.first + j])) return false;
  return true;
}

void ReplayCounters::reset() {
  for (auto& [c, v] : m_real) v = 0;
  for (auto& [c, v] : m_int) v = 0;
}

void ReplayCounters::begin() {
  for (auto& [c, v] : m_real) v = *c;
  for (auto& [c, v] : m_int) v = *c;
}

void ReplayCounters::end() {
  for (auto& [c, v] : m_real) v = *c - v;
  for (auto& [c, v] : m_int) v = *c - v;
}

void ReplayCounters::replay() {
  for (auto& [c, v] : m_real) *c += v;
  for (auto& [c, v] : m_int) *c += v;
}

void LayerReplay::run_token(const KernelGraph& g, std::vector<KernelRecord>& records, Picos& now) {
  const std::vector<LayerSpan> spans = layer_spans(g);
  std::size_t template_rec = 0;  // index in `records` of layer 1's first kernel this token
  Picos anchor = 0;              // end of the kernel before layer 1: where layer 1's time starts
  m_counters.reset();
  for (std::size_t i = 0; i < g.kernels.size();) {
    const Kernel& k = g.kernels[i];
    if (k.layer >= 0 && static_cast<std::size_t>(k.layer) < spans.size() && i == spans[k.layer].first &&
        m_enabled && layer_reusable(g, spans, k.layer, m_hooks.same)) {
      const LayerSpan s = spans[k.layer];
      const Picos shift = now - anchor;
      const Picos span_start = now;
      for (std::size_t j = 0; j < s.size(); ++j) {
        KernelRecord r = records[template_rec + j];
        r.start += shift;
        r.end += shift;
        r.layer = k.layer;
        r.name = g.kernels[s.first + j].name;
        r.reused = true;
        if (m_hooks.trace) {
          SliceArgs a = trace_args(g.kernels[s.first + j], r);
          a.replayed_from = 1;
          m_hooks.trace->slice(m_hooks.kernel_track, r.name, r.start, r.end, std::move(a));
        }
        records.push_back(std::move(r));
      }
      if (m_hooks.trace) {
        // Unit events are named after their kernel ("L1.qkv", lowering.cpp): rename to this layer.
        const std::string from = "L1.", to = "L" + std::to_string(k.layer) + ".";
        m_hooks.trace->replay(m_hooks.trace_chip, m_trace_from, m_trace_to, shift, k.layer, 1, span_start,
                              records.back().end, m_hooks.kernel_track, [&](const std::string& n) {
                                return n.compare(0, from.size(), from) == 0 ? to + n.substr(from.size()) : n;
                              });
      }
      const Picos advance = records.back().end - now;
      now += advance;
      if (m_hooks.shift_timelines) m_hooks.shift_timelines(advance);
      m_counters.replay();
      ++m_reused_layers;
      progress::advance(s.size());
      i = s.last;
      continue;
    }
    const bool first_of_template = k.layer == 1 && i == spans[1].first;
    const bool last_of_template = k.layer == 1 && i + 1 == spans[1].last;
    if (first_of_template) {
      template_rec = records.size();
      anchor = now;
      m_counters.begin();
      if (m_hooks.trace) m_trace_from = m_hooks.trace->mark();
    }
    KernelRecord r = m_hooks.execute(k, i);
    now = r.end;
    records.push_back(std::move(r));
    progress::advance();
    if (last_of_template) {
      m_counters.end();
      if (m_hooks.trace) m_trace_to = m_hooks.trace->mark();
    }
    ++i;
  }
}

}  // namespace decodesim::replay
