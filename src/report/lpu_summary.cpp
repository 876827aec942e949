#include "report/lpu_summary.h"

#include <algorithm>
#include <cstdio>

#include "lpu/lpu_schedule.h"
#include "report/report.h"

namespace decodesim::report {
namespace {

/// Each part in seconds per token, keyed "<part>_s".
nlohmann::json parts_per_token(const TimeBreakdown& parts, double tokens) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [part, v] : parts) out[std::string(time_part_name(part)) + "_s"] = picos_to_seconds(v) / tokens;
  return out;
}

}  // namespace

nlohmann::json lpu_summary_json(const system::LpuSummary& s) {
  const double tokens = s.tokens;
  nlohmann::json js;
  js["partition"] = lpu::partition_name(s.partition);
  js["chips_per_stage"] = s.chips_per_stage;
  js["stages"] = s.stages;
  js["token_latency_s"] = s.token_latency_s;
  js["tokens_per_s_per_user"] = 1.0 / s.token_latency_s;
  js["pipelined_tokens_per_s"] = s.pipelined_tokens_per_s;
  js["users_in_flight"] = s.users_in_flight;
  js["max_stage_occupancy_s"] = s.max_stage_occupancy_s;
  js["sram_peak_bytes_per_s"] = s.sram_peak_bytes_per_s;
  js["critical_path"] = {{"per_token_s", picos_to_seconds(s.path.sum()) / tokens},
                         {"parts", parts_per_token(s.path, tokens)},
                         {"kernels", s.kernels_per_token},
                         {"stage_hops", s.stages > 1 ? s.stages : 0}};
  nlohmann::json st_json = nlohmann::json::array();
  for (std::uint32_t i = 0; i < s.stage.size(); ++i) {
    const system::LpuStageSummary& st = s.stage[i];
    const lpu::StagePlan& p = st.plan;
    st_json.push_back({{"stage", i},
                       {"chips", {p.first_chip, p.first_chip + s.chips_per_stage - 1}},
                       {"layers", {p.first_layer, p.end_layer}},
                       {"embedding", p.embedding},
                       {"head", p.head},
                       {"resident_bytes_per_chip", p.resident()},
                       {"sram_occupancy", static_cast<double>(p.resident()) / static_cast<double>(s.capacity)},
                       {"sram_bytes_per_token_per_chip", static_cast<double>(st.sram_bytes) / tokens},
                       {"sram_bw_utilisation", st.sram_bw_utilisation},
                       {"span_per_token_s", picos_to_seconds(st.span) / tokens},
                       {"path", parts_per_token(st.path, tokens)}});
  }
  js["sram_bw_utilisation_max"] = s.sram_bw_utilisation_max;
  js["stage"] = st_json;
  return js;
}

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
