// The run driver: one simulation of one system on one workload scenario, in this process.
// SystemC elaborates once per process, so simulate() may be called once per process.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/base/kernel_record.h"
#include "common/base/stats.h"
#include "common/energy/energy.h"
#include "system/lpu_summary.h"
#include "system/system_config.h"
#include "workload/lowering.h"

namespace decodesim::system {

/// A simulation that did not complete (deadlock, watchdog): exit status 3.
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunRequest {
  SystemConfig cfg;
  workload::ModelSpec model;
  workload::Scenario scenario;
  bool trace = false;
  /// When set, the steps to run instead of lowering `model` (`decodesim gemm`: one GEMM).
  std::vector<KernelGraph> graphs;
  /// Speculative decoding with the draft on these chips (scenario.speculative.draft_system ""):
  /// the draft model, whose k decode steps per round run in this simulation before each verify
  /// step (phase draft). Empty name: the draft runs elsewhere and only its step time is known.
  workload::ModelSpec draft;
  /// Speculative decoding: step times measured by their own plain-decode runs (0 = unknown).
  struct SpeculativeRef {
    double draft_step_s = 0;   ///< one draft-model step on the draft's system
    double decode_step_s = 0;  ///< one plain target step at the same context
  } speculative_ref;
};

struct RunResult {
  std::vector<KernelRecord> records;  ///< every kernel of every simulated chip, in execution order
  std::uint32_t chips = 1;            ///< chips in the system
  std::uint32_t simulated_chips = 1;  ///< chips actually elaborated (symmetric shards reuse chip 0)
  std::uint32_t reused_layers = 0;    ///< decoder layers replayed, summed over tokens (chip 0)
  Picos total_time = 0;               ///< end of the last token
  double peak_mem_bytes_per_s = 0;    ///< per chip
  double peak_flops = 0;              ///< per chip
  double link_bytes_per_s = 0;        ///< per link, one way
  Bytes workload_memory_bytes = 0;    ///< what the kernel graphs need, chip 0, all tokens
  Bytes memory_served_bytes = 0;      ///< what chip 0's memory model served (simulated part only)
  Picos roofline = 0;                 ///< lower bound for the whole run
  EnergyCounts energy;                ///< whole system, all tokens
  StatGroup stats{"system"};
  std::string trace_json;
  std::vector<std::string> notes;     ///< model caveats to print under the table

  // Architecture-specific additions; empty for an architecture that has none.
  std::vector<std::uint32_t> path_chips;  ///< chips a token passes through, one per stage (empty: chip 0)
  std::string bottleneck;                 ///< the run's bound when the architecture decides it (LPU)
  nlohmann::json arch_summary;            ///< extra result.json section, under the arch's name
  std::optional<LpuSummary> lpu;          ///< the LPU's figures (report/ formats them as its section)
};

/// The decode steps of `req` as one chip of `tensor_parallel` sees them: req.graphs when set,
/// else the model lowered for every token of the scenario.
std::vector<KernelGraph> token_graphs(const RunRequest& req, std::uint32_t tensor_parallel);

/// Whether req's draft steps run in this simulation (a draft model is set, speculative is on).
bool in_run_draft(const RunRequest& req);

/// The step whose kernel list the memory plan is laid out from: the first with the most
/// kernels (every step of plain decode has the same list, so the first).
const KernelGraph& plan_graph(const std::vector<KernelGraph>& steps);

/// Builds the system for req.cfg.system.arch, runs every token, and collects records.
/// Throws config::InputError (bad input, e.g. a model that does not fit) or SimulationError.
RunResult simulate(const RunRequest& req);

}  // namespace decodesim::system
