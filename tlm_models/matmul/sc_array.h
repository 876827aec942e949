// The in-kernel twin of impl: rtl_sc (rtl_sc_core.h): one SystemC-mode Verilated
// systolic_array, its pins bound to sc_signals, clocked at the tile's frequency and driven by
// the one SystolicTransactor from an SC_THREAD (through the ScPins adapter).
//
// The clock is gated: it toggles only while a stream is in flight, as an idle MXU's clock
// gate would. A free-running sc_clock would keep the kernel busy until sim.max_simulated_s
// after the model has finished (the run ends when the kernel runs out of events), at two
// events per cycle of a tile clock.
//
// Per stream the thread follows the clocking loop of systolic_transactor.h: drive the pins
// while the clock is low, wake on the rising edge (sc_signal reads still return the values
// just before it: the model's outputs update only after this evaluation phase), sample the
// handshakes, count the edge; then wait for the falling edge. Edges are counted exactly as
// the C++-mode loop (verilated_sim.h) counts them, so the marks must be identical.
#pragma once

#include <systemc>

#include <cmath>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "matmul/rtl_sc_twin.h"
#include "matmul/sc_pins.h"
#include "matmul/systolic_transactor.h"
#include "verilated.h"

namespace decodesim::matmul {

template <class Model, unsigned Size>
class ScArrayModule final : public sc_core::sc_module, public ScArray {
 public:
  /// `tally_tiles`/`tally_streams` (core_tally()'s sc_tiles and sc_streams in decodesim; null
  /// in a bench) also count what this array clocks and checks: passed in, not looked up, so a
  /// shared object built on demand needs no symbol of the binary that loads it.
  ScArrayModule(const sc_core::sc_module_name& name, double clock_ghz, std::uint64_t* tally_tiles = nullptr,
                std::uint64_t* tally_streams = nullptr)
      : sc_core::sc_module(name),
        m_dut((m_ctx.adopt(), "rtl")),
        m_pins(m_sig),
        m_xact(Size, Size),
        m_tally_tiles(tally_tiles),
        m_tally_streams(tally_streams) {
    // Picosecond resolution (system::run_netlist): the period is the tile's, rounded to 1 ps.
    // The sc_times are made when the clock first runs: the LPU builds its cores before the
    // run sets the time resolution, which no sc_time may precede.
    const double period_ps = std::max(2.0, std::round(1000.0 / clock_ghz));
    m_low_ps = std::floor(period_ps / 2);
    m_high_ps = period_ps - m_low_ps;
    m_sig.bind(m_dut, m_clk);
    // sc_spawn, not SC_THREAD: SC_THREAD in a constructor with arguments needs the deprecated
    // SC_HAS_PROCESS in SystemC 2.3.4 (the including file defines SC_INCLUDE_DYNAMIC_PROCESSES).
    sc_core::sc_spawn([this] { clock_thread(); }, "clock");
    sc_core::sc_spawn([this] { drive_thread(); }, "transactor");
  }

  void submit(std::vector<TileRun> runs, const ResultBackpressure& bp, std::vector<Cycles> expect,
              bool marks) override {
    m_jobs.push_back(Job{std::move(runs), bp, std::move(expect), marks});
    // Before the kernel starts (the LPU compiles its schedule during elaboration) the thread
    // finds the queue full when it first runs.
    if (sc_core::sc_is_running()) m_submitted.notify(sc_core::SC_ZERO_TIME);
  }
  std::uint64_t tiles_clocked() const override { return m_tiles; }
  std::uint64_t streams_checked() const override { return m_checked; }
  std::uint64_t streams_pending() const override { return m_jobs.size(); }
  void trace(sc_core::sc_trace_file* tf) override {
    const std::string p = std::string(name()) + ".";
    const std::pair<const sc_core::sc_signal<bool>*, const char*> bits[] = {
        {&m_clk, "clk_i"},           {&m_sig.rst_n, "rst_ni"},       {&m_sig.wload_valid, "wload_valid_i"},
        {&m_sig.wload_ready, "wload_ready_o"}, {&m_sig.wload_last, "wload_last_i"}, {&m_sig.act_valid, "act_valid_i"},
        {&m_sig.act_ready, "act_ready_o"}, {&m_sig.act_last, "act_last_i"},   {&m_sig.res_valid, "res_valid_o"},
        {&m_sig.res_ready, "res_ready_i"}, {&m_sig.res_last, "res_last_o"}};
    for (const auto& [signal, port] : bits) sc_core::sc_trace(tf, *signal, p + port);
    sc_core::sc_trace(tf, m_sig.wload_data, p + "wload_data_i");
    sc_core::sc_trace(tf, m_sig.act_data, p + "act_data_i");
    sc_core::sc_trace(tf, m_sig.res_data, p + "res_data_o");
  }
  sc_core::sc_object* object() override { return this; }

 private:
  struct Job {
    std::vector<TileRun> runs;
    ResultBackpressure bp;
    std::vector<Cycles> expect;
    bool marks;
  };

  // Rises `m_low` after being enabled and falls `m_high` later; checks the gate before each
  // rising edge, so a stream that ended on the previous edge gets no extra one.
  void clock_thread() {
    const sc_core::sc_time low(m_low_ps, sc_core::SC_PS), high(m_high_ps, sc_core::SC_PS);
    for (;;) {
      while (!m_clock_on) wait(m_clock_start);
      wait(low);
      if (!m_clock_on) continue;
      m_clk.write(true);
      wait(high);
      m_clk.write(false);
    }
  }

  void clock_on() {
    m_clock_on = true;
    m_clock_start.notify(sc_core::SC_ZERO_TIME);
  }

  void drive_thread() {
    // Two clocked cycles with rst_ni low, released while the clock is low: the same reset
    // state the C++-mode model gets from its asynchronous 1 -> 0 -> 1 pulse.
    m_sig.rst_n.write(false);
    clock_on();
    wait(m_clk.posedge_event());
    wait(m_clk.posedge_event());
    m_clock_on = false;
    wait(m_clk.negedge_event());
    m_sig.rst_n.write(true);
    for (;;) {
      while (m_jobs.empty()) wait(m_submitted);
      const Job job = std::move(m_jobs.front());
      m_jobs.pop_front();
      clock(job);
    }
  }

  void clock(const Job& job) {
    m_xact.start(job.runs, nullptr, job.bp);
    std::uint64_t bound = 0;
    for (const TileRun& r : job.runs) bound += r.count * (r.shape.k + r.shape.m + 2 * 2 * Size);
    bound = (bound + 2 * 2 * Size) * (1 + job.bp.max_stall) + 64;
    std::vector<Cycles> got;
    Cycles cycles = 0;
    clock_on();
    for (;;) {
      m_xact.drive(m_pins);
      wait(m_clk.posedge_event());
      ++cycles;
      const bool done = m_xact.edge(m_pins);
      if (job.marks && m_xact.run_accepted()) got.push_back(cycles);
      if (done) break;
      if (cycles > bound)
        throw std::runtime_error(std::string(name()) + " (impl rtl_sc): the in-kernel RTL stalled after " +
                                 std::to_string(cycles) + " cycles (" + m_xact.progress() + ")");
      wait(m_clk.negedge_event());
    }
    m_clock_on = false;
    m_tiles += m_xact.tiles_done();
    wait(m_clk.negedge_event());
    got.push_back(cycles);
    if (got != job.expect)
      throw std::runtime_error(std::string(name()) + " (impl rtl_sc): the in-kernel SystemC RTL counted " +
                               describe(got) + " where the tile used " + describe(job.expect) + " (stream of " +
                               describe(job.runs) + ")");
    ++m_checked;
    if (m_tally_tiles) *m_tally_tiles += m_xact.tiles_done();
    if (m_tally_streams) ++*m_tally_streams;
  }

  static std::string describe(const std::vector<Cycles>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "] cycles";
  }
  static std::string describe(const std::vector<TileRun>& runs) {
    std::string s;
    for (const TileRun& r : runs)
      s += (s.empty() ? "" : ", ") + std::to_string(r.count) + " x m" + std::to_string(r.shape.m) + " k" +
           std::to_string(r.shape.k) + " n" + std::to_string(r.shape.n);
    return s;
  }

  // A SystemC-mode model binds the thread's VerilatedContext when it is constructed; the
  // C++-mode cores own theirs and delete them with the core, which can leave the thread's
  // pointer dangling. So each twin owns one and makes it the thread's before its model.
  struct OwnContext {
    std::unique_ptr<VerilatedContext> ctx = std::make_unique<VerilatedContext>();
    void adopt() { Verilated::threadContextp(ctx.get()); }
  };
  OwnContext m_ctx;
  sc_core::sc_signal<bool> m_clk{"clk"};
  ScSystolicSignals<Size, Size> m_sig;
  Model m_dut;
  ScPins<Size, Size> m_pins;
  SystolicTransactor<ScPins<Size, Size>> m_xact;
  double m_low_ps = 1, m_high_ps = 1;
  bool m_clock_on = false;
  sc_core::sc_event m_clock_start{"clock_start"}, m_submitted{"submitted"};
  std::deque<Job> m_jobs;
  std::uint64_t m_tiles = 0, m_checked = 0;
  std::uint64_t* m_tally_tiles;
  std::uint64_t* m_tally_streams;
};

}  // namespace decodesim::matmul
