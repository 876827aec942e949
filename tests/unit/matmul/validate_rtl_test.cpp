// The library entry point behind `decodesim validate-rtl`.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/config/error.h"
#include "matmul/validate_rtl.h"

namespace dm = decodesim::matmul;

TEST(ValidateRtl, PrintsOneRowPerBuiltVariantAndPasses) {
  dm::ValidateOptions o;
  o.sizes = {4, 16};
  o.tiles = 200;
  o.seed = 11;
  std::ostringstream out;
  EXPECT_EQ(dm::run_validate_rtl(o, out), 0) << out.str();
  const std::string text = out.str();
  // 4x4 is built with both buffer settings, 16x16 with two only.
  EXPECT_NE(text.find("4x4         2"), std::string::npos) << text;
  EXPECT_NE(text.find("4x4         1"), std::string::npos) << text;
  EXPECT_NE(text.find("16x16       2"), std::string::npos) << text;
  EXPECT_EQ(text.find("16x16       1"), std::string::npos) << text;
  EXPECT_EQ(text.find("FAIL"), std::string::npos) << text;
  EXPECT_NE(text.find("seed 11"), std::string::npos) << text;

  const auto rows = dm::validate_rtl(o);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) {
    EXPECT_TRUE(r.pass()) << r.first_failure;
    EXPECT_GE(r.tiles, 200u);
    EXPECT_GT(r.rtl_cycles_per_s(), 0.0);
  }
}

TEST(ValidateRtl, SizeOutsideOurRtlsRangeIsAnInputError) {
  dm::ValidateOptions o;
  o.sizes = {257};
  o.tiles = 1;
  std::ostringstream out;
  try {
    dm::run_validate_rtl(o, out);
    FAIL() << "expected InputError";
  } catch (const decodesim::config::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("got 257x257"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rows 1-256 x cols 2-256"), std::string::npos) << e.what();
  }
}

TEST(ValidateRtl, WaveOptionWritesOneFstPerSize) {
  dm::ValidateOptions o;
  o.sizes = {4, 8};
  o.tiles = 5;
  o.wave_path = ::testing::TempDir() + "validate_rtl_test.fst";
  std::ostringstream out;
  EXPECT_EQ(dm::run_validate_rtl(o, out), 0) << out.str();
  for (const char* tag : {"_4x4", "_8x8"}) {
    const std::string p = ::testing::TempDir() + "validate_rtl_test" + tag + ".fst";
    std::ifstream f(p, std::ios::binary | std::ios::ate);
    EXPECT_TRUE(f.good()) << p;
    EXPECT_GT(static_cast<long>(f.tellg()), 100) << p;
    std::remove(p.c_str());
  }
}
