// Pins adapter between SystolicTransactor and a SystemC-mode (--sc) Verilated
// systolic_array bound to sc_signals: the pin-level co-simulation style. Used by the
// in-kernel twin of impl: rtl_sc (sc_array.h) and by bench/matmul.
#pragma once

#include <systemc>

#include <cstdint>
#include <cstring>

namespace decodesim::matmul {

/// The signals of one array, ready to bind to the Verilated module's ports. Data ports of
/// the built sizes are wider than 64 bits, so Verilator types them sc_bv<N>.
template <unsigned Rows, unsigned Cols>
struct ScSystolicSignals {
  sc_core::sc_signal<bool> rst_n{"rst_n"};
  sc_core::sc_signal<bool> wload_valid{"wload_valid"}, wload_ready{"wload_ready"}, wload_last{"wload_last"};
  sc_core::sc_signal<sc_dt::sc_bv<Cols * 8>> wload_data{"wload_data"};
  sc_core::sc_signal<bool> act_valid{"act_valid"}, act_ready{"act_ready"}, act_last{"act_last"};
  sc_core::sc_signal<sc_dt::sc_bv<Rows * 8>> act_data{"act_data"};
  sc_core::sc_signal<bool> res_valid{"res_valid"}, res_ready{"res_ready"}, res_last{"res_last"};
  sc_core::sc_signal<sc_dt::sc_bv<Cols * 32>> res_data{"res_data"};

  /// `Clock`: an sc_clock (bench/matmul) or the gated clock signal of sc_array.h.
  template <class Model, class Clock>
  void bind(Model& m, Clock& clk) {
    m.clk_i(clk);
    m.rst_ni(rst_n);
    m.wload_valid_i(wload_valid);
    m.wload_ready_o(wload_ready);
    m.wload_data_i(wload_data);
    m.wload_last_i(wload_last);
    m.act_valid_i(act_valid);
    m.act_ready_o(act_ready);
    m.act_data_i(act_data);
    m.act_last_i(act_last);
    m.res_valid_o(res_valid);
    m.res_ready_i(res_ready);
    m.res_data_o(res_data);
    m.res_last_o(res_last);
  }
};

template <unsigned Rows, unsigned Cols>
class ScPins {
 public:
  explicit ScPins(ScSystolicSignals<Rows, Cols>& s) : m_s(s) {}
  void set_wload(bool valid, bool last) {
    m_s.wload_valid.write(valid);
    m_s.wload_last.write(last);
  }
  void set_wload_data(const std::uint8_t* b) { m_s.wload_data.write(pack<Cols * 8>(b)); }
  bool wload_ready() const { return m_s.wload_ready.read(); }
  void set_act(bool valid, bool last) {
    m_s.act_valid.write(valid);
    m_s.act_last.write(last);
  }
  void set_act_data(const std::uint8_t* b) { m_s.act_data.write(pack<Rows * 8>(b)); }
  bool act_ready() const { return m_s.act_ready.read(); }
  bool res_valid() const { return m_s.res_valid.read(); }
  bool res_last() const { return m_s.res_last.read(); }
  void set_res_ready(bool r) { m_s.res_ready.write(r); }
  std::int32_t res_word(std::uint32_t c) const {
    return static_cast<std::int32_t>(m_s.res_data.read().get_word(static_cast<int>(c)));
  }

 private:
  // Little-endian bytes into 32-bit words; the last word is partial when Bits is not a
  // multiple of 32 (an array whose side is not a multiple of 4), and reads only its bytes.
  template <unsigned Bits>
  static sc_dt::sc_bv<Bits> pack(const std::uint8_t* b) {
    sc_dt::sc_bv<Bits> v;
    constexpr unsigned kBytes = Bits / 8;
    for (unsigned w = 0; 4 * w < kBytes; ++w) {
      std::uint32_t word = 0;
      std::memcpy(&word, b + 4 * w, kBytes - 4 * w < 4 ? kBytes - 4 * w : 4);
      v.set_word(static_cast<int>(w), word);
    }
    return v;
  }

  ScSystolicSignals<Rows, Cols>& m_s;
};

}  // namespace decodesim::matmul
