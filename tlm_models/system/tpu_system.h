// A TPU system: chips of {HBM, TPU tile} joined by ICI links for tensor-parallel collectives.
#pragma once

#include "system/run.h"

namespace decodesim::system {

RunResult simulate_tpu(const RunRequest& req);

}  // namespace decodesim::system
