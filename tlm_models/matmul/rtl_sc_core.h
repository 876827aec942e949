// impl: rtl_sc — the SystemC-mode Verilated array in the same kernel as the tile (README.md,
// "In-kernel co-simulation").
//
// RtlScMatmulCore answers every call with the C++-mode RTL core's measured cycles (the same
// numbers `impl: rtl` gives) and hands the same stream to an in-kernel twin: a SystemC-mode
// Verilated systolic_array bound to sc_signals, clocked by a gated clock at the tile's
// frequency and driven by the one SystolicTransactor from an SC_THREAD. The twin clocks each
// stream in kernel time and must count exactly the rising edges the tile used; any difference
// stops the run (exit 3). The tile never waits for the twin: a tile's schedule is computed
// ahead of SystemC time and overlaps streams, so a blocking in-kernel clock would move the
// kernel past times the tile still issues memory requests at (README.md says why).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "matmul/matmul_core.h"

namespace sc_core {
class sc_trace_file;
}

namespace decodesim::matmul {

/// One in-kernel SystemC-mode array (the twin). Built during elaboration; its SC_THREAD
/// clocks submitted streams one after another from the kernel time they are submitted at
/// (or from when the previous one finished).
class ScArray {
 public:
  virtual ~ScArray() = default;
  /// Queues one stream; `expect` holds the marks the tile used (a run_stream answer), or
  /// just the total cycles (a run_tiles answer, when `bp` may stall results).
  virtual void submit(std::vector<TileRun> runs, const ResultBackpressure& bp, std::vector<Cycles> expect,
                      bool marks) = 0;
  /// Tiles whose last result the in-kernel array has delivered, and streams it has checked.
  virtual std::uint64_t tiles_clocked() const = 0;
  virtual std::uint64_t streams_checked() const = 0;
  /// Streams submitted and not yet clocked to their end.
  virtual std::uint64_t streams_pending() const = 0;
  /// Adds the array's pins (clock, reset, the three handshakes and their data) to `tf`.
  virtual void trace(sc_core::sc_trace_file* tf) = 0;
};

/// One SystemC-mode Verilated library that this binary links (rtl/CMakeLists.txt).
struct RtlScBuild {
  std::uint32_t size;            ///< rows == cols
  std::uint32_t weight_buffers;  ///< 1 or 2
  std::shared_ptr<ScArray> (*make)(double clock_ghz);  ///< named rtl_sc, rtl_sc_0, ... under the current module
};
const std::vector<RtlScBuild>& rtl_sc_builds();

/// "4x4, 8x8, 16x16, 32x32 with weight_buffers 2": what `impl: rtl_sc` accepts.
std::string rtl_sc_built_sizes();
bool rtl_sc_build_exists(const ArrayGeometry& g);

class RtlScMatmulCore final : public MatmulCore {
 public:
  RtlScMatmulCore(std::unique_ptr<MatmulCore> measured, std::shared_ptr<ScArray> twin);
  const ArrayGeometry& geometry() const override { return m_measured->geometry(); }
  const char* impl_name() const override { return "rtl_sc"; }
  Cycles run_tiles(const TileShape& shape, std::uint64_t count) override;
  Cycles run_tiles(const TileShape& shape, std::vector<TileData>& tiles) override;
  std::vector<Cycles> run_stream(const std::vector<TileRun>& runs) override;
  std::uint64_t tiles_clocked() const override { return m_measured->tiles_clocked(); }
  ScArray& twin() { return *m_twin; }

 private:
  std::unique_ptr<MatmulCore> m_measured;
  std::shared_ptr<ScArray> m_twin;
};

/// Deletes the twins built outside any module (see rtl_sc_models.cpp); call once the run is
/// over (system::simulate does).
void release_rtl_sc_twins();

/// The rtl_sc core for `g` at `clock_ghz`: throws config::InputError at `where` unless a
/// SystemC-mode library of our own RTL is linked for `g` (no user sources, no on-demand
/// build). Must be called during elaboration (it instantiates an sc_module).
std::unique_ptr<MatmulCore> make_rtl_sc_matmul_core(const MatmulConfig& cfg, const ArrayGeometry& g,
                                                    double clock_ghz, const std::string& where);

}  // namespace decodesim::matmul
