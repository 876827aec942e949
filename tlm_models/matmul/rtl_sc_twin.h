// The interface of impl: rtl_sc's in-kernel twin (rtl_sc_core.h). sc_array.h implements it for
// the SystemC-mode libraries linked into decodesim and for the ones built on demand and loaded
// from a shared object (rtl_build.h, ensure_rtl_sc_model), so, like rtl_sim.h, this header is
// part of the ABI between the binary and such a shared object: it includes nothing beyond
// tile.h and the standard library.
#pragma once

#include <cstdint>
#include <vector>

#include "matmul/tile.h"

namespace sc_core {
class sc_object;
class sc_trace_file;
}  // namespace sc_core

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
  /// The sc_module it is (its name and parent in the kernel's hierarchy).
  virtual sc_core::sc_object* object() = 0;
};

/// Bumped whenever ScArray, sc_array.h's constructor or the shared object's entry point
/// (rtl_build.cpp, ensure_rtl_sc_model) change; checked when a shared object is loaded.
inline constexpr int kRtlScAbi = 1;

}  // namespace decodesim::matmul
