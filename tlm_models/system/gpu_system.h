// A GPU system: GPUs of {HBM, SM cluster} joined by NVLink for tensor-parallel all-reduces.
#pragma once

#include "system/run.h"

namespace decodesim::system {

RunResult simulate_gpu(const RunRequest& req);

}  // namespace decodesim::system
