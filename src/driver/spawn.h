// Child processes without a shell: compare and sweep start the same binary with an
// argument vector (posix_spawn), so no config value is ever interpreted by a shell.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace decodesim::driver {

struct ChildResult {
  int exit_code = -1;      ///< exit status, or 128+signal
  std::string stderr_text; ///< what the child printed on stderr (bounded)
  double wall_s = 0;
};

/// Path of the running executable (/proc/self/exe).
std::string self_exe();

/// Runs argv[0] with argv, stdout to `stdout_path` (or /dev/null when empty), stderr captured.
/// Kills the child after `timeout_s` seconds when > 0 (exit_code 124).
ChildResult run_child(const std::vector<std::string>& argv, const std::string& stdout_path = {},
                      double timeout_s = 0);

/// The line that says why a child `decodesim run` failed: the last non-empty line of its
/// stderr, without the program-name prefix (the caller names the run), at most 500 characters.
std::string child_error_line(const std::string& stderr_text);

/// Calls `task(i)` for every i in [0, count) from `jobs` threads, each taking the next index
/// as it frees up. compare and sweep share it: each task starts one child process, so the
/// threads only wait and `jobs` bounds how many children run at once. Returns when all are done.
void parallel_for(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& task);

}  // namespace decodesim::driver
