// A sweep spec (configs/sweeps/*.yaml) and the plan it expands to: every point, already
// validated and resolved, before a single simulation starts.
//
// The spec is untrusted input read through the config core, so every error is one line
// naming file:line:col (see docs/sweeps.md for the format):
//
//   name: tpu_mxu_hbm_batch
//   base: {system: tpu_v5e, model: llama2_7b, scenario: {context: 2048}, set: {sim.reuse: true}}
//   axes:
//     - zip: {tpu.mxu.rows: [64, 128], tpu.mxu.cols: [64, 128]}
//     - key: hbm.stacks
//       values: [1, 2, 4]
//     - key: scenario.batch
//       range: {from: 1, to: 16, times: 2}
//   filters:
//     - drop: "hbm.stacks == 1 and scenario.batch > 8"
//   columns: [tokens_per_s, energy_per_token_j, bottleneck]
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "driver/commands.h"

namespace decodesim::sweep {

/// One point of the sweep, resolved exactly as its child `decodesim run` will resolve it.
struct Point {
  std::size_t index = 0;           ///< position in spec order (after filters); shards slice on it
  std::string id;                  ///< hash of the resolved config, model and scenario (16 hex digits)
  nlohmann::json params;           ///< axis key → value (typed: number, bool, string, list)
  driver::RunOptions run;          ///< the child's options (out_dir is filled in by the runner)
};

struct SweepPlan {
  std::string spec_file;
  std::string name;
  std::vector<std::string> param_keys;  ///< axis keys, in spec order: the first result columns
  std::vector<std::string> columns;     ///< chosen result fields, as written in the spec
  std::vector<Point> points;
  std::size_t dropped = 0;              ///< combinations removed by filters
  double timeout_s = 0;                 ///< per point; 0 = none
  /// Identifies the sweep (point ids, parameter keys and columns): results of two plans can
  /// be merged, or resumed into one folder, only when these match.
  std::string spec_hash;
};

/// Reads and validates `spec_file` and expands it into points. Throws config::InputError
/// located in the spec on a bad key, a wrong-typed or out-of-range value, an empty product,
/// filters that drop everything, or two points that resolve to the same config.
SweepPlan load_plan(const std::string& spec_file, const driver::Paths& paths);

/// A chosen column's value in a result.json document: a bare name is `summary.<name>`, a
/// dotted path is taken from the top (e.g. `energy.total_j`, `config.hbm.stacks`). Null if absent.
nlohmann::json column_value(const nlohmann::json& result, const std::string& column);

/// 64-bit FNV-1a of `text` as 16 hex digits: stable across runs, machines and builds.
std::string stable_hash(const std::string& text);

}  // namespace decodesim::sweep
