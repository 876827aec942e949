#include "common/base/trace.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>

#include "common/base/kernel_record.h"

namespace decodesim {

int TraceWriter::track(int chip, const std::string& unit_name) {
  for (std::size_t i = 0; i < m_tracks.size(); ++i)
    if (m_tracks[i].chip == chip && m_tracks[i].name == unit_name) return static_cast<int>(i);
  m_tracks.push_back({chip, unit_name});
  return static_cast<int>(m_tracks.size() - 1);
}

void TraceWriter::slice(int track, const std::string& name, Picos start, Picos end, SliceArgs args) {
  if (!m_enabled) return;
  m_events.push_back({'X', track, name, start, end > start ? end - start : 0, 0, std::move(args)});
}

void TraceWriter::counter(int chip, const std::string& name, Picos t, double value) {
  if (!m_enabled) return;
  m_events.push_back({'C', chip, name, t, 0, value, {}});
}

void TraceWriter::replay(int chip, std::size_t from, std::size_t to, Picos shift, int layer, int from_layer,
                         Picos span_start, Picos span_end, int skip_track,
                         const std::function<std::string(const std::string&)>& rename) {
  if (!m_enabled) return;
  to = std::min(to, m_events.size());
  m_events.reserve(m_events.size() + (to > from ? to - from : 0) + 1);
  for (std::size_t i = from; i < to; ++i) {
    Event e = m_events[i];  // a copy: push_back below may not invalidate what we read
    const int owner = e.ph == 'X' ? m_tracks[e.track_or_chip].chip : e.track_or_chip;
    if (owner != chip || (e.ph == 'X' && e.track_or_chip == skip_track)) continue;
    e.ts += shift;
    if (e.ph == 'X') {
      e.args.layer = layer;
      e.args.replayed_from = from_layer;
      if (rename) e.name = rename(e.name);
    }
    m_events.push_back(std::move(e));
  }
  SliceArgs a;
  a.layer = layer;
  a.replayed_from = from_layer;
  slice(track(chip, "replay"), "layer " + std::to_string(layer) + " (replayed)", span_start, span_end, a);
}

SliceArgs trace_args(const Kernel& k, const KernelRecord& r) {
  SliceArgs a;
  a.layer = r.layer;
  a.bytes = r.mem_bytes + r.link_bytes;
  a.flops = r.flops;
  a.ops = r.vector_ops;
  a.shape = "m=" + std::to_string(k.m) + " k=" + std::to_string(k.k) + " n=" + std::to_string(k.n);
  if (k.groups > 1) a.shape += " groups=" + std::to_string(k.groups);
  a.bound = r.bound;
  // Plain decode traces stay as they were; a turn's slices say which phase they belong to.
  if (k.phase != Phase::Decode || k.seq_tokens > 1 || r.phase != Phase::Decode) a.phase = phase_name(r.phase);
  return a;
}

namespace {

nlohmann::json args_json(const SliceArgs& a) {
  nlohmann::json j = nlohmann::json::object();
  if (a.layer >= 0) j["layer"] = a.layer;
  if (a.bytes) j["bytes"] = *a.bytes;
  if (a.flops) j["flops"] = *a.flops;
  if (a.ops) j["ops"] = *a.ops;
  if (!a.shape.empty()) j["shape"] = a.shape;
  if (!a.bound.empty()) j["bound"] = a.bound;
  if (!a.phase.empty()) j["phase"] = a.phase;
  if (a.replayed_from >= 0) {
    j["replayed"] = true;
    j["replayed_from_layer"] = a.replayed_from;
  }
  return j;
}

}  // namespace

std::string TraceWriter::to_json() const {
  // Slot assignment (see the contract): per unit track, slices by start time, each into the
  // first slot whose last slice has ended. A slice that starts exactly where another ends
  // shares its slot; zero-length slices never conflict.
  std::vector<std::size_t> order(m_events.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Event &x = m_events[a], &y = m_events[b];
    if (x.ts != y.ts) return x.ts < y.ts;
    return x.dur > y.dur;
  });
  std::vector<std::vector<Picos>> slot_end(m_tracks.size());  // per track: end of each slot
  std::vector<int> slot_of(m_events.size(), 0);
  for (std::size_t i : order) {
    const Event& e = m_events[i];
    if (e.ph != 'X') continue;
    auto& ends = slot_end[e.track_or_chip];
    std::size_t s = 0;
    while (s < ends.size() && ends[s] > e.ts) ++s;
    if (s == ends.size()) ends.push_back(0);
    ends[s] = std::max(ends[s], e.ts + e.dur);
    slot_of[i] = static_cast<int>(s);
  }
  // Drawn track ids: a unit's slots are consecutive, in the order units were registered.
  std::vector<int> first_tid(m_tracks.size(), 0);
  int next_tid = 0;
  for (std::size_t t = 0; t < m_tracks.size(); ++t) {
    first_tid[t] = next_tid;
    next_tid += static_cast<int>(std::max<std::size_t>(1, slot_end[t].size()));
  }

  // Trace-event timestamps are microseconds; picoseconds keep full precision as fractions.
  nlohmann::json events = nlohmann::json::array();
  for (std::size_t t = 0; t < m_tracks.size(); ++t) {
    const std::size_t slots = std::max<std::size_t>(1, slot_end[t].size());
    for (std::size_t s = 0; s < slots; ++s) {
      const int tid = first_tid[t] + static_cast<int>(s);
      const std::string name = s == 0 ? m_tracks[t].name : m_tracks[t].name + " #" + std::to_string(s + 1);
      events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", m_tracks[t].chip}, {"tid", tid},
                        {"args", {{"name", name}}}});
      events.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", m_tracks[t].chip}, {"tid", tid},
                        {"args", {{"sort_index", tid}}}});
    }
  }
  std::vector<int> chips;
  for (const auto& t : m_tracks)
    if (std::find(chips.begin(), chips.end(), t.chip) == chips.end()) chips.push_back(t.chip);
  for (int c : chips)
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", c},
                      {"args", {{"name", "chip " + std::to_string(c)}}}});
  for (std::size_t i = 0; i < m_events.size(); ++i) {
    const Event& e = m_events[i];
    if (e.ph == 'X') {
      nlohmann::json ev = {{"ph", "X"}, {"name", e.name}, {"pid", m_tracks[e.track_or_chip].chip},
                           {"tid", first_tid[e.track_or_chip] + slot_of[i]}, {"ts", e.ts / 1e6},
                           {"dur", e.dur / 1e6}};
      nlohmann::json args = args_json(e.args);
      if (!args.empty()) ev["args"] = std::move(args);
      events.push_back(std::move(ev));
    } else {
      events.push_back({{"ph", "C"}, {"name", e.name}, {"pid", e.track_or_chip}, {"ts", e.ts / 1e6},
                        {"args", {{"value", e.value}}}});
    }
  }
  nlohmann::json root = {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
  return root.dump();
}

}  // namespace decodesim
