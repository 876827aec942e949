// The calibration suite: every published measurement the models are held to, as one table
// (tests/validation/points.yaml) that both the check and docs/VALIDATION.md are made from.
//
// Each point names the chip, workload, conditions, the published figure and its public source,
// the band the model figure must fall in, and how to measure the model figure: a `decodesim run`
// (a JSON path into its result.json), a pair of runs (batch scaling against the roofline's), or a
// testbench that prints JSON (gpu_tb, hbm_tb). Identical commands run once; every command is a
// child process, so each SystemC simulation elaborates in its own process.
#pragma once

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "common/config/error.h"

namespace decodesim::validation {

enum class Tool {
  Run,           ///< `decodesim run ARGS --quiet --out DIR`; metric is a path into result.json
  BatchScaling,  ///< two runs at base_batch and batch: tokens/s ratio over the roofline's ratio
  GpuTb,         ///< `gpu_tb --json ARGS`
  HbmTb,         ///< `hbm_tb --json ARGS`
};

struct Point {
  std::string id;
  std::string chip, workload, conditions;
  double published = std::numeric_limits<double>::quiet_NaN();  ///< NaN: a model check with no published figure
  std::string published_text;  ///< as the source states it ("~300 tok/s"); empty: the number and unit
  std::string unit;
  std::string source_title, source_url;
  double lo = 0, hi = 0;  ///< band on the model figure, inclusive
  std::string band_text;  ///< "±25%" or "0.90–0.95"
  Tool tool = Tool::Run;
  std::vector<std::string> args;
  std::string metric;                       ///< dotted path into the JSON the tool writes
  double scale = 1;                         ///< model figure = metric × scale
  std::uint32_t base_batch = 1, batch = 1;  ///< BatchScaling
  std::string note;                         ///< shown under the table (e.g. which change a failing point waits for)
  bool known_gap = false;                   ///< out of band on purpose, explained in `note`: reported, not failed
  config::SourceLoc loc;
};

/// Parses the points file. Throws config::InputError (file:line:col, key, value, allowed).
std::vector<Point> load_points(const std::string& file);

struct Outcome {
  double model = std::numeric_limits<double>::quiet_NaN();
  bool pass = false;
  std::string error;  ///< why no figure (child failed, key missing); empty when measured
};

/// The generated docs/VALIDATION.md: one table, deterministic (no timings, no local paths).
std::string render_markdown(const std::vector<Point>& points, const std::vector<Outcome>& outcomes);

struct ValidateOptions {
  std::string points_file;  ///< default: <source>/tests/validation/points.yaml
  std::string bin_dir;      ///< build folder holding testbenches/ (needed by gpu_tb and hbm_tb points)
  std::string markdown;     ///< write the document here (written even when points fail)
  std::string only;         ///< run only points whose id contains this
  unsigned jobs = 1;
};

/// `decodesim validate`: 0 when every point is inside its band, 1 when any is not (or could not
/// be measured), 2 on bad input.
int cmd_validate(const ValidateOptions& o, std::ostream& out, std::ostream& err);

}  // namespace decodesim::validation
