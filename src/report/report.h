// Report writers. They turn a RunResult into what users read: the console table,
// result.json (schema decodesim.result/1), kernels.csv and the trace. Formatting lives here
// and nowhere else; models only produce records and stats.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "system/run.h"

namespace decodesim::report {

inline constexpr const char* kResultSchema = "decodesim.result/1";

/// Headline numbers of a run (all derived from records; nothing typed in).
struct Summary {
  double token_latency_s = 0;       ///< simulated time per decode step
  double tokens_per_s = 0;          ///< generated tokens per second, all sequences
  double tokens_per_s_per_user = 0; ///< 1 / token latency
  double roofline_latency_s = 0;    ///< physical lower bound per step
  double roofline_ratio = 0;        ///< token latency / roofline
  double energy_per_token_j = 0;    ///< per generated token
  double hbm_bytes = 0;             ///< main-memory bytes, all chips, all tokens
  double hbm_bytes_per_token_per_chip = 0;
  double achieved_hbm_bw_bytes_per_s = 0;  ///< per chip
  double peak_hbm_bw_bytes_per_s = 0;      ///< per chip
  double flops = 0;                 ///< all chips, all tokens
  std::string bottleneck;           ///< the bound holding the largest share of time
  EnergyBreakdown energy;           ///< whole run
};

/// One console row: every record of one layer type on the token's path, summed over tokens.
struct LayerRow {
  std::string op;
  std::size_t count = 0;
  double time = 0, bytes = 0, flops = 0, roofline = 0;  ///< seconds, bytes, FLOPs: all tokens
  std::map<std::string, double> bound_time;              ///< seconds per bound
  std::map<TimePart, double> parts;                      ///< seconds per breakdown part (summed over records)
  std::string bound;                                     ///< the bound holding the most time
  std::string stalls;                                    ///< "where the MXU time went", as printed
};

/// The per-layer-type rows the console prints and result.json's `layer_types` holds.
std::vector<LayerRow> layer_rows(const system::RunResult& res);

Summary summarize(const system::RunRequest& req, const system::RunResult& res);

/// The console table: per layer type, then the summary block.
void print_console(std::ostream& os, const system::RunRequest& req, const system::RunResult& res,
                   const Summary& s);

/// The console block of `decodesim gemm`: the run's one GEMM record against its roofline.
void print_gemm(std::ostream& os, const system::RunRequest& req, const system::RunResult& res, const Summary& s);

nlohmann::json result_json(const system::RunRequest& req, const system::RunResult& res, const Summary& s);
std::string kernels_csv(const system::RunResult& res);

/// `v` through a printf format holding one double conversion ("%.2f"): the console and
/// summary lines' fixed-precision figures.
std::string fmt(const char* format, double v);

/// `value` in `unit` with an SI prefix (p, n, u, m, -, k, M, G, T) that keeps four significant
/// digits visible: 0.000012 J is "12.00 uJ", never "0.000 J".
std::string si(double value, const char* unit);

/// Writes `text` to `path` atomically: a temporary file in the same folder, flushed, then
/// renamed over the target, so a reader never sees a partial file. With `durable`, the file
/// and then its folder are fsync'ed, so the new content also survives a power cut (sweep
/// ledgers need that; per-run outputs do not pay for it).
void write_file_atomic(const std::string& path, const std::string& text, bool durable = false);

/// The project version and commit every result embeds.
std::string version_string();

}  // namespace decodesim::report
