// The CLI verbs as library functions, so the binary in apps/ stays a thin argument parser
// and tests can drive the same code. Each returns the process exit status:
// 0 success, 2 bad input, 3 simulation failure.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <functional>

#include "driver/progress.h"
#include "driver/spawn.h"
#include "matmul/validate_rtl.h"
#include "report/report.h"
#include "system/run.h"
#include "workload/scenario.h"

namespace decodesim::driver {

inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitSimFailure = 3;

/// Most child processes `compare` and `sweep` run at once (-j): each is a thread and a process.
inline constexpr unsigned kMaxJobs = 256;

/// Runs one verb under the exit-code contract, whatever it throws: bad input or an unusable
/// path (InputError, std::filesystem errors) is 2, anything else (a simulation failure, an
/// I/O error, memory exhausted) is 3; the message goes to `err` as one line. Nothing escapes
/// to SystemC, which would print an (E549) report and exit 1.
int guarded(std::ostream& err, const std::function<int()>& verb);

/// Where shipped configs/ and workloads/ live: $DECODESIM_HOME, else the source tree this
/// binary was built from.
struct Paths {
  std::string configs_dir;
  std::string workloads_dir;
  static Paths from_env();
};

/// Scenario flags exactly as typed, so errors can point at the flag.
struct ScenarioFlags {
  std::optional<std::string> batch, context, tokens, weight_dtype, act_dtype, kv_dtype, seed;
  std::optional<std::string> turn, prompt_tokens, cached_tokens, output_tokens;  ///< agent turn (docs/turns.md)
  /// Re-creates the flags as an argument list (for child processes).
  std::vector<std::string> to_args() const;
};

/// The scenario the flags describe (unset flags take the schema's defaults), each value's
/// error located at its flag. Throws config::InputError.
workload::Scenario scenario_from_flags(const ScenarioFlags& f, std::uint64_t seed);

struct RunOptions {
  std::string system;
  std::string model;
  ScenarioFlags scenario;
  std::vector<std::string> sets;
  std::string out_dir;     ///< empty: no files
  std::string trace_file;  ///< empty: no trace
  std::string html_file;   ///< empty: no HTML report
  std::string rtl_wave_file;  ///< empty: no VCD of the in-kernel RTL arrays (impl rtl_sc)
  bool no_reuse = false;
  bool quiet = false;      ///< no console table
};
int cmd_run(const RunOptions& o, std::ostream& out, std::ostream& err);

/// The files one simulation writes, and whether it prints its console block.
struct RunOutputs {
  std::string out_dir, trace_file, html_file;
  bool quiet = false;
  std::vector<std::string> inputs;  ///< files the run reads, which no output may overwrite
};
using ConsoleFn = std::function<void(std::ostream&, const system::RunRequest&, const system::RunResult&,
                                     const report::Summary&)>;
/// What `run` and `gemm` share: builds the request (`build` may throw config::InputError),
/// checks the output paths, simulates, prints with `console`, and writes result.json (with
/// `extra`'s keys added), kernels.csv, the trace and the HTML page of `kind` ("run", "gemm").
int simulate_and_report(const std::function<system::RunRequest()>& build, const RunOutputs& o, const std::string& kind,
                        const ConsoleFn& console, const nlohmann::json& extra, std::ostream& out, std::ostream& err);

/// The argument vector of a child `decodesim run` (this executable) for `o`: what compare and
/// sweep spawn, so both start points the same way a user would type them.
std::vector<std::string> run_child_argv(const RunOptions& o);

/// Runs every `runs[i]` as a child `decodesim run`, `jobs` at a time, reporting each finished
/// child (failed: non-zero exit) to `progress` when given. compare and portfolio share it.
std::vector<ChildResult> run_children(const std::vector<RunOptions>& runs, unsigned jobs, Progress* progress);

struct CompareOptions {
  std::string model;
  std::vector<std::string> systems;
  ScenarioFlags scenario;
  std::vector<std::string> sets;
  std::string out_dir;  ///< keep each system's result here (<out>/<system>/); empty: temporary
  std::string html_file;  ///< empty: no HTML report
  unsigned jobs = 1;
  bool no_reuse = false;
  bool quiet = false;   ///< no progress line (the table is the output, so it is always printed)
};
int cmd_compare(const CompareOptions& o, std::ostream& out, std::ostream& err);

/// An output file given by `flag` must be writable where it is: its folder exists and the path
/// is not a folder. Throws config::InputError (exit 2) before any simulation runs.
void check_output_file(const std::string& flag, const std::string& path);

/// `model import config.json [-o out.yaml] [--name N]`: the workload YAML of a Hugging Face
/// config (workload/hf_import.h) on `out`, or written to `out_file` (whole or not at all); the
/// name defaults to out_file's stem, else the config's folder name.
int cmd_model_import(const std::string& json_path, const std::string& out_file, const std::string& name,
                     std::ostream& out, std::ostream& err);

/// `config explain [section]`: every key with type, unit, default, allowed and description.
int cmd_config_explain(const std::string& section, bool markdown, std::ostream& out, std::ostream& err);
/// `config show --system S [--set ...]`: the resolved config as JSON.
int cmd_config_show(const std::string& system, const std::vector<std::string>& sets, std::ostream& out,
                    std::ostream& err);

/// `validate-rtl`: `sizes` is the --sizes text ("8,16"; empty = 4,8,16,32), `tiles` the
/// --tiles text (empty = the default), `rtl_files`/`params` the --rtl files and --param
/// NAME=INT overrides of a user design. Sizes, tiles, waveform paths and the design's port
/// contract are all checked before the first tile runs. Returns 0 on a full pass, 1 on any
/// mismatch, 2 on bad input (or a missing verilator/compiler), 3 when a model fails to build.
int cmd_validate_rtl(matmul::ValidateOptions opts, const std::string& sizes, const std::string& tiles,
                     const std::vector<std::string>& rtl_files, const std::vector<std::string>& params,
                     std::ostream& out, std::ostream& err);

}  // namespace decodesim::driver
