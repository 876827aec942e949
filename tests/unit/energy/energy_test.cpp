// Energy constants reproduce Horowitz (ISSCC 2014, 45 nm) exactly by default.
#include <gtest/gtest.h>

#include "common/energy/energy.h"

#include <cmath>

#include "common/config/error.h"

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
  bool found = false;
  for (const auto& r : rows) {
    if (r.key != "energy.fp16_mul_pj") continue;
    EXPECT_EQ(r.default_value, "1.1");
    found = true;
  }
  EXPECT_TRUE(found);
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

TEST(Energy, Node45ReproducesHorowitzAnd7nmReproducesJouppiTable2) {
  EnergyCounts n;
  n.macs_bf16 = 1e12;
  n.macs_int8 = 1e12;
  n.sram_bits = 64e12;
  n.vector_ops = 1e12;
  n.hbm_bits = 1e12;
  EnergyConfig c;  // node_nm 45
  auto e = compute_energy(c, n);
  EXPECT_DOUBLE_EQ(e.mac_j, 2.0 + 0.3);  // Horowitz: fp16 mul 1.1 + fp32 add 0.9; int8 mul 0.2 + int32 add 0.1
  EXPECT_DOUBLE_EQ(e.sram_j, 10.0);
  EXPECT_DOUBLE_EQ(e.vector_j, 0.9);
  c.node_nm = 7;  // Jouppi et al. ISCA 2021 Table 2 at 7 nm
  e = compute_energy(c, n);
  EXPECT_NEAR(e.mac_j, 0.34 + 0.38 + 0.07 + 0.03, 1e-12);
  EXPECT_NEAR(e.sram_j, 7.5, 1e-12);
  EXPECT_NEAR(e.vector_j, 0.38, 1e-12);
  EXPECT_DOUBLE_EQ(e.hbm_j, 5.0);  // an off-chip interface: not node-scaled
  // Between the anchors the factor is log-linear in feature size: 14 nm lies between them.
  c.node_nm = 14;
  const auto mid = compute_energy(c, n);
  EXPECT_LT(mid.mac_j, 2.3);
  EXPECT_GT(mid.mac_j, 0.82);
}

TEST(Energy, LowerClockLowersVoltageAndEnergyPerOpButNotIdleTime) {
  EnergyConfig c;
  c.nominal_clock_ghz = 1.5;
  c.static_w = 80;
  EXPECT_DOUBLE_EQ(voltage_for_clock(c, 1.5, 1.5), c.nominal_voltage_v);
  const double v_low = voltage_for_clock(c, 0.75, 1.5), v_high = voltage_for_clock(c, 2.0, 1.5);
  EXPECT_LT(v_low, c.nominal_voltage_v);
  EXPECT_GT(v_low, c.threshold_voltage_v);
  EXPECT_GT(v_high, c.nominal_voltage_v);
  // The alpha-power law holds at the solved voltage.
  const auto speed = [&](double v) { return std::pow(v - c.threshold_voltage_v, c.alpha) / v; };
  EXPECT_NEAR(speed(v_low) / speed(c.nominal_voltage_v), 0.5, 1e-9);
  EnergyCounts n;
  n.macs_bf16 = 1e12;
  n.seconds = 1;
  n.clock_ghz = 0.75;
  const auto e = compute_energy(c, n);
  const double r = v_low / c.nominal_voltage_v;
  EXPECT_NEAR(e.mac_j, 2.0 * r * r, 1e-12);        // dynamic energy per op ~ V^2
  EXPECT_NEAR(e.static_j, 80 * r, 1e-9);            // leakage power ~ V
  EXPECT_NEAR(e.average_w_per_chip(), 80 * r + 2.0 * r * r, 1e-9);
}

TEST(Energy, ThresholdAboveSupplyIsRejected) {
  EnergyConfig c;
  c.threshold_voltage_v = 0.9;
  EXPECT_THROW(c.validate(nullptr, "energy"), config::InputError);
}
