#include "common/energy/energy.h"

#include <cmath>

namespace decodesim {
namespace {

// Jouppi et al., ISCA 2021, Table 2: energy per operation at 7 nm over Horowitz's 45 nm value.
constexpr double kInt8Mul7nm = 0.07 / 0.2;
constexpr double kInt32Add7nm = 0.03 / 0.1;
constexpr double kFp16Mul7nm = 0.34 / 1.1;
constexpr double kFp32Add7nm = 0.38 / 0.9;
constexpr double kSram8KB7nm = 7.5 / 10.0;  // SRAM shrinks far less than logic (the paper's lesson 1)

}  // namespace

const config::Schema<EnergyConfig>& EnergyConfig::schema() {
  using S = config::Schema<EnergyConfig>;
  static const S s =
      S("energy and power (per-event energies at 45 nm: Horowitz ISSCC 2014; node and clock scaling in "
        "tlm_models/common/energy/energy.h)")
          .num("hbm_pj_per_bit", &EnergyConfig::hbm_pj_per_bit, "pJ/bit", 5.0, 0.0, 100.0,
               "HBM access energy per bit read or written (Jouppi et al. ISCA 2021: HBM2 250-450 pJ per 64 bits)")
          .num("sram_pj_per_64bit", &EnergyConfig::sram_pj_per_64bit, "pJ", 10.0, 0.0, 1000.0,
               "on-chip SRAM access of 64 bits at 45 nm (Horowitz: 8 KB macro = 10 pJ)")
          .num("int8_mul_pj", &EnergyConfig::int8_mul_pj, "pJ", 0.2, 0.0, 100.0, "int8 multiply at 45 nm (Horowitz)")
          .num("int32_add_pj", &EnergyConfig::int32_add_pj, "pJ", 0.1, 0.0, 100.0, "int32 add at 45 nm (Horowitz)")
          .num("fp16_mul_pj", &EnergyConfig::fp16_mul_pj, "pJ", 1.1, 0.0, 100.0,
               "fp16/bf16 multiply at 45 nm (Horowitz fp16)")
          .num("fp32_add_pj", &EnergyConfig::fp32_add_pj, "pJ", 0.9, 0.0, 100.0,
               "fp32 accumulate add at 45 nm (Horowitz)")
          .num("vector_op_pj", &EnergyConfig::vector_op_pj, "pJ", 0.9, 0.0, 100.0,
               "one vector-unit element op (fp32 add) at 45 nm")
          .num("link_pj_per_bit", &EnergyConfig::link_pj_per_bit, "pJ/bit", 0.0, 0.0, 100.0,
               "chip-to-chip energy per bit; 0 uses link.pj_per_bit")
          .num("node_nm", &EnergyConfig::node_nm, "nm", 45.0, 3.0, 45.0,
               "process node the on-chip energies scale to; 45 = Horowitz table exactly, 7 = Jouppi et al. "
               "ISCA 2021 Table 2, log-linear in feature size elsewhere")
          .num("static_w", &EnergyConfig::static_w, "W", 0.0, 0.0, 50000.0,
               "idle power per chip at the nominal clock (leakage and always-on); scales with supply voltage")
          .num("tdp_w", &EnergyConfig::tdp_w, "W", 0.0, 0.0, 50000.0,
               "published TDP per chip, for the report's power check (0 = none published)")
          .num("nominal_clock_ghz", &EnergyConfig::nominal_clock_ghz, "GHz", 0.0, 0.0, 10.0,
               "clock that static_w and nominal_voltage_v refer to; 0 = the chip's configured clock")
          .num("nominal_voltage_v", &EnergyConfig::nominal_voltage_v, "V", 0.75, 0.1, 2.0,
               "core supply voltage at the nominal clock")
          .num("threshold_voltage_v", &EnergyConfig::threshold_voltage_v, "V", 0.35, 0.0, 1.5,
               "threshold voltage of the alpha-power law f ~ (V - Vt)^alpha / V")
          .num("alpha", &EnergyConfig::alpha, "-", 1.3, 1.0, 2.0,
               "velocity-saturation index of the alpha-power law (2 = long channel)");
  return s;
}

void EnergyConfig::validate(const config::Node* n, const std::string& path) const {
  if (threshold_voltage_v >= nominal_voltage_v)
    config::fail_at(n, path, "threshold_voltage_v", "must be below the nominal supply",
                    std::to_string(threshold_voltage_v) + " V",
                    "less than nominal_voltage_v = " + std::to_string(nominal_voltage_v) + " V");
}

double EnergyConfig::mac_pj(DType operand) const {
  // bf16 multiplies accumulate in fp32; 8-bit and narrower operands use the integer datapath.
  if (operand == DType::BF16) return fp16_mul_pj + fp32_add_pj;
  return int8_mul_pj + int32_add_pj;
}

double node_factor(double ratio_7nm, double node_nm) {
  return std::pow(ratio_7nm, std::log(45.0 / node_nm) / std::log(45.0 / 7.0));
}

double voltage_for_clock(const EnergyConfig& c, double clock_ghz, double nominal_clock_ghz) {
  const double vt = c.threshold_voltage_v, vn = c.nominal_voltage_v;
  if (nominal_clock_ghz <= 0 || clock_ghz == nominal_clock_ghz) return vn;
  const auto speed = [&](double v) { return std::pow(v - vt, c.alpha) / v; };
  const double target = clock_ghz / nominal_clock_ghz * speed(vn);
  // speed(V) rises monotonically above Vt for alpha >= 1, so bisection finds the one root.
  double lo = vt, hi = vn;
  while (speed(hi) < target && hi < 100 * vn) hi *= 2;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (speed(mid) < target ? lo : hi) = mid;
  }
  return hi;
}

EnergyScaling energy_scaling(const EnergyConfig& c, double clock_ghz) {
  EnergyScaling s;
  s.int8_mul = node_factor(kInt8Mul7nm, c.node_nm);
  s.int32_add = node_factor(kInt32Add7nm, c.node_nm);
  s.fp16_mul = node_factor(kFp16Mul7nm, c.node_nm);
  s.fp32_add = node_factor(kFp32Add7nm, c.node_nm);
  s.sram = node_factor(kSram8KB7nm, c.node_nm);
  const double nominal = c.nominal_clock_ghz > 0 ? c.nominal_clock_ghz : clock_ghz;
  s.voltage_v = voltage_for_clock(c, clock_ghz > 0 ? clock_ghz : nominal, nominal);
  s.dynamic = (s.voltage_v / c.nominal_voltage_v) * (s.voltage_v / c.nominal_voltage_v);
  s.leakage = s.voltage_v / c.nominal_voltage_v;
  return s;
}

nlohmann::json EnergyBreakdown::to_json() const {
  return {{"hbm_j", hbm_j},
          {"sram_j", sram_j},
          {"mac_j", mac_j},
          {"vector_j", vector_j},
          {"link_j", link_j},
          {"static_j", static_j},
          {"total_j", total_j()},
          {"average_power_w_per_chip", average_w_per_chip()},
          {"idle_power_w_per_chip", idle_w},
          {"tdp_w_per_chip", tdp_w},
          {"voltage_v", voltage_v},
          {"hbm_pj_per_byte", hbm_pj_per_byte},
          {"sram_pj_per_byte", sram_pj_per_byte}};
}

EnergyBreakdown compute_energy(const EnergyConfig& c, const EnergyCounts& n) {
  constexpr double pj = 1e-12;
  const EnergyScaling s = energy_scaling(c, n.clock_ghz);
  const double mac_bf16 = (c.fp16_mul_pj * s.fp16_mul + c.fp32_add_pj * s.fp32_add) * s.dynamic;
  const double mac_int8 = (c.int8_mul_pj * s.int8_mul + c.int32_add_pj * s.int32_add) * s.dynamic;
  const double sram_64 = c.sram_pj_per_64bit * s.sram * s.dynamic;
  EnergyBreakdown e;
  e.hbm_j = n.hbm_bits * c.hbm_pj_per_bit * pj;
  e.sram_j = n.sram_bits / 64.0 * sram_64 * pj;
  e.mac_j = (n.macs_bf16 * mac_bf16 + n.macs_int8 * mac_int8) * pj;
  e.vector_j = n.vector_ops * c.vector_op_pj * s.fp32_add * s.dynamic * pj;
  const double link_pj = c.link_pj_per_bit > 0 ? c.link_pj_per_bit : n.link_pj_per_bit;
  e.link_j = n.link_bits * link_pj * pj;
  e.idle_w = c.static_w * s.leakage;
  e.static_j = e.idle_w * n.chips * n.seconds;
  e.seconds = n.seconds;
  e.chips = n.chips;
  e.tdp_w = c.tdp_w;
  e.voltage_v = s.voltage_v;
  e.hbm_pj_per_byte = 8 * c.hbm_pj_per_bit;
  e.sram_pj_per_byte = sram_64 / 8;
  return e;
}

}  // namespace decodesim
