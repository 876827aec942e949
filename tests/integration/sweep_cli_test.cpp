// `decodesim sweep` as users drive it: real child processes, real files. Resume after a
// SIGKILL, shards and merge, determinism, failures and timeouts recorded, located spec
// errors, the report and plot, and the Slurm script under hostile paths.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <set>
#include <thread>

#include "cli_harness.h"

extern char** environ;

using namespace decodesim::test;
using nlohmann::json;

namespace {

const std::string kBin = decodesim_binary();

/// A small spec on the tiny model: `n_clock` clock values (1.0 GHz up in 0.1 steps) x 2 batches, plus one capacity value
/// too small for the model when `with_failure` (those points fail inside the child).
std::string tiny_spec(int n_clock, bool with_failure) {
  std::string s =
      "name: tiny_grid\n"
      "base:\n  system: tpu_v5e\n  model: tiny\n  scenario: {context: 256}\n"
      "axes:\n"
      "  - key: tpu.clock_ghz\n    range: {from: 1.0, to: " +
      std::to_string(1.0 + 0.1 * (n_clock - 1)) +
      ", step: 0.1}\n"
      "  - key: scenario.batch\n    values: [1, 2]\n";
  if (with_failure) s += "  - key: hbm.capacity_gib\n    values: [16, 0.00146484375]\n";
  s += "columns: [tokens_per_s, token_latency_s, energy_per_token_j, bottleneck, system.chips]\n";
  return s;
}

/// Rows keyed by point id, without the wall-time column (the only one allowed to vary).
std::map<std::string, json> rows_of(const std::string& dir) {
  std::map<std::string, json> out;
  std::istringstream in(slurp(dir + "/results.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    json r = json::parse(line);
    r.erase("wall_s");
    const std::string id = r["id"];
    EXPECT_TRUE(out.emplace(id, r).second) << "duplicate row " << id << " in " << dir;
  }
  return out;
}

std::size_t lines_in(const std::string& path) {
  const std::string t = slurp(path);
  return static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n'));
}

CliRun sweep(const ScratchDir& d, const std::string& spec, const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"sweep", spec, "--out", out, "--no-progress"};
  a.insert(a.end(), extra.begin(), extra.end());
  return run_cli(a, d);
}

}  // namespace

TEST(Sweep, RecordsEveryPointFailuresIncludedAndIsDeterministicAcrossJobs) {
  ScratchDir d("sweep-det");
  const std::string spec = d.write("grid.yaml", tiny_spec(3, true));
  const CliRun a = sweep(d, spec, d.path("a"), {"-j", "1"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const CliRun b = sweep(d, spec, d.path("b"), {"-j", "2"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(a.out.find("12 points, 6 ok, 6 failed"), std::string::npos) << a.out;

  const auto ra = rows_of(d.path("a")), rb = rows_of(d.path("b"));
  ASSERT_EQ(ra.size(), 12u);
  EXPECT_EQ(ra, rb) << "the same spec must give the same rows at any -j";
  for (const auto& [id, r] : ra) {
    EXPECT_EQ(id.size(), 16u);
    if (r["params"]["hbm.capacity_gib"] == 16) {
      EXPECT_EQ(r["status"], "ok");
      EXPECT_GT(r["metrics"]["tokens_per_s"].get<double>(), 0);
      EXPECT_EQ(r["metrics"]["system.chips"], 1);
      EXPECT_TRUE(r["metrics"]["bottleneck"].is_string());
    } else {
      EXPECT_EQ(r["status"], "failed");
      EXPECT_EQ(r["exit_code"], 2);
      EXPECT_NE(r["error"].get<std::string>().find("does not fit"), std::string::npos) << r.dump();
    }
  }
  // Final files are in point order, CSV and JSON lines row for row.
  EXPECT_EQ(lines_in(d.path("a/results.csv")), 13u);
  EXPECT_EQ(slurp(d.path("a/results.csv")).substr(0, 120).find(
                "id,index,tpu.clock_ghz,scenario.batch,hbm.capacity_gib,tokens_per_s,token_latency_s"),
            0u);
  std::istringstream in(slurp(d.path("b/results.jsonl")));
  std::string line;
  for (int i = 0; std::getline(in, line); ++i) EXPECT_EQ(json::parse(line)["index"], i);
  EXPECT_FALSE(std::filesystem::exists(d.path("a/.work"))) << "per-point work folders are cleaned up";
}

TEST(Sweep, ResumesAfterSigkillWithoutLosingOrRepeatingPoints) {
  ScratchDir d("sweep-resume");
  const std::string spec = d.write("grid.yaml", tiny_spec(20, false));  // 40 points
  const std::string out = d.path("killed");
  // Start the sweep as a user would and SIGKILL it once some rows are on disk.
  std::vector<std::string> args = {kBin, "sweep", spec, "--out", out, "-j", "2", "--no-progress"};
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  bool exited = false;
  while (lines_in(out + "/results.jsonl") < 8 && std::chrono::steady_clock::now() < deadline &&
         !(exited = ::waitpid(pid, &status, WNOHANG) == pid))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(WIFSIGNALED(status)) << "the sweep finished before it could be killed; make the grid larger";
  const std::size_t before = rows_of(out).size();
  EXPECT_GE(before, 8u);
  EXPECT_LT(before, 40u);

  const CliRun resumed = sweep(d, spec, out, {"-j", "2"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming"), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find(std::to_string(before) + " of 40 points already recorded"), std::string::npos)
      << resumed.err;

  const CliRun full = sweep(d, spec, d.path("full"), {"-j", "2"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_EQ(rows_of(out), rows_of(d.path("full"))) << "killed + resumed must equal uninterrupted";
  EXPECT_EQ(lines_in(out + "/results.csv"), 41u);

  // A third run has nothing left to do.
  const CliRun again = sweep(d, spec, out);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.err.find("40 of 40 points already recorded, running 0"), std::string::npos) << again.err;
}

TEST(Sweep, ShardsPartitionTheSweepAndMergeToTheFullRun) {
  ScratchDir d("sweep-shards");
  const std::string spec = d.write("grid.yaml", tiny_spec(4, false));  // 8 points
  ASSERT_EQ(sweep(d, spec, d.path("full"), {"-j", "2"}).exit_code, 0);
  std::set<std::string> seen;
  std::vector<std::string> dirs;
  for (int i = 0; i < 3; ++i) {
    dirs.push_back(d.path("shard-" + std::to_string(i)));
    const CliRun r = sweep(d, spec, dirs.back(), {"--shard", std::to_string(i) + "/3"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& [id, row] : rows_of(dirs.back())) {
      EXPECT_TRUE(seen.insert(id).second) << "point " << id << " in two shards";
      EXPECT_EQ(row["index"].get<int>() % 3, i);
    }
  }
  EXPECT_EQ(seen.size(), 8u);

  std::vector<std::string> merge = {"sweep-merge", "--out", d.path("merged")};
  merge.insert(merge.end(), dirs.begin(), dirs.end());
  const CliRun m = run_cli(merge, d);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(rows_of(d.path("merged")), rows_of(d.path("full")));
  EXPECT_EQ(lines_in(d.path("merged/results.csv")), 9u);

  // Missing a shard: merged anyway, but the exit status says points are missing.
  const CliRun partial = run_cli({"sweep-merge", "--out", d.path("partial"), dirs[0], dirs[1]}, d);
  EXPECT_EQ(partial.exit_code, 3);
  EXPECT_NE(partial.err.find("2 of 8 points are missing"), std::string::npos) << partial.err;
  // ...and `sweep --out MERGED` completes it, running only the missing points.
  const CliRun fill = sweep(d, spec, d.path("partial"));
  ASSERT_EQ(fill.exit_code, 0) << fill.err;
  EXPECT_NE(fill.err.find("6 of 8 points already recorded, running 2"), std::string::npos) << fill.err;
  EXPECT_EQ(rows_of(d.path("partial")), rows_of(d.path("full")));

  // A shard of a different spec is refused.
  const std::string other = d.write("other.yaml", tiny_spec(5, false));
  ASSERT_EQ(sweep(d, other, d.path("other-0"), {"--shard", "0/3"}).exit_code, 0);
  const CliRun bad = run_cli({"sweep-merge", "--out", d.path("bad"), dirs[0], d.path("other-0"), dirs[2]}, d);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("refusing to merge mismatched specs"), std::string::npos) << bad.err;
  // Resuming into a folder of another shard is refused too.
  const CliRun wrong = sweep(d, spec, dirs[0], {"--shard", "1/3"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("different sweep or shard"), std::string::npos) << wrong.err;
}

TEST(Sweep, PerPointTimeoutIsRecordedNotFatal) {
  ScratchDir d("sweep-timeout");
  // llama2_7b without reuse takes far longer than 50 ms; every point times out.
  const std::string slow = d.write("slow.yaml", "base: {system: tpu_v5e, model: llama2_7b, set: {sim.reuse: false}}\n"
                                                "axes:\n  - key: scenario.batch\n    values: [1, 2]\n"
                                                "columns: [tokens_per_s]\n");
  const CliRun r = sweep(d, slow, d.path("o"), {"--timeout", "0.05", "-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = rows_of(d.path("o"));
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& [id, row] : rows) {
    EXPECT_EQ(row["status"], "timeout");
    EXPECT_NE(row["error"].get<std::string>().find("timeout of 0.05 s"), std::string::npos);
  }
  // --retry-failed runs them again (here with room to finish).
  const CliRun again = sweep(d, slow, d.path("o"), {"--retry-failed", "-j", "2"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  for (const auto& [id, row] : rows_of(d.path("o"))) EXPECT_EQ(row["status"], "ok");
}

TEST(Sweep, BadSpecIsOneLocatedLineAndRunsNothing) {
  ScratchDir d("sweep-bad");
  const std::string spec = d.write("bad.yaml", "base: {system: tpu_v5e, model: tiny}\n"
                                               "axes:\n  - key: hbm.stacks\n    values: [1, 2.5]\n"
                                               "columns: [tokens_per_s]\n");
  const CliRun r = sweep(d, spec, d.path("o"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("bad.yaml:4:17: hbm.stacks: expected an integer, got '2.5'"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(d.path("o"))) << "nothing may run or be written";
}

TEST(Sweep, ReportRanksPointsAndPlotsTheParetoFront) {
  ScratchDir d("sweep-report");
  const std::string spec = d.write("grid.yaml", tiny_spec(3, true));
  ASSERT_EQ(sweep(d, spec, d.path("o"), {"-j", "2"}).exit_code, 0);
  const CliRun r = run_cli({"sweep-report", d.path("o"), "--best", "tokens_per_s:max", "--top", "3", "--pareto",
                            "tokens_per_s:max,energy_per_token_j:min", "--plot", d.path("front.svg")},
                           d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("12 of 12 points recorded, 6 ok, 6 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("best 3 by tokens_per_s (max)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Pareto front of tokens_per_s (max) and energy_per_token_j (min)"), std::string::npos);
  // The best point by tokens/s is on the front by definition: batch 2, fastest clock.
  const auto best_line = r.out.substr(r.out.find("  1. "), r.out.find('\n', r.out.find("  1. ")) - r.out.find("  1. "));
  EXPECT_NE(best_line.find("scenario.batch=2"), std::string::npos) << best_line;
  EXPECT_NE(best_line.find("tpu.clock_ghz=1.2"), std::string::npos) << best_line;
  const std::string svg = slurp(d.path("front.svg"));
  EXPECT_NE(svg.find("<svg"), std::string::npos) << "gnuplot did not write an SVG";
  EXPECT_NE(svg.find("Pareto front"), std::string::npos);

  const CliRun bad = run_cli({"sweep-report", d.path("o"), "--best", "tokens_per_sec:max"}, d);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("not a column of this sweep"), std::string::npos) << bad.err;
}

TEST(Sweep, SlurmScriptQuotesHostilePathsAndItsTasksMergeToTheLocalRun) {
  ScratchDir d("sweep-slurm");
  // Every shell metacharacter that could break out of a word, plus % for Slurm's patterns.
  const std::string hostile = d.path("we ird $(touch pwned) 'q' \"dq\" `touch bt` ;& %x");
  const std::string spec = hostile + "/spec $(id).yaml";
  std::filesystem::create_directories(hostile);
  { std::ofstream(spec) << tiny_spec(3, false); }
  const std::string out = hostile + "/out $(touch pwned2)";
  const std::string script = hostile + "/job's.sbatch";
  const CliRun e = run_cli({"sweep", spec, "--out", out, "--emit-slurm", script, "--shards", "3", "--sbatch-opt",
                            "--comment=a b'c"},
                           d);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  ASSERT_TRUE(std::filesystem::exists(script));
  ASSERT_TRUE(std::filesystem::exists(script + ".merge"));

  // Submission with a stand-in sbatch that records its arguments one per line.
  const std::string fakebin = d.path("fakebin");
  d.write("fakebin/sbatch", "#!/bin/bash\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> \"$FAKE_LOG\"; done\n"
                            "echo '--' >> \"$FAKE_LOG\"\necho 4242\n");
  std::filesystem::permissions(fakebin + "/sbatch", std::filesystem::perms::owner_all);
  const std::string log = d.path("sbatch.log");
  const auto r = decodesim::driver::run_child(
      {"/usr/bin/env", "PATH=" + fakebin + ":/usr/bin:/bin", "FAKE_LOG=" + log, "/bin/bash", script, "--wait"},
      d.path("submit.out"));
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const std::string args = slurp(log);
  EXPECT_NE(args.find("--output=" + out.substr(0, out.find('%')) + "%%x/out $(touch pwned2)/slurm/%x-%A_%a.out\n"),
            std::string::npos)
      << args;
  EXPECT_NE(args.find("\n" + script + "\n--\n"), std::string::npos) << args;
  EXPECT_NE(args.find("--dependency=afterany:4242\n"), std::string::npos) << args;
  EXPECT_NE(args.find("--comment=a b'c\n"), std::string::npos) << args;
  EXPECT_NE(args.find("--wait\n" + script + ".merge\n"), std::string::npos) << args;

  // Run each array task and the merge the way Slurm would, from another folder.
  for (int i = 0; i < 3; ++i) {
    const auto t = decodesim::driver::run_child(
        {"/usr/bin/env", "SLURM_ARRAY_TASK_ID=" + std::to_string(i), "/bin/bash", script}, d.path("task.out"), 120);
    ASSERT_EQ(t.exit_code, 0) << t.stderr_text;
  }
  const auto m = decodesim::driver::run_child({"/bin/bash", script + ".merge"}, d.path("merge.out"), 120);
  ASSERT_EQ(m.exit_code, 0) << m.stderr_text;
  ASSERT_EQ(sweep(d, spec, d.path("local"), {"-j", "2"}).exit_code, 0);
  EXPECT_EQ(rows_of(out + "/merged"), rows_of(d.path("local")));
  for (const char* f : {"pwned", "pwned2", "bt"}) {
    EXPECT_FALSE(std::filesystem::exists(d.path(f))) << f;
    EXPECT_FALSE(std::filesystem::exists(hostile + "/" + f)) << f;
    EXPECT_FALSE(std::filesystem::exists(f)) << f;
  }
}

TEST(Sweep, ShippedTpuExampleValidates) {
  // The LPU and GPU examples name sections that land with those tiles; the TPU one must
  // always expand (the lead checks the other two after merging).
  ScratchDir d("sweep-example");
  const CliRun r = run_cli(
      {"sweep", std::string(DECODESIM_SOURCE_DIR) + "/configs/sweeps/tpu_mxu_hbm_batch.yaml", "--dry-run"}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tpu_mxu_hbm_batch: 27 points (9 dropped by filters)"), std::string::npos) << r.out;
}
