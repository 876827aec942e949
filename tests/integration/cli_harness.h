// Runs the decodesim binary as a child process, as a user would, and captures what it printed.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "driver/spawn.h"

namespace decodesim::test {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string decodesim_binary() { return std::string(DECODESIM_BINARY_DIR) + "/apps/decodesim/decodesim"; }

/// A folder under the system temp dir, removed when the test ends.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag)
      : m_path(std::filesystem::temp_directory_path() / ("decodesim-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  ~ScratchDir() { std::filesystem::remove_all(m_path); }
  std::string path(const std::string& name = {}) const { return name.empty() ? m_path.string() : (m_path / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = m_path / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::filesystem::path m_path;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline CliRun run_cli(std::vector<std::string> args, const ScratchDir& scratch) {
  args.insert(args.begin(), decodesim_binary());
  const std::string out_file = scratch.path(".stdout");
  const driver::ChildResult r = driver::run_child(args, out_file, 600);
  return {r.exit_code, slurp(out_file), r.stderr_text};
}

/// `decodesim run --quiet --out <scratch>/<tag> args...`, expected to succeed; its result.json.
inline nlohmann::json run_json(const ScratchDir& d, const std::string& tag, std::vector<std::string> args) {
  const std::string out = d.path(tag);
  args.insert(args.begin(), {"run", "--quiet", "--out", out});
  const CliRun r = run_cli(args, d);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(slurp(out + "/result.json"));
}

/// Bad input: exit status 2, one line starting "decodesim: error: " that contains every needle,
/// and neither the --out folder nor the --trace file left behind.
inline void expect_rejected(const ScratchDir& d, std::vector<std::string> args, const std::vector<std::string>& needles) {
  const std::string out = d.path("out");
  const std::string trace = d.path("trace.json");
  args.insert(args.end(), {"--out", out, "--trace", trace});
  const CliRun r = run_cli(args, d);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line expected:\n" << r.err;
  EXPECT_EQ(r.err.rfind("decodesim: error: ", 0), 0u) << r.err;
  for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "missing '" << n << "' in: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(out)) << "partial output left behind";
  EXPECT_FALSE(std::filesystem::exists(trace)) << "partial trace left behind";
}

}  // namespace decodesim::test
