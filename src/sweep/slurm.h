// The Slurm job-array script a sweep emits (`decodesim sweep SPEC --emit-slurm FILE`).
//
// Slurm is the scheduler; decodesim only writes the script. Every value that reaches a shell
// (paths, names, options) is single-quoted by shell_quote(), so a folder named
// `a b $(rm -rf ~) 'c'` is just a folder name. #SBATCH lines hold only numbers and a name
// reduced to [A-Za-z0-9_.-], because sbatch parses those lines itself with its own rules.
#pragma once

#include <string>
#include <vector>

namespace decodesim::sweep {

/// `text` as one shell word: single quotes, with each ' written as '\''.
std::string shell_quote(const std::string& text);

struct SlurmJob {
  std::string name;           ///< job name (sanitised for #SBATCH)
  std::string decodesim;      ///< absolute path of the binary the tasks run
  std::string spec_file;      ///< absolute
  std::string out_dir;        ///< absolute; shards go to <out>/shard-<i>, the merge to <out>/merged
  std::string script_file;    ///< absolute path the script is written to (it submits itself)
  std::string decodesim_home; ///< exported as DECODESIM_HOME when not empty
  std::size_t shards = 1;     ///< array tasks
  unsigned jobs = 1;          ///< -j per task when SLURM_CPUS_PER_TASK is unset
  double timeout_s = 0;       ///< per point; 0 = the spec's
  std::vector<std::string> sbatch_options;  ///< extra sbatch arguments, one word each
};

/// The array script (FILE). `bash FILE [sbatch args for the merge job]` submits the array and
/// then the merge job with --dependency=afterany on it; `sbatch FILE` submits the array only.
std::string slurm_array_script(const SlurmJob& job);
/// The merge job script (FILE.merge): sweep-merge of every shard into <out>/merged.
std::string slurm_merge_script(const SlurmJob& job);

}  // namespace decodesim::sweep
