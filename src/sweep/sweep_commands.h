// The sweep verbs as library functions (the CLI in apps/ only parses arguments):
//   decodesim sweep SPEC -j N --out DIR [--shard i/N] [--timeout S] [--emit-slurm FILE]
//   decodesim sweep-merge --out DIR SHARD_DIR...
//   decodesim sweep-report DIR [--best M:max] [--pareto X:max,Y:min] [--plot FILE.svg|.png]
// Exit status as for `run`: 0 ok (failed points are recorded, not fatal), 2 bad input,
// 3 a merge that is missing points or a sweep whose results could not be written.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace decodesim::sweep {

struct SweepOptions {
  std::string spec;
  std::string out_dir;
  unsigned jobs = 1;
  std::string timeout;           ///< --timeout as typed (seconds > 0); empty = the spec's timeout_s (or none)
  std::string shard = "0/1";
  bool retry_failed = false;     ///< rerun points recorded as failed or timed out
  bool keep_results = false;     ///< keep each point's result.json under DIR/points/
  bool progress = true;          ///< the progress line on stderr
  bool dry_run = false;          ///< validate and list the points, run nothing
  std::string emit_slurm;        ///< write the job-array script here instead of running
  std::size_t slurm_shards = 4;
  std::vector<std::string> sbatch_options;
};
int cmd_sweep(const SweepOptions& o, std::ostream& out, std::ostream& err);

int cmd_sweep_merge(const std::vector<std::string>& dirs, const std::string& out_dir, std::ostream& out,
                    std::ostream& err);

struct ReportOptions {
  std::string dir;
  std::string best;              ///< "metric:max" or "metric:min"; empty: the first column, max
  std::size_t top = 10;
  std::string pareto;            ///< "x:max,y:min"; empty: no front
  std::string plot;              ///< .svg or .png file for the front (gnuplot)
  std::string html;              ///< self-contained HTML: sortable table, line plots, Pareto front
};
int cmd_sweep_report(const ReportOptions& o, std::ostream& out, std::ostream& err);

}  // namespace decodesim::sweep
