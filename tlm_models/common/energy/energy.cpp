#include "common/energy/energy.h"

namespace decodesim {

const config::Schema<EnergyConfig>& EnergyConfig::schema() {
  using S = config::Schema<EnergyConfig>;
  static const S s =
      S("energy constants (defaults: Horowitz ISSCC 2014, 45 nm)")
          .num("hbm_pj_per_bit", &EnergyConfig::hbm_pj_per_bit, "pJ/bit", 5.0, 0.0, 100.0,
               "HBM access energy per bit read or written (quoted 3.9-9, unconfirmed)")
          .num("sram_pj_per_64bit", &EnergyConfig::sram_pj_per_64bit, "pJ", 10.0, 0.0, 1000.0,
               "on-chip SRAM access of 64 bits (Horowitz: 8 KB macro = 10 pJ)")
          .num("int8_mul_pj", &EnergyConfig::int8_mul_pj, "pJ", 0.2, 0.0, 100.0, "int8 multiply (Horowitz)")
          .num("int32_add_pj", &EnergyConfig::int32_add_pj, "pJ", 0.1, 0.0, 100.0, "int32 add (Horowitz)")
          .num("fp16_mul_pj", &EnergyConfig::fp16_mul_pj, "pJ", 1.1, 0.0, 100.0,
               "fp16/bf16 multiply (Horowitz fp16)")
          .num("fp32_add_pj", &EnergyConfig::fp32_add_pj, "pJ", 0.9, 0.0, 100.0, "fp32 accumulate add (Horowitz)")
          .num("vector_op_pj", &EnergyConfig::vector_op_pj, "pJ", 0.9, 0.0, 100.0,
               "one vector-unit element op (fp32 add)")
          .num("link_pj_per_bit", &EnergyConfig::link_pj_per_bit, "pJ/bit", 0.0, 0.0, 100.0,
               "chip-to-chip energy per bit; 0 uses link.pj_per_bit")
          .num("static_w", &EnergyConfig::static_w, "W", 0.0, 0.0, 2000.0, "static power per chip")
          .num("logic_scale", &EnergyConfig::logic_scale, "x", 1.0, 0.001, 10.0,
               "node scaling of MAC, vector and SRAM energies; 1.0 = 45 nm table exactly");
  return s;
}

double EnergyConfig::mac_pj(DType operand) const {
  // bf16 multiplies accumulate in fp32; 8-bit and narrower operands use the integer datapath.
  if (operand == DType::BF16) return fp16_mul_pj + fp32_add_pj;
  return int8_mul_pj + int32_add_pj;
}

nlohmann::json EnergyBreakdown::to_json() const {
  return {{"hbm_j", hbm_j},   {"sram_j", sram_j}, {"mac_j", mac_j},     {"vector_j", vector_j},
          {"link_j", link_j}, {"static_j", static_j}, {"total_j", total_j()}};
}

EnergyBreakdown compute_energy(const EnergyConfig& c, const EnergyCounts& n) {
  constexpr double pj = 1e-12;
  EnergyBreakdown e;
  e.hbm_j = n.hbm_bits * c.hbm_pj_per_bit * pj;
  e.sram_j = n.sram_bits / 64.0 * c.sram_pj_per_64bit * c.logic_scale * pj;
  e.mac_j = (n.macs_bf16 * c.mac_pj(DType::BF16) + n.macs_int8 * c.mac_pj(DType::INT8)) * c.logic_scale * pj;
  e.vector_j = n.vector_ops * c.vector_op_pj * c.logic_scale * pj;
  const double link_pj = c.link_pj_per_bit > 0 ? c.link_pj_per_bit : n.link_pj_per_bit;
  e.link_j = n.link_bits * link_pj * pj;
  e.static_j = c.static_w * n.chips * n.seconds;
  return e;
}

}  // namespace decodesim
