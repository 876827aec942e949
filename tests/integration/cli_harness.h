// Runs the decodesim binary as a child process, as a user would, and captures what it printed.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
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

/// An RTL run left no tile out (issue 12, "no extrapolation"): every tile the matmul cores were
/// asked for came out of the RTL's pins, none was timed from others, and there were at least
/// as many as the GEMM weight matrices hold on an array of `k_rows` × `cols` (the rows one tile
/// covers in k, and its columns). Counting this way fails any run that times tiles from a few.
inline void expect_every_tile_through_rtl(const nlohmann::json& r, std::uint64_t k_rows, std::uint64_t cols) {
  ASSERT_TRUE(r["stats"].contains("matmul")) << "no RTL core ran";
  const auto& m = r["stats"]["matmul"];
  std::uint64_t gemm_tiles = 0;
  for (const auto& k : r["kernels"])
    if (k["kind"] == "gemm")
      gemm_tiles += k["groups"].get<std::uint64_t>() * ((k["k"].get<std::uint64_t>() + k_rows - 1) / k_rows) *
                    ((k["n"].get<std::uint64_t>() + cols - 1) / cols);
  EXPECT_GT(gemm_tiles, 0u);
  EXPECT_GE(m["rtl_tiles"]["value"].get<double>(), static_cast<double>(gemm_tiles));
  EXPECT_EQ(m["rtl_tiles"]["value"], m["tiles"]["value"]);
  EXPECT_EQ(m["extrapolated_tiles"]["value"].get<double>(), 0.0);
}

/// matmul.rtl.sample's run against the full RTL run of the same workload: it ran fewer tiles
/// through the RTL, said so in a note, and its total time is within the error that note states
/// for workloads/tiny (the figure this check holds). Returns the measured relative error.
inline double expect_sampled_within_stated_error(const nlohmann::json& sampled, const nlohmann::json& full) {
  const auto& m = sampled["stats"]["matmul"];
  EXPECT_GT(m["extrapolated_tiles"]["value"].get<double>(), 0.0);
  EXPECT_LT(m["rtl_tiles"]["value"].get<double>(), full["stats"]["matmul"]["rtl_tiles"]["value"].get<double>());
  double stated = -1;
  for (const auto& n : sampled["notes"]) {
    const std::string s = n.get<std::string>();
    const auto at = s.find("within ");
    if (s.find("sampled mode") != std::string::npos && at != std::string::npos) stated = std::stod(s.substr(at + 7));
  }
  EXPECT_GE(stated, 0.0) << "no sampled-mode note with its error figure";
  const double t_full = full["summary"]["simulated_time_s"].get<double>();
  const double err = std::abs(sampled["summary"]["simulated_time_s"].get<double>() - t_full) / t_full;
  EXPECT_LE(100.0 * err, stated) << "sampled mode off by " << 100.0 * err << "% on this run";
  std::printf("matmul.rtl.sample=2 error against the full RTL run: %.4f%%\n", 100.0 * err);
  return err;
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
