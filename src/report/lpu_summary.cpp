#include "report/lpu_summary.h"

#include <algorithm>
#include <cstdio>

#include "lpu/lpu_schedule.h"
#include "report/report.h"

namespace decodesim::report {
namespace {

}  // namespace

std::vector<std::string> lpu_summary_lines(const nlohmann::json& js) {
  const double latency_s = js["token_latency_s"].get<double>();
  std::vector<std::string> out;
  out.push_back("per-user latency    " + fmt("%.2f us", latency_s * 1e6) + "/token = " + fmt("%.1f", 1.0 / latency_s) +
                " tokens/s per user   (" + std::to_string(js["stages"].get<int>()) + " stage(s) x " +
                std::to_string(js["chips_per_stage"].get<int>()) + " chip(s), partition " +
                js["partition"].get<std::string>() + ")");
  out.push_back("pipelined           " + fmt("%.1f", js["pipelined_tokens_per_s"].get<double>()) + " tokens/s with " +
                std::to_string(js["users_in_flight"].get<std::uint64_t>()) + " sequences in flight (slowest stage " +
                fmt("%.2f us", js["max_stage_occupancy_s"].get<double>() * 1e6) + ")");
  const nlohmann::json& cp = js["critical_path"];
  const double per_token = cp["per_token_s"].get<double>();
  std::string line = "critical path       " + fmt("%.2f us", per_token * 1e6) + ":";
  for (const auto& item : lpu::PathParts{}.items()) {
    const std::string name = time_part_name(item.first);
    const double v = cp["parts"][name + "_s"].get<double>();
    if (v > 0) line += " " + name + " " + fmt("%.1f%%", 100.0 * v / per_token);
  }
  out.push_back(line);
  double fullest = 0;
  for (const auto& st : js["stage"]) fullest = std::max(fullest, st["sram_occupancy"].get<double>());
  out.push_back("SRAM BW utilisation " + fmt("%.4f%%", 100 * js["sram_bw_utilisation_max"].get<double>()) +
                " per chip at most (peak " + fmt("%.1f TB/s", js["sram_peak_bytes_per_s"].get<double>() / 1e12) +
                "); fullest chip holds " + fmt("%.1f%%", 100.0 * fullest) + " of its SRAM");
  return out;
}

}  // namespace decodesim::report
