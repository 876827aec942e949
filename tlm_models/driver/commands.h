// The CLI verbs as library functions, so the binary in apps/ stays a thin argument parser
// and tests can drive the same code. Each returns the process exit status:
// 0 success, 2 bad input, 3 simulation failure.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "matmul/validate_rtl.h"

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
  /// Re-creates the flags as an argument list (for child processes).
  std::vector<std::string> to_args() const;
};

struct RunOptions {
  std::string system;
  std::string model;
  ScenarioFlags scenario;
  std::vector<std::string> sets;
  std::string out_dir;     ///< empty: no files
  std::string trace_file;  ///< empty: no trace
  bool no_reuse = false;
  bool quiet = false;      ///< no console table
};
int cmd_run(const RunOptions& o, std::ostream& out, std::ostream& err);

/// The argument vector of a child `decodesim run` (this executable) for `o`: what compare and
/// sweep spawn, so both start points the same way a user would type them.
std::vector<std::string> run_child_argv(const RunOptions& o);

struct CompareOptions {
  std::string model;
  std::vector<std::string> systems;
  ScenarioFlags scenario;
  std::vector<std::string> sets;
  std::string out_dir;  ///< keep each system's result here (<out>/<system>/); empty: temporary
  unsigned jobs = 1;
  bool no_reuse = false;
  bool quiet = false;   ///< no progress line (the table is the output, so it is always printed)
};
int cmd_compare(const CompareOptions& o, std::ostream& out, std::ostream& err);

/// `config explain [section]`: every key with type, unit, default, allowed and description.
int cmd_config_explain(const std::string& section, bool markdown, std::ostream& out, std::ostream& err);
/// `config show --system S [--set ...]`: the resolved config as JSON.
int cmd_config_show(const std::string& system, const std::vector<std::string>& sets, std::ostream& out,
                    std::ostream& err);

/// `validate-rtl`: `sizes` is the --sizes text ("8,16"; empty = all built sizes), `tiles` the
/// --tiles text (empty = the default). Sizes, tiles and waveform paths are all checked before
/// the first tile runs. Returns 0 on a full pass, 1 on any mismatch, 2 on bad input.
int cmd_validate_rtl(matmul::ValidateOptions opts, const std::string& sizes, const std::string& tiles,
                     std::ostream& out, std::ostream& err);

}  // namespace decodesim::driver
