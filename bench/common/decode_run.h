// What every whole-decode benchmark does: parse --repeat/--only, run `decodesim run` as a
// child process (SystemC elaborates once per process) N times, and report the median wall
// time with the run's result.json. Figures are printed, never asserted.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "driver/spawn.h"

namespace decodesim::bench {

struct Options {
  int repeat = 5;
  std::string only;  ///< run only cases whose label contains this

  bool selected(const std::string& label) const { return only.empty() || label.find(only) != std::string::npos; }
};

/// Exits with status 2 and a usage line on anything but --repeat N and --only TEXT.
inline Options parse_options(int argc, char** argv, const char* name, int default_repeat) {
  Options o;
  o.repeat = default_repeat;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) o.repeat = std::max(1, std::atoi(argv[++i]));
    else if (a == "--only" && i + 1 < argc) o.only = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--repeat N] [--only LABEL-SUBSTRING]\n", name);
      std::exit(2);
    }
  }
  return o;
}

/// "<= 2.0 s", or "-" for a figure that has no target.
inline std::string target_text(double target_s) {
  char buf[32];
  if (target_s > 0) std::snprintf(buf, sizeof buf, "<= %.1f s", target_s);
  else std::snprintf(buf, sizeof buf, "-");
  return buf;
}

/// Runs the decodesim binary of this build in a scratch folder removed on destruction.
class DecodeRunner {
 public:
  /// `exe`: another decodesim binary to time (a baseline build), default this build's.
  explicit DecodeRunner(const std::string& tag,
                        std::string exe = std::string(DECODESIM_BINARY_DIR) + "/apps/decodesim/decodesim")
      : m_exe(std::move(exe)),
        m_scratch(std::filesystem::temp_directory_path() / ("decodesim-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(m_scratch);
  }
  ~DecodeRunner() { std::filesystem::remove_all(m_scratch); }

  struct Timed {
    double median_s = 0;
    nlohmann::json result;  ///< result.json of the last run (runs are deterministic)
  };

  /// `decodesim run --quiet --out <scratch> args...`, `repeat` times. Prints the child's error
  /// and returns nothing if a run fails.
  std::optional<Timed> median_run(const std::vector<std::string>& args, int repeat, const std::string& label) const {
    std::vector<double> walls;
    Timed t;
    const auto out = m_scratch / "out";
    for (int r = 0; r < repeat; ++r) {
      std::vector<std::string> argv = {m_exe, "run", "--quiet", "--out", out.string()};
      argv.insert(argv.end(), args.begin(), args.end());
      const auto res = driver::run_child(argv);
      if (res.exit_code != 0) {
        std::fprintf(stderr, "%s failed: %s\n", label.c_str(), res.stderr_text.c_str());
        return std::nullopt;
      }
      walls.push_back(res.wall_s);
      std::ifstream in(out / "result.json");
      t.result = nlohmann::json::parse(in);
    }
    std::sort(walls.begin(), walls.end());
    t.median_s = walls[walls.size() / 2];
    return t;
  }

 private:
  std::string m_exe;
  std::filesystem::path m_scratch;
};

}  // namespace decodesim::bench
