// The results ledger and the pieces around it: shards partition the points, a torn ledger
// line is cut and rerun, CSV escaping, and shell quoting that survives a real shell.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/config/error.h"
#include "driver/spawn.h"
#include "sweep/result_store.h"
#include "sweep/slurm.h"

using namespace decodesim;
using nlohmann::json;

namespace {

sweep::SweepPlan toy_plan(std::size_t n) {
  sweep::SweepPlan p;
  p.name = "toy";
  p.spec_hash = "0123456789abcdef";
  p.param_keys = {"hbm.stacks"};
  p.columns = {"tokens_per_s", "bottleneck"};
  for (std::size_t i = 0; i < n; ++i) {
    sweep::Point pt;
    pt.index = i;
    pt.id = sweep::stable_hash("point " + std::to_string(i));
    pt.params = {{"hbm.stacks", i + 1}};
    p.points.push_back(pt);
  }
  return p;
}

json row_of(const sweep::Point& p, const std::string& status = "ok") {
  return {{"id", p.id},          {"index", p.index}, {"params", p.params},
          {"metrics", {{"tokens_per_s", 1.5 * static_cast<double>(p.index)}, {"bottleneck", "memory, \"hbm\""}}},
          {"status", status},    {"exit_code", 0},   {"wall_s", 0.1},
          {"error", ""}};
}

std::string scratch(const std::string& tag) {
  const auto d = std::filesystem::temp_directory_path() / ("decodesim-store-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<json> ledger(const std::string& dir) { return sweep::read_ledger(dir, sweep::read_manifest(dir), nullptr); }

}  // namespace

TEST(Shard, SlicesPartitionThePoints) {
  for (std::size_t n : {1u, 7u, 16u}) {
    std::multiset<std::size_t> seen;
    for (std::size_t i = 0; i < n; ++i) {
      const sweep::Shard s = sweep::Shard::parse(std::to_string(i) + "/" + std::to_string(n));
      for (std::size_t p = 0; p < 50; ++p)
        if (s.holds(p)) seen.insert(p);
    }
    EXPECT_EQ(seen.size(), 50u);
    EXPECT_EQ(std::set<std::size_t>(seen.begin(), seen.end()).size(), 50u) << "no overlap";
  }
  for (const char* bad : {"4/4", "1", "a/2", "0/0", "-1/3", "1/2x"})
    EXPECT_THROW(sweep::Shard::parse(bad), config::InputError) << bad;
}

TEST(ResultStore, ResumesSkipsFinishedAndCutsATornLine) {
  const std::string dir = scratch("resume");
  const sweep::SweepPlan plan = toy_plan(4);
  {
    sweep::ResultStore st(dir, plan, {}, false);
    st.append(row_of(plan.points[2]));
    st.append(row_of(plan.points[0], "failed"));
  }
  // A power cut in the middle of the next row leaves half a line behind.
  { std::ofstream(dir + "/results.jsonl", std::ios::app) << row_of(plan.points[1]).dump().substr(0, 40); }
  {
    sweep::ResultStore st(dir, plan, {}, false);
    EXPECT_TRUE(st.finished(plan.points[2].id));
    EXPECT_TRUE(st.finished(plan.points[0].id)) << "a failed point is finished unless retried";
    EXPECT_FALSE(st.finished(plan.points[1].id)) << "the torn row must run again";
    st.append(row_of(plan.points[1]));
    st.finalize();
  }
  const auto rows = ledger(dir);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["index"], 0);
  EXPECT_EQ(rows[1]["index"], 1);
  EXPECT_EQ(rows[2]["index"], 2);
  const std::string csv = slurp(dir + "/results.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "id,index,hbm.stacks,tokens_per_s,bottleneck,status,exit_code,wall_s,error");
  EXPECT_NE(csv.find(",\"memory, \"\"hbm\"\"\",ok,"), std::string::npos) << "RFC 4180 quoting:\n" << csv;
  {
    sweep::ResultStore st(dir, plan, {}, true);
    EXPECT_FALSE(st.finished(plan.points[0].id)) << "--retry-failed drops failed rows";
    EXPECT_TRUE(st.finished(plan.points[1].id));
  }
  EXPECT_EQ(ledger(dir).size(), 2u);
  std::filesystem::remove_all(dir);
}

// Rows without an id or index, unknown to the plan, or repeated were counted (and the sort
// comparator read a missing "index" out of bounds): they are reported and skipped.
TEST(ResultStore, SkipsAndReportsMalformedUnknownAndDuplicateRows) {
  const std::string dir = scratch("badrows");
  const sweep::SweepPlan plan = toy_plan(3);
  { sweep::ResultStore st(dir, plan, {}, false); }
  {
    std::ofstream f(dir + "/results.jsonl", std::ios::app);
    json no_index = row_of(plan.points[0]);
    no_index.erase("index");
    json unknown = row_of(plan.points[1]);
    unknown["id"] = sweep::stable_hash("not a point");
    f << "{}\n" << no_index.dump() << "\n" << unknown.dump() << "\n" << row_of(plan.points[2]).dump() << "\n"
      << row_of(plan.points[2]).dump() << "\n[1,2]\nnot json\n";
  }
  sweep::ResultStore st(dir, plan, {}, false);
  EXPECT_EQ(st.finished_count(), 1u);
  EXPECT_TRUE(st.finished(plan.points[2].id));
  EXPECT_FALSE(st.finished(plan.points[0].id));
  ASSERT_EQ(st.skipped().size(), 6u);
  EXPECT_NE(st.skipped()[0].find("results.jsonl:1: skipped: no id"), std::string::npos) << st.skipped()[0];
  EXPECT_NE(st.skipped()[1].find("no index"), std::string::npos) << st.skipped()[1];
  EXPECT_NE(st.skipped()[2].find("repeats id"), std::string::npos) << st.skipped()[2];
  EXPECT_NE(st.skipped()[5].find("is not point 1 of this sweep"), std::string::npos) << st.skipped()[5];
  std::filesystem::remove_all(dir);
}

TEST(ResultStore, RefusesAnotherSweepOrShardOrAConcurrentWriter) {
  const std::string dir = scratch("refuse");
  const sweep::SweepPlan plan = toy_plan(3);
  sweep::ResultStore st(dir, plan, {}, false);
  EXPECT_THROW(sweep::ResultStore(dir, plan, {}, false), config::InputError) << "folder is locked";
  sweep::SweepPlan other = toy_plan(3);
  other.spec_hash = "fedcba9876543210";
  const std::string dir2 = scratch("refuse2");
  { sweep::ResultStore a(dir2, plan, {}, false); }
  try {
    sweep::ResultStore b(dir2, other, {}, false);
    ADD_FAILURE() << "a different spec was accepted";
  } catch (const config::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("different sweep or shard"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sweep::ResultStore(dir2, plan, sweep::Shard::parse("1/2"), false), config::InputError);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir2);
}

TEST(ShellQuote, HostileValuesReachTheProgramIntact) {
  const std::vector<std::string> hostile = {"plain", "two words", "it's", "\"dq\"", "$(touch pwned)", "`id`",
                                            "a\\b", "semi;colon|pipe&", "new\nline", "*", "$HOME", "'", ""};
  const std::string dir = scratch("quote");
  std::filesystem::create_directories(dir);
  for (const auto& v : hostile) {
    // printf receives the word exactly as bash parsed it from the quoted text.
    const std::string script = "cd " + sweep::shell_quote(dir) + " && printf %s " + sweep::shell_quote(v);
    const std::string out = dir + "/out";
    const auto r = driver::run_child({"/bin/bash", "-c", script}, out);
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    EXPECT_EQ(slurp(out), v);
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/pwned"));
  std::filesystem::remove_all(dir);
}
