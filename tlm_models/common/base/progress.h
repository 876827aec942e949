// How far the running simulation is, for the CLI's progress line (driver/progress_line.h).
// Units of work are whatever the tiles count (kernels on the TPU and GPU, stage runs on the
// LPU); only the ratio is shown. Written by the simulation thread, read by the display thread.
#pragma once

#include <cstdint>

namespace decodesim::progress {

void reset();                          ///< nothing to do, nothing done
void add_total(std::uint64_t units);   ///< a tile announces work it will do
void advance(std::uint64_t units = 1); ///< a tile finished (simulated or replayed) work

struct Snapshot {
  std::uint64_t done = 0, total = 0;
};
Snapshot read();

}  // namespace decodesim::progress
