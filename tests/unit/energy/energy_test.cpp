// Energy constants reproduce Horowitz (ISSCC 2014, 45 nm) exactly by default.
#include <gtest/gtest.h>

#include "common/energy/energy.h"

using namespace decodesim;

TEST(Energy, DefaultsAreTheHorowitz45nmTable) {
  const EnergyConfig c;  // the schema defaults are the same values (checked below)
  EXPECT_DOUBLE_EQ(c.int8_mul_pj, 0.2);
  EXPECT_DOUBLE_EQ(c.int32_add_pj, 0.1);
  EXPECT_DOUBLE_EQ(c.fp16_mul_pj, 1.1);
  EXPECT_DOUBLE_EQ(c.fp32_add_pj, 0.9);
  EXPECT_DOUBLE_EQ(c.sram_pj_per_64bit, 10.0);
  EXPECT_DOUBLE_EQ(c.mac_pj(DType::BF16), 2.0);
  EXPECT_DOUBLE_EQ(c.mac_pj(DType::INT8), 0.3);
  std::vector<config::ParamInfo> rows;
  EnergyConfig::schema().collect("energy", rows);
  for (const auto& r : rows)
    if (r.key == "energy.fp16_mul_pj") EXPECT_EQ(r.default_value, "1.1");
}

TEST(Energy, BreakdownMultipliesCountsByConstants) {
  EnergyConfig c;
  EnergyCounts n;
  n.hbm_bits = 8e9;      // 1 GB
  n.sram_bits = 64e6;    // one million 64-bit accesses
  n.macs_bf16 = 1e9;
  n.macs_int8 = 1e9;
  n.vector_ops = 1e6;
  n.link_bits = 1e9;
  n.link_pj_per_bit = 2;
  n.seconds = 0.01;
  n.chips = 2;
  c.static_w = 50;
  const auto e = compute_energy(c, n);
  EXPECT_DOUBLE_EQ(e.hbm_j, 8e9 * 5.0e-12);
  EXPECT_DOUBLE_EQ(e.sram_j, 1e6 * 10e-12);
  EXPECT_DOUBLE_EQ(e.mac_j, 1e9 * 2.0e-12 + 1e9 * 0.3e-12);
  EXPECT_DOUBLE_EQ(e.vector_j, 1e6 * 0.9e-12);
  EXPECT_DOUBLE_EQ(e.link_j, 1e9 * 2e-12);
  EXPECT_DOUBLE_EQ(e.static_j, 50 * 2 * 0.01);
  EXPECT_DOUBLE_EQ(e.total_j(), e.hbm_j + e.sram_j + e.mac_j + e.vector_j + e.link_j + e.static_j);
}

TEST(Energy, LogicScaleScalesOnChipTermsOnly) {
  EnergyConfig c;
  c.logic_scale = 0.25;
  EnergyCounts n;
  n.hbm_bits = 1e9;
  n.macs_bf16 = 1e9;
  const auto e = compute_energy(c, n);
  EXPECT_DOUBLE_EQ(e.hbm_j, 1e9 * 5e-12);
  EXPECT_DOUBLE_EQ(e.mac_j, 1e9 * 2.0e-12 * 0.25);
}
