// The Verilated libraries this binary links, each clocked from C++ through the one
// SystolicTransactor. The list mirrors rtl/CMakeLists.txt.
#include <memory>
#include <stdexcept>
#include <string>

#include "matmul/rtl_matmul_core.h"
#include "matmul/systolic_transactor.h"
#include "matmul/verilated_pins.h"

#include "verilated.h"
#include "verilated_fst_c.h"

#include "Vrtl_systolic_16x16.h"
#include "Vrtl_systolic_32x32.h"
#include "Vrtl_systolic_4x4.h"
#include "Vrtl_systolic_4x4_fst.h"
#include "Vrtl_systolic_4x4_wb1.h"
#include "Vrtl_systolic_8x8.h"
#include "Vrtl_systolic_8x8_fst.h"
#include "Vrtl_systolic_8x8_wb1.h"

namespace decodesim::matmul {
namespace {

// Waveform time per half clock period, in the model's time unit (ps): a 100 MHz clock.
constexpr std::uint64_t kHalfPeriod = 5000;

template <class Model, std::uint32_t Size, bool Traced>
class VerilatedSim final : public RtlSim {
 public:
  explicit VerilatedSim(const std::string& wave_path)
      : m_ctx(std::make_unique<VerilatedContext>()),
        m_pins(nullptr),
        m_xact(Size, Size) {
    if constexpr (Traced) m_ctx->traceEverOn(true);
    m_model = std::make_unique<Model>(m_ctx.get(), "systolic_array");
    m_pins = std::make_unique<CcPins<Model>>(*m_model, Size, Size);
    if constexpr (Traced) {
      if (!wave_path.empty()) {
        m_fst = std::make_unique<VerilatedFstC>();
        m_model->trace(m_fst.get(), 99);
        m_fst->open(wave_path.c_str());
        if (!m_fst->isOpen()) throw std::runtime_error("cannot open waveform file " + wave_path);
      }
    }
    reset();
  }

  ~VerilatedSim() override {
    if constexpr (Traced) {
      if (m_fst) m_fst->close();
    }
    m_model->final();
  }

  Cycles run(const TileShape& shape, std::uint64_t count, std::vector<TileData>* tiles,
             const ResultBackpressure& bp) override {
    m_xact.start(shape, count, tiles, bp);
    // A run that overshoots this has lost a handshake; better an error than a hang.
    const Cycles limit = (count * (shape.k + shape.m + 2 * Size) + 2 * Size) * (1 + bp.max_stall) + 64;
    Cycles cycles = 0;
    for (;;) {
      m_xact.drive(*m_pins);
      m_model->clk_i = 0;
      eval_and_dump();
      const bool done = m_xact.edge(*m_pins);
      m_model->clk_i = 1;
      eval_and_dump();
      ++cycles;
      if (done) return cycles;
      if (cycles > limit)
        throw std::runtime_error("RTL systolic array stalled: no final result after " + std::to_string(cycles) +
                                 " cycles");
    }
  }

 private:
  void eval_and_dump() {
    m_model->eval();
    if constexpr (Traced) {
      if (m_fst) m_fst->dump(m_time);
    }
    m_time += kHalfPeriod;
  }

  // Asynchronous active-low reset: drive a 1 -> 0 -> 1 edge with the clock low.
  void reset() {
    m_model->clk_i = 0;
    m_model->rst_ni = 1;
    eval_and_dump();
    m_model->rst_ni = 0;
    eval_and_dump();
    m_model->rst_ni = 1;
    eval_and_dump();
  }

  std::unique_ptr<VerilatedContext> m_ctx;
  std::unique_ptr<Model> m_model;
  std::unique_ptr<CcPins<Model>> m_pins;
  SystolicTransactor<CcPins<Model>> m_xact;
  std::unique_ptr<VerilatedFstC> m_fst;
  std::uint64_t m_time = 0;
};

template <class Model, std::uint32_t Size, bool Traced>
std::unique_ptr<RtlSim> make_sim(const std::string& wave_path) {
  return std::make_unique<VerilatedSim<Model, Size, Traced>>(wave_path);
}

}  // namespace

const std::vector<RtlBuild>& rtl_builds() {
  static const std::vector<RtlBuild> builds = {
      {4, 2, false, &make_sim<Vrtl_systolic_4x4, 4, false>},
      {8, 2, false, &make_sim<Vrtl_systolic_8x8, 8, false>},
      {16, 2, false, &make_sim<Vrtl_systolic_16x16, 16, false>},
      {32, 2, false, &make_sim<Vrtl_systolic_32x32, 32, false>},
      {4, 1, false, &make_sim<Vrtl_systolic_4x4_wb1, 4, false>},
      {8, 1, false, &make_sim<Vrtl_systolic_8x8_wb1, 8, false>},
      {4, 2, true, &make_sim<Vrtl_systolic_4x4_fst, 4, true>},
      {8, 2, true, &make_sim<Vrtl_systolic_8x8_fst, 8, true>},
  };
  return builds;
}

}  // namespace decodesim::matmul
