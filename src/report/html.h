// Self-contained HTML reports: one file, no network, charts drawn by an inline script from the
// data embedded in the page (html/report.js, html/report.css, compiled into the binary). Every
// page kind (run, gemm, compare, sweep, portfolio) shares that one renderer; the C++ side only
// chooses what data to embed.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace decodesim::report {

/// The page limit the timeline is shrunk to fit (the 5 MB for a 70B run on 8 chips,
/// with room for the rest of the page).
inline constexpr std::size_t kTimelineBudgetBytes = 2'500'000;

/// The timeline the run page draws, taken from the Perfetto trace JSON (same events): tracks
/// of slices per chip and counters, times in integer picoseconds. When the trace holds more
/// than fits `budget_bytes`, nearby slices on a track are merged and counters averaged over
/// time bins; `downsampled` then says so in words (shown on the page).
nlohmann::json timeline_from_trace(const std::string& trace_json, std::size_t budget_bytes = kTimelineBudgetBytes);

/// A result.json document without the parts no page shows (the stats tree).
nlohmann::json for_page(const nlohmann::json& result);

/// The page for `data` (which must hold "kind": run | gemm | compare | sweep | portfolio).
std::string html_page(const std::string& title, const nlohmann::json& data);

/// A run (or gemm) page: result.json plus the trace it was traced with (may be empty).
std::string run_html(const nlohmann::json& result, const std::string& trace_json, const std::string& kind = "run");

}  // namespace decodesim::report
