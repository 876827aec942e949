// Energy and power accounting: components count events (bytes moved, SRAM accesses, MACs,
// vector ops, link bits); this module turns counts into joules with the `energy:` constants
// and adds the chip's idle power over the run.
//
// Per-event energies are given at 45 nm (Horowitz, "Computing's energy problem (and what we can
// do about it)", ISSCC 2014) and scaled to the chip's node by `node_nm` with the 45 nm → 7 nm
// ratios of Jouppi et al., "Ten Lessons From Three Generations Shaped Google's TPUv4i", ISCA 2021,
// Table 2 (log-linear in feature size between and beyond those two anchors). node_nm = 45
// reproduces the Horowitz table exactly. HBM and link energies are per bit of an off-chip
// interface and are not node-scaled.
//
// Clock: when the chip runs at a clock other than `nominal_clock_ghz`, its supply voltage
// follows the alpha-power law (Sakurai & Newton, "Alpha-power law MOSFET model and its
// applications to CMOS inverter delay and other formulas", IEEE JSSC 25(2), 1990):
// f ∝ (V − Vt)^α / V. Dynamic energy per event scales with V² and idle (leakage) power with V
// (P = αCV²f + I_leak·V; Weste & Harris, "CMOS VLSI Design", 4th ed., §5.1).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/base/kernel_graph.h"
#include "common/config/schema.h"

namespace decodesim {

struct EnergyConfig {
  double hbm_pj_per_bit = 5.0;        ///< HBM access energy
  double sram_pj_per_64bit = 10.0;    ///< on-chip SRAM read of 64 bits (8 KB macro), 45 nm
  double int8_mul_pj = 0.2, int32_add_pj = 0.1;  ///< 45 nm
  double fp16_mul_pj = 1.1, fp32_add_pj = 0.9;   ///< 45 nm
  double vector_op_pj = 0.9;          ///< one element op on the vector unit (fp32 add), 45 nm
  double link_pj_per_bit = 0;         ///< 0: take the link's own pj_per_bit
  double node_nm = 45;                ///< process node the 45 nm energies are scaled to
  double static_w = 0;                ///< idle power per chip at the nominal clock: leakage + always-on
  double tdp_w = 0;                   ///< published TDP per chip (0: none published)
  double nominal_clock_ghz = 0;       ///< clock the idle power and voltage refer to (0: the chip's clock)
  double nominal_voltage_v = 0.75;    ///< core supply at the nominal clock
  double threshold_voltage_v = 0.35;  ///< transistor threshold voltage (alpha-power law)
  double alpha = 1.3;                 ///< velocity-saturation index (alpha-power law)

  static const config::Schema<EnergyConfig>& schema();
  void validate(const config::Node* section, const std::string& path) const;

  /// Energy of one multiply-accumulate for this operand type (mul + accumulate add), at 45 nm.
  double mac_pj(DType operand) const;
};

/// What node and clock do to the 45 nm figures (see the header comment).
struct EnergyScaling {
  double int8_mul = 1, int32_add = 1, fp16_mul = 1, fp32_add = 1, sram = 1;  ///< node factors
  double voltage_v = 0;   ///< supply at the chip's clock
  double dynamic = 1;     ///< (V / V_nominal)²
  double leakage = 1;     ///< V / V_nominal
};

/// Node factor of one event class: its 7 nm / 45 nm ratio raised to log(45/node)/log(45/7).
double node_factor(double ratio_7nm, double node_nm);
/// Supply voltage that lets the chip run at `clock_ghz` when it runs at `nominal_clock_ghz`
/// at `cfg.nominal_voltage_v` (alpha-power law, solved by bisection).
double voltage_for_clock(const EnergyConfig& cfg, double clock_ghz, double nominal_clock_ghz);
EnergyScaling energy_scaling(const EnergyConfig& cfg, double clock_ghz);

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
  double clock_ghz = 0;   ///< the chip's core clock (0: the nominal clock)
};

struct EnergyBreakdown {
  double hbm_j = 0, sram_j = 0, mac_j = 0, vector_j = 0, link_j = 0, static_j = 0;
  double seconds = 0, chips = 1;
  double idle_w = 0;             ///< idle power per chip at the run's clock
  double tdp_w = 0;              ///< published TDP per chip (0: none)
  double voltage_v = 0;          ///< supply at the run's clock
  double hbm_pj_per_byte = 0;    ///< energy to move one byte from HBM
  double sram_pj_per_byte = 0;   ///< energy to move one byte through on-chip SRAM (at the node)
  double total_j() const { return hbm_j + sram_j + mac_j + vector_j + link_j + static_j; }
  /// Average power per chip over the run (idle + dynamic).
  double average_w_per_chip() const { return seconds > 0 && chips > 0 ? total_j() / seconds / chips : 0; }
  nlohmann::json to_json() const;
};

EnergyBreakdown compute_energy(const EnergyConfig& cfg, const EnergyCounts& counts);

}  // namespace decodesim
