// The one TLM <-> pin transactor of the systolic array (rtl/systolic_array.sv).
//
// It turns "run these tiles (runs of one shape each, back to back, with this data and this
// result backpressure)" into valid/ready beats on the three ports, and result beats back into
// TileData::out.
// It never computes time: whoever clocks the model counts the rising edges.
//
// The clocking loop calls, once per clock cycle:
//   drive(pins)  after the previous rising edge has settled: present the next beats and
//                decide res_ready (the consumer may look at res_valid, the producer's
//                valid never looks at ready);
//   edge(pins)   after the combinational logic has settled, just before the rising edge:
//                sample the three handshakes and advance exactly as the edge will.
// The same transactor serves the C++-mode model (clocked from C++) and the SystemC
// pin-level model (clocked by an sc_clock); only the Pins adapter differs.
//
// A Pins adapter provides:
//   void set_wload(bool valid, bool last);   void set_wload_data(const std::uint8_t* bytes);
//   bool wload_ready();
//   void set_act(bool valid, bool last);     void set_act_data(const std::uint8_t* bytes);
//   bool act_ready();
//   bool res_valid();  bool res_last();  void set_res_ready(bool);
//   std::int32_t res_word(std::uint32_t col);
// where weight rows are `cols` bytes and activation vectors `rows` bytes, lane 0 first.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "matmul/tile.h"

namespace decodesim::matmul {

template <class Pins>
class SystolicTransactor {
 public:
  SystolicTransactor(std::uint32_t rows, std::uint32_t cols) : m_wbuf(cols, 0), m_abuf(rows, 0) {}

  /// Arms a run of `count` tiles of one shape. `tiles` may be null for timing-only runs
  /// (all-zero data).
  void start(const TileShape& shape, std::uint64_t count, std::vector<TileData>* tiles,
             const ResultBackpressure& bp) {
    start(std::vector<TileRun>{TileRun{shape, count}}, tiles, bp);
  }

  /// Arms one stream of several runs back to back (tiles of run r+1 follow run r's on every
  /// port, with no gap the array does not ask for). `tiles`, when given, holds one TileData
  /// per tile in stream order.
  void start(std::vector<TileRun> runs, std::vector<TileData>* tiles, const ResultBackpressure& bp) {
    m_runs.clear();
    for (const TileRun& r : runs)
      if (r.count > 0) m_runs.push_back(r);
    m_tiles = tiles;
    m_bp = bp;
    m_w = m_a = m_r = Cursor{};
    m_r_beat = 0;
    m_stall_left = 0;
    m_stall_armed = false;
    m_run_accepted = false;
    m_w_dirty = m_a_dirty = true;
    std::fill(m_wbuf.begin(), m_wbuf.end(), 0);
    std::fill(m_abuf.begin(), m_abuf.end(), 0);
    if (m_tiles) {
      std::uint64_t i = 0;
      for (const TileRun& r : m_runs)
        for (std::uint64_t t = 0; t < r.count; ++t, ++i) (*m_tiles)[i].out.assign(std::size_t{r.shape.m} * r.shape.n, 0);
    }
  }

  bool done() const { return m_r.run >= m_runs.size(); }
  /// Whether the last edge() accepted the last activation of a run (the stream's mark for that run).
  bool run_accepted() const { return m_run_accepted; }
  /// Tiles whose last result has been accepted in this stream.
  std::uint64_t tiles_done() const { return m_r.index; }

  /// Where the run stands, for a stall diagnosis: beats accepted on each port so far.
  std::string progress() const {
    std::uint64_t w_total = 0, a_total = 0, w_done = 0, a_done = 0, r_done = 0;
    for (std::size_t i = 0; i < m_runs.size(); ++i) {
      const TileRun& r = m_runs[i];
      w_total += r.count * r.shape.k;
      a_total += r.count * r.shape.m;
      w_done += beats_before(m_w, i, r.shape.k);
      a_done += beats_before(m_a, i, r.shape.m);
      r_done += beats_before(m_r, i, r.shape.m);
    }
    return "accepted: weight rows " + std::to_string(w_done) + "/" + std::to_string(w_total) + ", activations " +
           std::to_string(a_done) + "/" + std::to_string(a_total) + ", results " + std::to_string(r_done) + "/" +
           std::to_string(a_total) + " (tile " + std::to_string(m_r.index) + ", vector " + std::to_string(m_r.beat) +
           ")";
  }

  void drive(Pins& p) {
    m_w_valid = m_w.run < m_runs.size();
    const TileShape* ws = m_w_valid ? &m_runs[m_w.run].shape : nullptr;
    p.set_wload(m_w_valid, m_w_valid && m_w.beat + 1 == ws->k);
    if (m_w_valid && m_w_dirty) {
      // Columns n..cols-1 of the row stay zero: their results are not read.
      if (m_tiles) std::memcpy(m_wbuf.data(), &(*m_tiles)[m_w.index].weights[m_w.beat * ws->n], ws->n);
      p.set_wload_data(m_wbuf.data());
      m_w_dirty = false;
    }

    m_a_valid = m_a.run < m_runs.size();
    const TileShape* as = m_a_valid ? &m_runs[m_a.run].shape : nullptr;
    p.set_act(m_a_valid, m_a_valid && m_a.beat + 1 == as->m);
    if (m_a_valid && m_a_dirty) {
      // Lanes k..rows-1 must be zero: those rows still hold an older tile's weights.
      if (m_tiles) {
        std::fill(m_abuf.begin(), m_abuf.end(), 0);
        std::memcpy(m_abuf.data(), &(*m_tiles)[m_a.index].acts[m_a.beat * as->k], as->k);
      }
      p.set_act_data(m_abuf.data());
      m_a_dirty = false;
    }

    m_r_ready = true;
    if (p.res_valid()) {
      if (!m_stall_armed) {
        m_stall_left = m_bp.stall_cycles(m_r_beat);
        m_stall_armed = true;
      }
      m_r_ready = m_stall_left == 0;
    }
    p.set_res_ready(m_r_ready);
  }

  /// Returns true when this edge accepts the stream's last result beat.
  bool edge(Pins& p) {
    const bool w_fire = m_w_valid && p.wload_ready();
    const bool a_fire = m_a_valid && p.act_ready();
    const bool r_valid = p.res_valid();
    const bool r_fire = r_valid && m_r_ready;
    if (r_valid && !m_r_ready) --m_stall_left;
    m_run_accepted = false;

    if (r_fire) {
      if (done()) throw std::logic_error("systolic array produced a result beyond the run (" + progress() + ")");
      const TileShape& rs = m_runs[m_r.run].shape;
      if (p.res_last() != (m_r.beat + 1 == rs.m))
        throw std::logic_error("systolic array res_last_o disagrees with the tile's result count (" + progress() + ")");
      if (m_tiles) {
        std::int32_t* out = &(*m_tiles)[m_r.index].out[m_r.beat * rs.n];
        for (std::uint32_t c = 0; c < rs.n; ++c) out[c] = p.res_word(c);
      }
      ++m_r_beat;
      m_stall_armed = false;
      advance(m_r, rs.m);
    }
    if (w_fire) {
      m_w_dirty = m_tiles != nullptr;  // timing-only data is all zero and never changes
      advance(m_w, m_runs[m_w.run].shape.k);
    }
    if (a_fire) {
      m_a_dirty = m_tiles != nullptr;
      const std::size_t run = m_a.run;
      advance(m_a, m_runs[run].shape.m);
      m_run_accepted = m_a.run != run;
    }
    return r_fire && done();
  }

 private:
  // One port's position: beat `beat` of tile `tile` of run `run` (tile `index` of the stream).
  struct Cursor {
    std::size_t run = 0;
    std::uint64_t tile = 0, index = 0;
    std::uint32_t beat = 0;
  };
  void advance(Cursor& c, std::uint32_t beats_per_tile) const {
    if (++c.beat < beats_per_tile) return;
    c.beat = 0;
    ++c.index;
    if (++c.tile < m_runs[c.run].count) return;
    c.tile = 0;
    ++c.run;
  }
  std::uint64_t beats_before(const Cursor& c, std::size_t run, std::uint32_t beats_per_tile) const {
    if (c.run > run) return m_runs[run].count * beats_per_tile;
    if (c.run < run) return 0;
    return c.tile * beats_per_tile + c.beat;
  }

  std::vector<TileRun> m_runs;
  std::vector<TileData>* m_tiles = nullptr;
  ResultBackpressure m_bp;

  Cursor m_w, m_a, m_r;
  std::uint64_t m_r_beat = 0;
  std::uint32_t m_stall_left = 0;
  bool m_stall_armed = false, m_run_accepted = false;
  bool m_w_valid = false, m_a_valid = false, m_r_ready = true;
  bool m_w_dirty = true, m_a_dirty = true;
  std::vector<std::uint8_t> m_wbuf, m_abuf;
};

}  // namespace decodesim::matmul
