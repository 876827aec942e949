// Energy accounting: components count events (bytes moved, SRAM accesses, MACs, vector
// ops, link bits); this module turns counts into joules with the `energy:` constants.
//
// Defaults are Horowitz, ISSCC 2014, 45 nm (shared/REFERENCE.md). `logic_scale` scales the
// on-chip logic and SRAM terms to another node; it defaults to 1.0 so the 45 nm table is
// reproduced exactly. HBM and link energies are per bit and are not scaled.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/base/kernel_graph.h"
#include "common/config/schema.h"

namespace decodesim {

struct EnergyConfig {
  double hbm_pj_per_bit = 5.0;        ///< HBM access energy (3.9–9 quoted, unconfirmed)
  double sram_pj_per_64bit = 10.0;    ///< on-chip SRAM read of 64 bits (8 KB macro)
  double int8_mul_pj = 0.2, int32_add_pj = 0.1;
  double fp16_mul_pj = 1.1, fp32_add_pj = 0.9;
  double vector_op_pj = 0.9;          ///< one element op on the vector unit (fp32 add)
  double link_pj_per_bit = 0;         ///< 0: take the link's own pj_per_bit
  double static_w = 0;                ///< leakage + always-on power per chip
  double logic_scale = 1.0;           ///< multiplies MAC, vector and SRAM energies (node scaling)

  static const config::Schema<EnergyConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}

  /// Energy of one multiply-accumulate for this operand type (mul + accumulate add).
  double mac_pj(DType operand) const;
};

/// Per-component event counts for one run (all chips).
struct EnergyCounts {
  double hbm_bits = 0;
  double sram_bits = 0;
  double macs_int8 = 0;   ///< MACs on int8/int4/fp8 operands (integer-like datapath)
  double macs_bf16 = 0;
  double vector_ops = 0;
  double link_bits = 0;
  double link_pj_per_bit = 0;
  double seconds = 0;     ///< simulated time, for static power
  double chips = 1;
};

struct EnergyBreakdown {
  double hbm_j = 0, sram_j = 0, mac_j = 0, vector_j = 0, link_j = 0, static_j = 0;
  double total_j() const { return hbm_j + sram_j + mac_j + vector_j + link_j + static_j; }
  nlohmann::json to_json() const;
};

EnergyBreakdown compute_energy(const EnergyConfig& cfg, const EnergyCounts& counts);

}  // namespace decodesim
