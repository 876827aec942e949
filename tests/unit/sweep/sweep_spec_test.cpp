// Sweep specs: expansion (cartesian, zip, ranges, filters), stable point ids, and the located
// one-line errors a bad spec must give before anything runs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/config/error.h"
#include "sweep/filter_expr.h"
#include "sweep/sweep_spec.h"

using namespace decodesim;
using sweep::SweepPlan;

namespace {

/// Writes a spec into a per-test folder and loads it against the shipped configs.
class SpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("decodesim-spec-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }

  std::string write(const std::string& text, const std::string& name = "spec.yaml") {
    const auto p = m_dir / name;
    std::ofstream(p) << text;
    return p.string();
  }
  SweepPlan load(const std::string& text) { return sweep::load_plan(write(text), paths()); }
  /// The error message of loading `text`; fails the test if it loads.
  std::string error_of(const std::string& text) {
    try {
      load(text);
    } catch (const config::InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "spec loaded but should not have:\n" << text;
    return {};
  }
  static driver::Paths paths() {
    return {std::string(DECODESIM_SOURCE_DIR) + "/configs", std::string(DECODESIM_SOURCE_DIR) + "/workloads"};
  }
  std::filesystem::path m_dir;
};

const char* kBase = "base: {system: tpu_v5e, model: tiny}\ncolumns: [tokens_per_s]\n";

}  // namespace

TEST_F(SpecTest, CartesianZipAndRangeExpandInSpecOrder) {
  const SweepPlan p = load(std::string(kBase) +
                           "axes:\n"
                           "  - zip: {tpu.mxu.rows: [64, 128], tpu.mxu.cols: [64, 128]}\n"
                           "  - key: scenario.batch\n"
                           "    range: {from: 1, to: 8, times: 2}\n"
                           "  - key: hbm.refresh\n"
                           "    values: [off, per_bank]\n");
  ASSERT_EQ(p.points.size(), 2u * 4u * 2u);
  EXPECT_EQ(p.param_keys, (std::vector<std::string>{"tpu.mxu.rows", "tpu.mxu.cols", "scenario.batch", "hbm.refresh"}));
  // First axis slowest, last fastest; zipped keys move together; geometric range 1,2,4,8.
  EXPECT_EQ(p.points[0].params["tpu.mxu.rows"], 64);
  EXPECT_EQ(p.points[0].params["scenario.batch"], 1);
  EXPECT_EQ(p.points[0].params["hbm.refresh"], "off");
  EXPECT_EQ(p.points[1].params["hbm.refresh"], "per_bank");
  EXPECT_EQ(p.points[2].params["scenario.batch"], 2);
  EXPECT_EQ(p.points[7].params["scenario.batch"], 8);
  EXPECT_EQ(p.points[8].params["tpu.mxu.rows"], 128);
  EXPECT_EQ(p.points[8].params["tpu.mxu.cols"], 128);
  // Each point's child gets exactly its own settings.
  const auto& run = p.points[3].run;
  EXPECT_EQ(run.scenario.batch.value(), "2");
  EXPECT_NE(std::find(run.sets.begin(), run.sets.end(), "hbm.refresh=per_bank"), run.sets.end());
  EXPECT_NE(std::find(run.sets.begin(), run.sets.end(), "tpu.mxu.rows=64"), run.sets.end());
  for (std::size_t i = 0; i < p.points.size(); ++i) EXPECT_EQ(p.points[i].index, i);
}

TEST_F(SpecTest, ArithmeticFloatRangeIncludesItsEnd) {
  const SweepPlan p = load(std::string(kBase) + "axes:\n  - key: tpu.clock_ghz\n    range: {from: 0.5, to: 1.5, step: 0.1}\n");
  ASSERT_EQ(p.points.size(), 11u);
  EXPECT_DOUBLE_EQ(p.points.back().params["tpu.clock_ghz"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(p.points[3].params["tpu.clock_ghz"].get<double>(), 0.8);
}

TEST_F(SpecTest, FiltersDropCombinationsUsingAnyResolvedKey) {
  // tpu.mxu.count is not swept: filters see the whole resolved config.
  const SweepPlan p = load(std::string(kBase) +
                           "axes:\n  - key: tpu.mxu.rows\n    values: [32, 64, 128]\n"
                           "  - key: scenario.batch\n    values: [1, 2]\n"
                           "filters:\n  - keep: \"tpu.mxu.rows * tpu.mxu.count <= 256\"\n"
                           "  - drop: 'scenario.batch == 2 and not (tpu.mxu.rows == 32)'\n");
  EXPECT_EQ(p.dropped, 3u);
  ASSERT_EQ(p.points.size(), 3u);
  EXPECT_EQ(p.points[0].params["tpu.mxu.rows"], 32);
  EXPECT_EQ(p.points[1].params["scenario.batch"], 2);
  EXPECT_EQ(p.points[2].params["tpu.mxu.rows"], 64);
  EXPECT_EQ(p.points[2].params["scenario.batch"], 1);
}

TEST_F(SpecTest, PointIdsAreHashesOfTheResolvedConfigNotOfTheSpec) {
  const SweepPlan a = load(std::string(kBase) + "axes:\n  - key: hbm.stacks\n    values: [1, 2]\n"
                                                "  - key: scenario.batch\n    values: [1, 4]\n");
  // Axes in the other order, the same value spelt differently, and an override equal to
  // the default: the same four configs, so the same four ids.
  const SweepPlan b = load(std::string("base: {system: tpu_v5e, model: tiny, set: {sim.reuse: true}}\n"
                                       "columns: [tokens_per_s]\n") +
                           "axes:\n  - key: scenario.batch\n    values: [1, 4]\n"
                           "  - key: hbm.stacks\n    values: [1, 2e0]\n");
  std::set<std::string> ia, ib;
  for (const auto& p : a.points) ia.insert(p.id);
  for (const auto& p : b.points) ib.insert(p.id);
  EXPECT_EQ(ia.size(), 4u);
  EXPECT_EQ(ia, ib);
  EXPECT_EQ(load(std::string(kBase) + "axes:\n  - key: hbm.stacks\n    values: [1, 2]\n"
                                      "  - key: scenario.batch\n    values: [1, 4]\n").points[2].id,
            a.points[2].id);
  EXPECT_EQ(a.points[0].id.size(), 16u);
  EXPECT_NE(a.spec_hash, b.spec_hash) << "parameter order differs, so the tables differ";
}

TEST_F(SpecTest, UnknownAxisKeyIsLocated) {
  const std::string e = error_of(std::string(kBase) + "axes:\n  - key: tpu.mxu.rowz\n    values: [64]\n");
  EXPECT_NE(e.find("spec.yaml:4:10: axes[0].key: unknown config key, got 'tpu.mxu.rowz'"), std::string::npos) << e;
  EXPECT_NE(e.find("tpu.mxu.rows"), std::string::npos) << "should suggest neighbours: " << e;
}

TEST_F(SpecTest, WrongTypedValueIsLocatedAtTheValue) {
  const std::string e = error_of(std::string(kBase) + "axes:\n  - key: hbm.stacks\n    values: [1, two]\n");
  EXPECT_NE(e.find("spec.yaml:5:17: hbm.stacks: expected an integer, got 'two'"), std::string::npos) << e;
  const std::string r = error_of(std::string(kBase) + "axes:\n  - key: tpu.mxu.rows\n    values: [64, 100]\n");
  EXPECT_NE(r.find("spec.yaml:5:18: tpu.mxu.rows: must be a power of two"), std::string::npos) << r;
  const std::string s = error_of(std::string(kBase) + "axes:\n  - key: scenario.weight_dtype\n    values: [bf16, fp7]\n");
  EXPECT_NE(s.find("spec.yaml:5:20:"), std::string::npos) << s;
  EXPECT_NE(s.find("fp7"), std::string::npos) << s;
}

TEST_F(SpecTest, EmptyProductAndAllFilteredAreErrors) {
  EXPECT_NE(error_of(std::string(kBase) + "axes:\n  - key: hbm.stacks\n    values: []\n")
                .find("spec.yaml:5:13: axes[0].values: no values: the sweep's product would be empty"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kBase) + "axes:\n  - key: hbm.stacks\n    range: {from: 4, to: 1, step: 1}\n")
                .find("range runs backwards"),
            std::string::npos);
  const std::string f = error_of(std::string(kBase) + "axes:\n  - key: hbm.stacks\n    values: [1, 2]\n"
                                                      "filters:\n  - keep: \"hbm.stacks > 8\"\n");
  EXPECT_NE(f.find("spec.yaml:7:3: filters: the filters drop every point"), std::string::npos) << f;
}

TEST_F(SpecTest, OtherSpecMistakesAreLocated) {
  struct Case {
    std::string spec, needle;
  };
  const std::vector<Case> cases = {
      {std::string(kBase) + "axes:\n  - zip: {tpu.mxu.rows: [64, 128], tpu.mxu.cols: [64]}\n",
       "spec.yaml:4:10: axes[0].zip: zipped keys need the same number of values"},
      {std::string(kBase) + "axes:\n  - key: hbm.stacks\n    values: [1]\n  - key: hbm.stacks\n    values: [2]\n",
       "spec.yaml:6:10: axes[1].key: key swept twice"},
      {std::string(kBase) + "axes:\n  - key: hbm.stacks\n    values: [1, 1]\n",
       "two points resolve to the same config"},
      {std::string(kBase) + "axes:\n  - key: hbm.stacks\n    values: [1]\nfilters:\n  - keep: \"hbm.stackz > 1\"\n",
       "spec.yaml:7:11: filters[0].keep: unknown key at character 1"},
      {std::string(kBase) + "axes:\n  - key: hbm.stacks\n    values: [1]\nfilters:\n  - keep: \"hbm.refresh > 1\"\n",
       "arithmetic and ordering need numbers"},
      {"base: {system: tpu_v5e, model: tiny}\ncolumns: [tokens_per_sec]\naxes:\n  - key: hbm.stacks\n    values: [1]\n",
       "spec.yaml:2:11: columns[0]: not a field of result.json, got 'tokens_per_sec'"},
      {"base: {system: tpu_v9, model: tiny}\ncolumns: [tokens_per_s]\naxes:\n  - key: hbm.stacks\n    values: [1]\n",
       "spec.yaml:1:16: base.system:"},
      {"base: {system: tpu_v5e, model: tiny}\ncolumns: [tokens_per_s]\naxis:\n  - key: hbm.stacks\n",
       "spec.yaml:4:3: axis: unknown key"},
      {std::string(kBase) + "axes:\n  - key: scenario.seed\n    values: [1]\n", "sweep the seed as sim.seed"},
      // Valid alone, invalid together: located at the value, naming the point.
      {"base: {system: tpu_v5e, model: tiny}\ncolumns: [tokens_per_s]\naxes:\n"
       "  - zip: {system.topology: [torus2d], system.torus_dims: [[2, 2]]}\n"
       "  - key: system.chips\n    values: [4, 8]\n",
       "spec.yaml:4:59: system.torus_dims: x*y must equal system.chips, got 2x2, allowed a product of 8 [point {"},
  };
  for (const auto& c : cases) {
    const std::string e = error_of(c.spec);
    EXPECT_NE(e.find(c.needle), std::string::npos) << "want '" << c.needle << "' in: " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << "one line: " << e;
  }
}

TEST(FilterExpr, PrecedenceTypesAndErrors) {
  auto known = [](const std::string& k) { return k == "a.b" || k == "c"; };
  const config::SourceLoc at{"s.yaml", 3, 9};
  auto lookup = [](const std::string& k) -> std::optional<sweep::Value> {
    if (k == "a.b") return 6.0;
    return std::string("off");
  };
  auto ev = [&](const std::string& text) { return sweep::FilterExpr::parse(text, at, "f", known).eval(lookup); };
  EXPECT_TRUE(ev("a.b * 2 + 1 == 13"));
  EXPECT_TRUE(ev("1 + a.b % 4 == 3"));
  EXPECT_TRUE(ev("-a.b < 0 and c == 'off'"));
  EXPECT_TRUE(ev("not c != \"off\" or a.b / 0 > 1")) << "or short-circuits";
  EXPECT_FALSE(ev("(a.b > 5) and (c == 'on')"));
  auto err = [&](const std::string& text) {
    try {
      ev(text);
    } catch (const config::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(err("a.b > 'x'").find("s.yaml:3:9: f: arithmetic and ordering need numbers"), std::string::npos);
  EXPECT_NE(err("a.b / 0 > 1").find("division by zero"), std::string::npos);
  EXPECT_NE(err("a.b + 1").find("must be true or false"), std::string::npos);
  EXPECT_NE(err("a.b == 'x'").find("cannot compare"), std::string::npos);
  EXPECT_NE(err("a.b >").find("expression ends early"), std::string::npos);
  EXPECT_NE(err("(a.b > 1").find("missing ')'"), std::string::npos);
  EXPECT_NE(err("a.b > 1 $(rm)").find("unexpected text"), std::string::npos);
  EXPECT_NE(err("zz > 1").find("unknown key at character 1"), std::string::npos);
  EXPECT_NE(err(std::string(200, '(') + "1" + std::string(200, ')')).find("nested too deeply"), std::string::npos);
}
