// RTL-backed matmul core: the Verilated rtl/systolic_array.sv behind the MatmulCore slot.
//
// The model is compiled in C++ mode and clocked from C++ inside run_tiles(): measured
// faster than SystemC pin-level co-simulation with an sc_clock (bench/matmul, README.md).
// Cycles are the rising edges counted while SystolicTransactor drives the pins; nothing
// here computes time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "matmul/matmul_core.h"
#include "matmul/rtl_build.h"
#include "matmul/rtl_sim.h"

namespace decodesim::matmul {

/// One Verilated library that this binary links (the set is fixed in rtl/CMakeLists.txt).
struct RtlBuild {
  std::uint32_t size;            ///< rows == cols
  std::uint32_t weight_buffers;  ///< 1 or 2
  bool traced;                   ///< FST tracing compiled in (needed for a waveform)
  std::unique_ptr<RtlSim> (*make)(const std::string& wave_path);
};

const std::vector<RtlBuild>& rtl_builds();

/// "4x4, 8x8, 16x16, 32x32 with weight_buffers 2; 4x4, 8x8 with weight_buffers 1" (or only
/// the traced builds): the text error messages list as "allowed".
std::string rtl_built_sizes(bool traced);

/// Whether this binary holds an (untraced) RTL library for `g`; lets config validation refuse
/// an unbuilt size with the config file's location before anything is elaborated.
bool rtl_build_exists(const ArrayGeometry& g);

struct RtlCoreOptions {
  std::string wave_path;  ///< non-empty: dump an FST waveform of every cycle to this file
  RtlDesign design;       ///< empty: our own rtl/ (linked in when prebuilt, else built on demand)
};

class RtlMatmulCore final : public MatmulCore {
 public:
  RtlMatmulCore(const ArrayGeometry& g, std::unique_ptr<RtlSim> sim);
  const ArrayGeometry& geometry() const override { return m_geometry; }
  const char* impl_name() const override { return "rtl"; }
  Cycles run_tiles(const TileShape& shape, std::uint64_t count) override;
  Cycles run_tiles(const TileShape& shape, std::vector<TileData>& tiles) override;
  std::vector<Cycles> run_stream(const std::vector<TileRun>& runs) override;
  std::uint64_t tiles_clocked() const override { return m_sim->tiles_clocked(); }
  /// Rising edges clocked so far over all runs (for cycles/s figures).
  Cycles total_cycles() const { return m_total_cycles; }

 private:
  ArrayGeometry m_geometry;
  std::unique_ptr<RtlSim> m_sim;
  Cycles m_total_cycles = 0;
};

/// The RTL core for `g`: the linked-in library when one matches (our own design, prebuilt
/// size, traced when a wave path is given), else a model built on demand (rtl_build.h) with
/// a progress line on stderr. Throws config::InputError at `where` for a size our RTL does
/// not allow, a missing tool or a design that breaks the contract.
std::unique_ptr<RtlMatmulCore> make_rtl_matmul_core(const ArrayGeometry& g, const RtlCoreOptions& opts = {},
                                                    const std::string& where = "matmul.impl");

}  // namespace decodesim::matmul
