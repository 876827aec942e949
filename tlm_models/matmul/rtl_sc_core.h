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
#include "matmul/rtl_sc_twin.h"

namespace decodesim::matmul {

/// One SystemC-mode Verilated library that this binary links (rtl/CMakeLists.txt).
struct RtlScBuild {
  std::uint32_t size;            ///< rows == cols
  std::uint32_t weight_buffers;  ///< 1 or 2
  std::shared_ptr<ScArray> (*make)(double clock_ghz);  ///< named rtl_sc, rtl_sc_0, ... under the current module
};
const std::vector<RtlScBuild>& rtl_sc_builds();

/// "4x4, 8x8, 16x16, 32x32 with weight_buffers 2": the sizes `impl: rtl_sc` loads at once.
std::string rtl_sc_built_sizes();
bool rtl_sc_build_exists(const ArrayGeometry& g);

/// A twin built on demand: loads `so_path` (made by ensure_rtl_sc_model for `g`) and makes its
/// array under the current module, as RtlScBuild::make does. Throws std::runtime_error when the
/// shared object cannot be loaded or was built for another decodesim.
std::shared_ptr<ScArray> load_rtl_sc_twin(const std::string& so_path, const ArrayGeometry& g, double clock_ghz);

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

/// Deletes the twins built outside any module (see rtl_sc_models.cpp) and closes the wave of
/// set_rtl_sc_wave; call once the run is over (system::simulate does).
void release_rtl_sc_twins();

/// `decodesim run --rtl-wave`: every in-kernel array built from now on adds its pins
/// (ScArray::trace, under its module's name) to one VCD in kernel time, `<stem>.vcd` (SystemC
/// appends the extension), opened with the first array and closed by release_rtl_sc_twins().
/// Empty: off (the default). Must be set during elaboration, before the arrays are built.
void set_rtl_sc_wave(const std::string& stem);

/// The rtl_sc core for `g` at `clock_ghz`: our own RTL (no user sources) at a square size, from
/// the SystemC-mode library linked in for `g` or else Verilated with --sc on first use into the
/// per-user cache (rtl_build.h). Throws config::InputError at `where` for another geometry or
/// a missing tool. Must be called during elaboration (it instantiates an sc_module).
std::unique_ptr<MatmulCore> make_rtl_sc_matmul_core(const MatmulConfig& cfg, const ArrayGeometry& g,
                                                    double clock_ghz, const std::string& where);

}  // namespace decodesim::matmul
