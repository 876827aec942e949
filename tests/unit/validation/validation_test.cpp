// The calibration table: the shipped points parse, bad points are located, and the generated
// document is deterministic and shows every failure.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "validation/validation.h"

using namespace decodesim;
using namespace decodesim::validation;

namespace {

const std::string kPoints = std::string(DECODESIM_SOURCE_DIR) + "/tests/validation/points.yaml";

std::string write_tmp(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("decodesim-validation-" + name);
  std::ofstream(p) << text;
  return p.string();
}

std::string error_of(const std::string& yaml) {
  try {
    load_points(write_tmp("bad.yaml", yaml));
  } catch (const config::InputError& e) {
    return e.what();
  }
  return "no error";
}

const char* kOnePoint = R"(points:
  - id: p
    chip: c
    workload: w
    conditions: k
    published: 100
    unit: tok/s
    source: {title: T, url: "https://example.org"}
    band: {rel: 0.1}
    measure: {tool: run, args: [--system, s], metric: summary.tokens_per_s}
)";

}  // namespace

TEST(Validation, ShippedPointsHaveASourceABandAndUniqueIds) {
  const auto points = load_points(kPoints);
  ASSERT_GE(points.size(), 20u);
  std::set<std::string> chips;
  for (const auto& p : points) {
    EXPECT_FALSE(p.source_title.empty()) << p.id;
    EXPECT_EQ(p.source_title.find("REFERENCE"), std::string::npos) << p.id << ": cite the public source";
    EXPECT_LT(p.lo, p.hi) << p.id;
    if (!std::isnan(p.published)) {
      EXPECT_LE(p.lo, p.published) << p.id << ": the band must contain the published figure";
      EXPECT_GE(p.hi, p.published) << p.id;
    }
    chips.insert(p.chip.substr(0, 3));
  }
  for (const char* c : {"Gro", "A10", "H10", "TPU", "HBM"}) EXPECT_TRUE(chips.count(c)) << c << " has no point";
}

TEST(Validation, RelativeBandIsAroundThePublishedFigure) {
  const auto p = load_points(write_tmp("one.yaml", kOnePoint));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_DOUBLE_EQ(p[0].lo, 90.0);
  EXPECT_DOUBLE_EQ(p[0].hi, 110.0);
  EXPECT_EQ(p[0].band_text, "±10%");
  EXPECT_EQ(p[0].tool, Tool::Run);
}

TEST(Validation, BadPointsAreLocated) {
  std::string y = kOnePoint;
  y.replace(y.find("tool: run"), 9, "tool: rnu");
  const std::string e = error_of(y);
  EXPECT_NE(e.find("bad.yaml:10:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown tool, got 'rnu', allowed run, batch_scaling, gpu_tb, hbm_tb"), std::string::npos) << e;
  std::string d = kOnePoint;
  d += d.substr(d.find("  - id"));
  EXPECT_NE(error_of(d).find("duplicate point id"), std::string::npos) << error_of(d);
  std::string nb = kOnePoint;
  nb.replace(nb.find("band: {rel: 0.1}"), 16, "band: {}");
  EXPECT_NE(error_of(nb).find("expected rel, or min and/or max"), std::string::npos) << error_of(nb);
}

TEST(Validation, DocumentIsDeterministicAndShowsFailures) {
  const auto p = load_points(write_tmp("one.yaml", kOnePoint));
  Outcome in{104.0, true, {}}, out{130.0, false, {}}, none{};
  none.error = "exit 3";
  const std::string a = render_markdown(p, {in});
  EXPECT_EQ(a, render_markdown(p, {in}));
  EXPECT_NE(a.find("| c | w | k | 100.0 tok/s, [T](https://example.org) | 104.0 tok/s | +4.0% | ±10% | pass |"),
            std::string::npos)
      << a;
  EXPECT_NE(a.find("1 of 1 points inside their band"), std::string::npos);
  EXPECT_NE(render_markdown(p, {out}).find("+30.0% | ±10% | **FAIL** |"), std::string::npos);
  EXPECT_NE(render_markdown(p, {none}).find("| — | — | ±10% | **FAIL** (exit 3) |"), std::string::npos);
}
