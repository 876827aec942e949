// The LPU's console lines under the summary (per-user latency, pipelined throughput, critical
// path, SRAM bandwidth use), formatted from the `lpu` section of result.json alone.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace decodesim::report {

std::vector<std::string> lpu_summary_lines(const nlohmann::json& lpu);

}  // namespace decodesim::report
