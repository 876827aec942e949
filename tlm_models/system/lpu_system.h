// An LPU system: chips of {MEM slices, MXM, VXM, SXM} in pipeline stages joined by C2C links,
// running a compiler-fixed static schedule.
#pragma once

#include "system/run.h"

namespace decodesim::system {

RunResult simulate_lpu(const RunRequest& req);

}  // namespace decodesim::system
