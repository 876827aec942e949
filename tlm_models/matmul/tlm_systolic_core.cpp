#include "matmul/tlm_systolic_core.h"

#include <algorithm>
#include <limits>

namespace decodesim::matmul {

namespace {

// Tile timing in cycles relative to the first weight beat (cycle 0); README.md, "Cycle
// formula", names these S (first weight beat), F (first activation) and L (last activation).
struct TileTimes {
  std::int64_t s;       // S_T
  std::int64_t l;       // L_T
  std::int64_t l_prev;  // L_{T-1}; "never" for the first tile
};

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min() / 4;

struct Dims {
  std::int64_t rows, cols, m, k;
  bool double_buffered;
};

Dims dims_of(const ArrayGeometry& g, const TileShape& s) {
  return {g.rows, g.cols, s.m, s.k, g.weight_buffers == 2};
}

TileTimes first_tile(const Dims& d) { return {0, d.k + d.m - 1, kNever}; }


// One step of the max-plus recurrence: the RTL's three rules, nothing else. `k_prev` is the
// previous tile's k: its rows hold the load port (equal to d.k inside a run of one shape).
TileTimes next_tile(const Dims& d, const TileTimes& t, std::int64_t k_prev) {
  // A bank may be rewritten C-1 cycles after the last activation that used it entered.
  const std::int64_t bank_tile_last = d.double_buffered ? t.l_prev : t.l;
  const std::int64_t s = std::max(t.s + k_prev, bank_tile_last + d.cols - 1);
  // Activations start once the bank is full and the previous tile has streamed.
  const std::int64_t f = std::max(s + d.k, t.l + 1);
  return {s, f + d.m - 1, t.l};
}
TileTimes next_tile(const Dims& d, const TileTimes& t) { return next_tile(d, t, d.k); }

// The last result leaves R+C-1 cycles after the last activation entered; cycles are counted
// inclusively from cycle 0.
Cycles total_from_last(const Dims& d, std::int64_t l_last) {
  return static_cast<Cycles>(l_last + d.rows + d.cols);
}

// Where a stream stands after its latest tile.
struct StreamState {
  bool started = false;
  TileTimes t{};
  std::int64_t k = 0;  // the latest tile's k
};

TileTimes shifted(const TileTimes& t, std::int64_t by) { return {t.s + by, t.l + by, t.l_prev + by}; }

// Appends `count` tiles of one shape to the stream. The recurrence is max-plus linear and
// time-invariant inside a run, so once the state seen from its newest L repeats after p tiles
// (p = 1 or 2) every later tile repeats it shifted: iterate to that point, then jump. The
// transient depends on the tile dimensions and the state the run starts from, not on `count`.
void append_run(const Dims& d, std::uint64_t count, StreamState& st) {
  if (count == 0) return;
  TileTimes hist[3];  // hist[i % 3] holds the run's tile i
  hist[0] = st.started ? next_tile(d, st.t, st.k) : first_tile(d);
  st.started = true;
  st.k = d.k;
  const std::uint64_t last = count - 1;
  for (std::uint64_t i = 1; i <= last; ++i) {
    const TileTimes t = next_tile(d, hist[(i - 1) % 3]);
    hist[i % 3] = t;
    for (std::uint64_t p = 1; p <= 2 && i >= p; ++p) {
      const TileTimes& o = hist[(i - p) % 3];
      if (o.l_prev == kNever || t.s - t.l != o.s - o.l || t.l_prev - t.l != o.l_prev - o.l) continue;
      const std::int64_t delta = t.l - o.l;
      const std::uint64_t rest = last - i;
      const std::uint64_t periods = rest / p + 1;
      const std::uint64_t base = i - p + rest % p;  // in [i-p, i-1], still in hist
      st.t = shifted(hist[base % 3], static_cast<std::int64_t>(periods) * delta);
      return;
    }
  }
  st.t = hist[last % 3];
}

}  // namespace

Cycles systolic_cycles_by_recurrence(const ArrayGeometry& g, const TileShape& s, std::uint64_t count) {
  check_tile_args(g, s, nullptr);
  if (count == 0) return 0;
  const Dims d = dims_of(g, s);
  TileTimes t = first_tile(d);
  for (std::uint64_t i = 1; i < count; ++i) t = next_tile(d, t);
  return total_from_last(d, t.l);
}

Cycles systolic_cycles(const ArrayGeometry& g, const TileShape& s, std::uint64_t count) {
  check_tile_args(g, s, nullptr);
  if (count == 0) return 0;
  const Dims d = dims_of(g, s);
  if (!d.double_buffered) {
    // One bank: the next load waits for the bank to drain, so every tile after the first
    // costs k + m + C - 2 cycles.
    return static_cast<Cycles>((static_cast<std::int64_t>(count) - 1) * (d.k + d.m + d.cols - 2)) +
           total_from_last(d, d.k + d.m - 1);
  }
  // Two banks: the recurrence is max-plus linear and time-invariant, so once the state seen
  // from its newest L repeats after p tiles (p = 1 or 2, the only cycle lengths it has), every
  // later L grows by the same delta per p tiles. Iterate to that point, then jump.
  // The transient is bounded by the tile dimensions, never by `count`.
  const std::uint64_t last = count - 1;
  TileTimes hist[3] = {first_tile(d), {}, {}};  // hist[i % 3] holds tile i
  for (std::uint64_t i = 1; i <= last; ++i) {
    const TileTimes t = next_tile(d, hist[(i - 1) % 3]);
    hist[i % 3] = t;
    for (std::uint64_t p = 1; p <= 2 && i >= p + 1; ++p) {
      const TileTimes& o = hist[(i - p) % 3];
      if (t.s - t.l != o.s - o.l || t.l_prev - t.l != o.l_prev - o.l) continue;
      const std::int64_t delta = t.l - o.l;
      const std::uint64_t rest = last - i;
      const std::uint64_t periods = rest / p + 1;
      const std::uint64_t base = i - p + rest % p;  // in [i-p, i-1], still in hist
      return total_from_last(d, hist[base % 3].l + static_cast<std::int64_t>(periods) * delta);
    }
  }
  return total_from_last(d, hist[last % 3].l);
}

std::vector<Cycles> systolic_stream_cycles(const ArrayGeometry& g, const std::vector<TileRun>& runs) {
  StreamState st;
  std::vector<Cycles> marks;
  for (const TileRun& r : runs) {
    if (r.count == 0) continue;
    check_tile_args(g, r.shape, nullptr);
    append_run(dims_of(g, r.shape), r.count, st);
    marks.push_back(static_cast<Cycles>(st.t.l + 1));  // edges 0..L inclusive
  }
  marks.push_back(st.started ? total_from_last(dims_of(g, runs.front().shape), st.t.l) : 0);
  return marks;
}

std::vector<Cycles> systolic_stream_by_recurrence(const ArrayGeometry& g, const std::vector<TileRun>& runs) {
  StreamState st;
  std::vector<Cycles> marks;
  for (const TileRun& r : runs) {
    if (r.count == 0) continue;
    check_tile_args(g, r.shape, nullptr);
    const Dims d = dims_of(g, r.shape);
    for (std::uint64_t i = 0; i < r.count; ++i) {
      st.t = st.started ? next_tile(d, st.t, st.k) : first_tile(d);
      st.started = true;
      st.k = d.k;
    }
    marks.push_back(static_cast<Cycles>(st.t.l + 1));
  }
  marks.push_back(st.started ? total_from_last(dims_of(g, runs.front().shape), st.t.l) : 0);
  return marks;
}

TlmSystolicCore::TlmSystolicCore(const ArrayGeometry& g) : m_geometry(g) {}

std::vector<Cycles> TlmSystolicCore::run_stream(const std::vector<TileRun>& runs) {
  count_tiles(runs);
  return systolic_stream_cycles(m_geometry, runs);
}

Cycles TlmSystolicCore::stall_cycles(const TileShape& shape, std::uint64_t count) const {
  if (!m_backpressure.enabled()) return 0;
  Cycles extra = 0;
  const std::uint64_t beats = count * shape.m;
  for (std::uint64_t j = 0; j < beats; ++j) extra += m_backpressure.stall_cycles(j);
  return extra;
}

Cycles TlmSystolicCore::run_tiles(const TileShape& shape, std::uint64_t count) {
  count_tiles(count);
  return systolic_cycles(m_geometry, shape, count) + stall_cycles(shape, count);
}

Cycles TlmSystolicCore::run_tiles(const TileShape& shape, std::vector<TileData>& tiles) {
  check_tile_args(m_geometry, shape, &tiles);
  for (auto& t : tiles) reference_tile(shape, t);
  count_tiles(tiles.size());
  return systolic_cycles(m_geometry, shape, tiles.size()) + stall_cycles(shape, tiles.size());
}

}  // namespace decodesim::matmul
