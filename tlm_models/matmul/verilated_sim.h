// One Verilated C++-mode systolic_array clocked from C++ through SystolicTransactor: the
// RtlSim behind both the linked-in models (rtl_models.cpp) and the shared objects built on
// demand (rtl_build.cpp compiles this header into each one). Only pins and the clock are
// touched, so any design that meets rtl/README.md's port contract fits.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "matmul/rtl_sim.h"
#include "matmul/systolic_transactor.h"
#include "matmul/verilated_pins.h"

#include "verilated.h"
#include "verilated_fst_c.h"

namespace decodesim::matmul {

// Waveform time per half clock period, in the model's time unit (ps): a 100 MHz clock.
inline constexpr std::uint64_t kRtlHalfPeriodPs = 5000;

template <class Model, bool Traced>
class VerilatedSim final : public RtlSim {
 public:
  VerilatedSim(std::uint32_t rows, std::uint32_t cols, const std::string& wave_path)
      : m_ctx(std::make_unique<VerilatedContext>()), m_rows(rows), m_cols(cols), m_xact(rows, cols) {
    if constexpr (Traced) m_ctx->traceEverOn(true);
    m_model = std::make_unique<Model>(m_ctx.get(), "systolic_array");
    m_pins = std::make_unique<CcPins<Model>>(*m_model, rows, cols);
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
    return clock_to_end((count * (shape.k + shape.m + 2 * span()) + 2 * span()) * (1 + bp.max_stall), nullptr);
  }

  std::vector<Cycles> run_stream(const std::vector<TileRun>& runs) override {
    m_xact.start(runs, nullptr, ResultBackpressure{});
    std::uint64_t bound = 0;
    for (const TileRun& r : runs) bound += r.count * (r.shape.k + r.shape.m + 2 * span());
    if (bound == 0) return {0};
    std::vector<Cycles> marks;
    const Cycles total = clock_to_end(bound + 2 * span(), &marks);
    marks.push_back(total);
    return marks;
  }

  std::uint64_t tiles_clocked() const override { return m_tiles_clocked; }

 private:
  std::uint64_t span() const { return m_rows + m_cols; }

  // Clocks the armed stream to its last result; `marks` (when given) collects the edge count
  // at each run's last activation. `bound` is the stream's worst honest length: a run that
  // overshoots it has lost a handshake, and an error beats a hang.
  Cycles clock_to_end(std::uint64_t bound, std::vector<Cycles>* marks) {
    const Cycles limit = bound + 64;
    Cycles cycles = 0;
    for (;;) {
      m_xact.drive(*m_pins);
      m_model->clk_i = 0;
      eval_and_dump();
      const bool done = m_xact.edge(*m_pins);
      m_model->clk_i = 1;
      eval_and_dump();
      ++cycles;
      if (marks && m_xact.run_accepted()) marks->push_back(cycles);
      if (done) {
        m_tiles_clocked += m_xact.tiles_done();
        return cycles;
      }
      if (cycles > limit)
        throw std::runtime_error("RTL systolic array stalled: no final result after " + std::to_string(cycles) +
                                 " cycles (" + m_xact.progress() + ")");
    }
  }

  void eval_and_dump() {
    m_model->eval();
    if constexpr (Traced) {
      if (m_fst) m_fst->dump(m_time);
    }
    m_time += kRtlHalfPeriodPs;
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
  std::uint32_t m_rows, m_cols;
  std::unique_ptr<Model> m_model;
  std::unique_ptr<CcPins<Model>> m_pins;
  SystolicTransactor<CcPins<Model>> m_xact;
  std::unique_ptr<VerilatedFstC> m_fst;
  std::uint64_t m_time = 0;
  std::uint64_t m_tiles_clocked = 0;
};

}  // namespace decodesim::matmul
