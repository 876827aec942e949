// The one TLM <-> pin transactor of the systolic array (rtl/systolic_array.sv).
//
// It turns "run `count` tiles of this shape (with this data and this result backpressure)"
// into valid/ready beats on the three ports, and result beats back into TileData::out.
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

  /// Arms a run. `tiles` may be null for timing-only runs (all-zero data).
  void start(const TileShape& shape, std::uint64_t count, std::vector<TileData>* tiles,
             const ResultBackpressure& bp) {
    m_shape = shape;
    m_count = count;
    m_tiles = tiles;
    m_bp = bp;
    m_w_tile = m_w_row = m_a_tile = m_a_vec = m_r_tile = m_r_vec = 0;
    m_r_beat = 0;
    m_stall_left = 0;
    m_stall_armed = false;
    m_w_dirty = m_a_dirty = true;
    std::fill(m_wbuf.begin(), m_wbuf.end(), 0);
    std::fill(m_abuf.begin(), m_abuf.end(), 0);
    if (m_tiles)
      for (TileData& t : *m_tiles) t.out.assign(static_cast<std::size_t>(shape.m) * shape.n, 0);
  }

  bool done() const { return m_r_tile >= m_count; }

  /// Where the run stands, for a stall diagnosis: beats accepted on each port so far.
  std::string progress() const {
    return "accepted: weight rows " + std::to_string(m_w_tile * m_shape.k + m_w_row) + "/" +
           std::to_string(m_count * m_shape.k) + ", activations " + std::to_string(m_a_tile * m_shape.m + m_a_vec) +
           "/" + std::to_string(m_count * m_shape.m) + ", results " + std::to_string(m_r_tile * m_shape.m + m_r_vec) +
           "/" + std::to_string(m_count * m_shape.m) + " (tile " + std::to_string(m_r_tile) + ", vector " +
           std::to_string(m_r_vec) + ")";
  }

  void drive(Pins& p) {
    m_w_valid = m_w_tile < m_count;
    p.set_wload(m_w_valid, m_w_valid && m_w_row + 1 == m_shape.k);
    if (m_w_valid && m_w_dirty) {
      // Columns n..cols-1 of the row stay zero: their results are not read.
      if (m_tiles) std::memcpy(m_wbuf.data(), &(*m_tiles)[m_w_tile].weights[m_w_row * m_shape.n], m_shape.n);
      p.set_wload_data(m_wbuf.data());
      m_w_dirty = false;
    }

    m_a_valid = m_a_tile < m_count;
    p.set_act(m_a_valid, m_a_valid && m_a_vec + 1 == m_shape.m);
    if (m_a_valid && m_a_dirty) {
      // Lanes k..rows-1 must be zero: those rows still hold an older tile's weights.
      if (m_tiles) std::memcpy(m_abuf.data(), &(*m_tiles)[m_a_tile].acts[m_a_vec * m_shape.k], m_shape.k);
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

  /// Returns true when this edge accepts the run's last result beat.
  bool edge(Pins& p) {
    const bool w_fire = m_w_valid && p.wload_ready();
    const bool a_fire = m_a_valid && p.act_ready();
    const bool r_valid = p.res_valid();
    const bool r_fire = r_valid && m_r_ready;
    if (r_valid && !m_r_ready) --m_stall_left;

    if (r_fire) {
      if (m_r_tile >= m_count) throw std::logic_error("systolic array produced a result beyond the run (" + progress() + ")");
      if (p.res_last() != (m_r_vec + 1 == m_shape.m))
        throw std::logic_error("systolic array res_last_o disagrees with the tile's result count (" + progress() + ")");
      if (m_tiles) {
        std::int32_t* out = &(*m_tiles)[m_r_tile].out[m_r_vec * m_shape.n];
        for (std::uint32_t c = 0; c < m_shape.n; ++c) out[c] = p.res_word(c);
      }
      ++m_r_beat;
      m_stall_armed = false;
      if (++m_r_vec == m_shape.m) {
        m_r_vec = 0;
        ++m_r_tile;
      }
    }
    if (w_fire) {
      m_w_dirty = m_tiles != nullptr;  // timing-only data is all zero and never changes
      if (++m_w_row == m_shape.k) {
        m_w_row = 0;
        ++m_w_tile;
      }
    }
    if (a_fire) {
      m_a_dirty = m_tiles != nullptr;
      if (++m_a_vec == m_shape.m) {
        m_a_vec = 0;
        ++m_a_tile;
      }
    }
    return r_fire && done();
  }

 private:
  TileShape m_shape;
  std::uint64_t m_count = 0;
  std::vector<TileData>* m_tiles = nullptr;
  ResultBackpressure m_bp;

  std::uint64_t m_w_tile = 0, m_a_tile = 0, m_r_tile = 0, m_r_beat = 0;
  std::uint32_t m_w_row = 0, m_a_vec = 0, m_r_vec = 0;
  std::uint32_t m_stall_left = 0;
  bool m_stall_armed = false;
  bool m_w_valid = false, m_a_valid = false, m_r_ready = true;
  bool m_w_dirty = true, m_a_dirty = true;
  std::vector<std::uint8_t> m_wbuf, m_abuf;
};

}  // namespace decodesim::matmul
