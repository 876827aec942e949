// Golden regression: about ten representative runs (every system family, reuse on and off,
// tensor parallelism, MoE, RTL matmul cores on tiny) must reproduce their committed
// result.json and kernels.csv exactly. The only bytes ignored are those that legitimately
// differ between checkouts: the version string (git describe) and the checkout's own path in
// `system.file`. Everything else, numbers included, is compared as text.
//
// To regenerate after an intended change: `make golden` (runs this binary with
// DECODESIM_GOLDEN_UPDATE=1), then commit tests/golden/ with the reason in the message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "driver/spawn.h"

namespace {

namespace fs = std::filesystem;

const std::string kSource = DECODESIM_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spill(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

/// The checkout-dependent bytes, replaced by fixed text: the version string and the source
/// folder (system files are given by absolute path so the run does not depend on the cwd).
std::string normalise(std::string text) {
  static const std::regex version(R"("decodesim": "[^"]*")");
  text = std::regex_replace(text, version, R"("decodesim": "<version>")", std::regex_constants::format_first_only);
  for (std::size_t at; (at = text.find(kSource + "/")) != std::string::npos;) text.replace(at, kSource.size(), "<source>");
  return text;
}

/// First differing line, for a readable failure.
std::string first_difference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la)), hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "identical";
    if (!ha || !hb || la != lb)
      return "line " + std::to_string(line) + ":\n  golden: " + (ha ? la : "<end>") + "\n  now:    " + (hb ? lb : "<end>");
  }
}

/// `same_as`: the config lines that differ on purpose from the golden run's (set by `args`), as
/// (text in this run, text in the golden file); everything else must match the golden run.
using Substitutions = std::vector<std::pair<std::string, std::string>>;

void check_golden(const std::string& run, std::vector<std::string> args, const Substitutions& same_as = {},
                  const std::string& golden_run = {}) {
  const fs::path scratch = fs::temp_directory_path() / ("decodesim-golden-" + run + "-" + std::to_string(::getpid()));
  fs::remove_all(scratch);
  const fs::path out = scratch / "out";
  // DECODESIM_GOLDEN_BINARY: another build's decodesim (to compare two builds through the goldens).
  const char* other = std::getenv("DECODESIM_GOLDEN_BINARY");
  const std::string exe = other && *other ? other : std::string(DECODESIM_BINARY_DIR) + "/apps/decodesim/decodesim";
  std::vector<std::string> argv = {exe, "run", "--quiet", "--out", out.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  fs::create_directories(scratch);
  const decodesim::driver::ChildResult r = decodesim::driver::run_child(argv, (scratch / "stdout").string(), 600);
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  std::printf("golden %s: %.2f s wall\n", run.c_str(), r.wall_s);

  const fs::path golden = fs::path(kSource) / "tests" / "golden" / (golden_run.empty() ? run : golden_run);
  const char* update = std::getenv("DECODESIM_GOLDEN_UPDATE");
  for (const std::string file : {"result.json", "kernels.csv"}) {
    std::string now = normalise(slurp(out / file));
    ASSERT_FALSE(now.empty()) << file << " was not written";
    for (const auto& [from, to] : same_as) {
      const auto at = now.find(from);
      if (file == "result.json") {
        ASSERT_NE(at, std::string::npos) << "'" << from << "' not in " << file;
      }
      if (at != std::string::npos) now.replace(at, from.size(), to);
    }
    if (!golden_run.empty()) {
      if (update && std::string(update) == "1") continue;  // a variant of another run: nothing to write
    } else if (update && std::string(update) == "1") {
      spill(golden / file, now);
      continue;
    }
    ASSERT_TRUE(fs::exists(golden / file)) << (golden / file) << " missing: run `make golden`";
    const std::string want = slurp(golden / file);
    EXPECT_TRUE(want == now) << run << "/" << file << " differs from the golden file at "
                             << first_difference(want, now)
                             << "\n(an intended change? `make golden` and say why in the commit)";
  }
  fs::remove_all(scratch);
}

std::string system_file(const std::string& name) { return kSource + "/configs/systems/" + name + ".yaml"; }

}  // namespace

// Each run is a separate TEST so ctest runs them in parallel and names the one that moved.
// Kept small (tiny, or reuse on the big models) so the whole set runs in about a minute.

TEST(Golden, TpuV5eTinyReuse) {
  check_golden("tpu_v5e_tiny_reuse", {"--system", system_file("tpu_v5e"), "--model", "tiny", "--context", "128",
                                      "--tokens", "2"});
}

TEST(Golden, TpuV4TinyNoReuseBatch4) {
  check_golden("tpu_v4_tiny_noreuse_b4", {"--system", system_file("tpu_v4"), "--model", "tiny", "--context", "256",
                                          "--tokens", "2", "--batch", "4", "--no-reuse"});
}

TEST(Golden, TpuV5eTinyRtl16) {
  check_golden("tpu_v5e_tiny_rtl16", {"--system", system_file("tpu_v5e"), "--model", "tiny", "--context", "64",
                                      "--no-reuse", "--set", "tpu.mxu.rows=16", "--set", "tpu.mxu.cols=16", "--set",
                                      "tpu.matmul.impl=rtl"});
}

TEST(Golden, TpuV5eX8Llama7bTensorParallelReuse) {
  check_golden("tpu_v5e_x8_llama2_7b_reuse", {"--system", system_file("tpu_v5e_x8"), "--model", "llama2_7b",
                                              "--context", "2048"});
}

TEST(Golden, TpuV5eX8MixtralMoeReuse) {
  check_golden("tpu_v5e_x8_mixtral_reuse", {"--system", system_file("tpu_v5e_x8"), "--model", "mixtral_8x7b",
                                            "--context", "1024", "--weight-dtype", "int8"});
}

TEST(Golden, GpuH100TinyNoReuse) {
  check_golden("gpu_h100_tiny_noreuse", {"--system", system_file("gpu_h100"), "--model", "tiny", "--context", "128",
                                         "--tokens", "2", "--no-reuse"});
}

TEST(Golden, GpuA100Llama7bReuse) {
  check_golden("gpu_a100_llama2_7b_reuse", {"--system", system_file("gpu_a100"), "--model", "llama2_7b",
                                            "--context", "2048"});
}

TEST(Golden, GpuH100TinyTensorParallel2NoReuse) {
  // tiny has 4 query heads: 2 chips is the widest even split with every shard simulated.
  check_golden("gpu_h100_x2_tiny_noreuse", {"--system", system_file("gpu_h100_x8"), "--model", "tiny", "--context",
                                            "128", "--no-reuse", "--set", "system.chips=2"});
}

TEST(Golden, GpuH100TinyRtl) {
  // Batch 2, so that the GEMVs run on the tensor cores (one row is a CUDA-core reduction).
  check_golden("gpu_h100_tiny_rtl", {"--system", system_file("gpu_h100"), "--model", "tiny", "--context", "64",
                                     "--batch", "2", "--no-reuse", "--set", "gpu.matmul.impl=rtl"});
}

TEST(Golden, LpuLlama7b) {
  check_golden("lpu_llama2_7b", {"--system", system_file("lpu_llama2_7b"), "--model", "llama2_7b", "--context",
                                 "2048"});
}

TEST(Golden, LpuGroqTinyRtl16) {
  check_golden("lpu_groq_tiny_rtl16", {"--system", system_file("lpu_groq"), "--model", "tiny", "--context", "64",
                                       "--tokens", "2", "--weight-dtype", "int8", "--set", "lpu.mxm.rows=16", "--set",
                                       "lpu.mxm.cols=16", "--set", "lpu.matmul.impl=rtl"});
}

// Variants that must not change any output: the LT quantum (the initiators never sync past a
// time they may still issue at) and the base-protocol checker on every memory binding.

TEST(Golden, TpuQuantumOf1nsChangesNothing) {
  check_golden("tpu_v4_tiny_noreuse_b4_q1",
               {"--system", system_file("tpu_v4"), "--model", "tiny", "--context", "256", "--tokens", "2", "--batch", "4",
                "--no-reuse", "--set", "sim.quantum_ns=1"},
               {{"\"quantum_ns\": 1.0", "\"quantum_ns\": 100000.0"}}, "tpu_v4_tiny_noreuse_b4");
}

TEST(Golden, GpuQuantumOf1nsAndProtocolCheckerChangeNothing) {
  check_golden("gpu_h100_tiny_noreuse_q1_checked",
               {"--system", system_file("gpu_h100"), "--model", "tiny", "--context", "128", "--tokens", "2",
                "--no-reuse", "--set", "sim.quantum_ns=1", "--set", "sim.check_protocol=true"},
               {{"\"check_protocol\": true", "\"check_protocol\": false"},
                {"\"quantum_ns\": 1.0", "\"quantum_ns\": 100000.0"}},
               "gpu_h100_tiny_noreuse");
}

TEST(Golden, TpuProtocolCheckerChangesNothing) {
  check_golden("tpu_v5e_x8_llama2_7b_reuse_checked",
               {"--system", system_file("tpu_v5e_x8"), "--model", "llama2_7b", "--context", "2048", "--set",
                "sim.check_protocol=true"},
               {{"\"check_protocol\": true", "\"check_protocol\": false"}}, "tpu_v5e_x8_llama2_7b_reuse");
}
