// The LPU's part of the report: result.json's `lpu` section, formatted from the run's figures
// (system::LpuSummary), and the console lines under the summary (per-user latency, pipelined
// throughput, critical path, SRAM bandwidth use), formatted from that section alone.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "system/lpu_summary.h"

namespace decodesim::report {

/// The `lpu` section of result.json.
nlohmann::json lpu_summary_json(const system::LpuSummary& s);

std::vector<std::string> lpu_summary_lines(const nlohmann::json& lpu);

}  // namespace decodesim::report
