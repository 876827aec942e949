// Pins adapter between SystolicTransactor and a C++-mode Verilated systolic_array, plus the
// byte/word packing both co-simulation styles share.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace decodesim::matmul {

// Verilated C++-mode ports are CData/SData/IData/QData up to 64 bits and VlWide<N> above;
// all store bit 0 in the lowest byte/word, as little-endian x86/ARM memory does.
template <class Port>
void put_port_bytes(Port& port, const std::uint8_t* bytes, std::size_t n) {
  if constexpr (std::is_integral_v<Port>) {
    Port v = 0;
    std::memcpy(&v, bytes, n);
    port = v;
  } else {
    std::memcpy(port.data(), bytes, n);
  }
}

template <class Port>
std::int32_t port_word(const Port& port, std::uint32_t i) {
  if constexpr (std::is_integral_v<Port>) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(port) >> (32 * i)));
  } else {
    return static_cast<std::int32_t>(port.data()[i]);
  }
}

template <class Model>
class CcPins {
 public:
  CcPins(Model& m, std::uint32_t rows, std::uint32_t cols) : m_m(m), m_rows(rows), m_cols(cols) {}
  void set_wload(bool valid, bool last) {
    m_m.wload_valid_i = valid;
    m_m.wload_last_i = last;
  }
  void set_wload_data(const std::uint8_t* b) { put_port_bytes(m_m.wload_data_i, b, m_cols); }
  bool wload_ready() const { return m_m.wload_ready_o; }
  void set_act(bool valid, bool last) {
    m_m.act_valid_i = valid;
    m_m.act_last_i = last;
  }
  void set_act_data(const std::uint8_t* b) { put_port_bytes(m_m.act_data_i, b, m_rows); }
  bool act_ready() const { return m_m.act_ready_o; }
  bool res_valid() const { return m_m.res_valid_o; }
  bool res_last() const { return m_m.res_last_o; }
  void set_res_ready(bool r) { m_m.res_ready_i = r; }
  std::int32_t res_word(std::uint32_t c) const { return port_word(m_m.res_data_o, c); }

 private:
  Model& m_m;
  std::uint32_t m_rows, m_cols;
};

}  // namespace decodesim::matmul
