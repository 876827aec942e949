// HBM geometry, timing and controller policy: the `hbm:` config section.
//
// Every key is declared once in schema() (type, unit, default, range, description); the
// fragments in configs/components/hbm*.yaml give the per-generation values with sources.
// Derived quantities (peak bandwidth, burst time, capacity) are computed here and never typed in.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/units.h"
#include "common/config/schema.h"

namespace decodesim::memory {

enum class PagePolicy { Open, Closed };

/// How a physical address is split, most significant field first. The interleave block
/// (interleave_bytes) is always the least significant field and the pseudo-channel index
/// sits right above it, so consecutive blocks go to consecutive pseudo-channels.
enum class AddressMapping {
  RowBankColumnPc,  ///< row | bank | column-high | pc | column-low: a PC's bytes fill a whole row, then the next bank
  RowColumnBankPc,  ///< row | column-high | bank | pc | column-low: a PC's consecutive blocks rotate over banks
};

enum class RefreshMode { AllBank, PerBank, Off };

/// How a row's bank is chosen from the address. `None`: the bank field as it stands.
/// `Xor`: the bank field XOR the row number folded into bank-index width, so streams whose
/// addresses differ by a multiple of one bank stripe land in different banks instead of queueing
/// behind each other's row switches (permutation-based page interleaving: Z. Zhang, Z. Zhu and
/// X. Zhang, "A Permutation-based Page Interleaving Scheme to Reduce Row-buffer Conflicts and
/// Exploit Data Locality", MICRO 2000; GPU and CPU memory controllers hash bank bits this way).
enum class BankHash { None, Xor };

struct HbmConfig {
  // Geometry.
  std::uint32_t stacks = 0;
  std::uint32_t channels_per_stack = 0;
  std::uint32_t pseudo_channels = 0;   ///< per channel
  std::uint32_t bank_groups = 0;       ///< per pseudo-channel
  std::uint32_t banks_per_group = 0;
  std::uint32_t channel_width_bits = 0;
  double data_rate_gbps = 0;           ///< per pin
  std::uint32_t row_bytes = 0;         ///< row (page) size of one pseudo-channel bank
  std::uint32_t burst_length = 0;      ///< beats per column command
  double capacity_gib = 0;             ///< whole device (all stacks)

  // Timing, ns.
  double tRCD_ns = 0, tRP_ns = 0, tRAS_ns = 0, tCL_ns = 0, tWL_ns = 0, tWR_ns = 0, tRTP_ns = 0;
  double tCCD_S_ns = 0, tCCD_L_ns = 0, tRRD_S_ns = 0, tRRD_L_ns = 0, tFAW_ns = 0;
  double tRFC_ns = 0, tRFCpb_ns = 0, tREFI_ns = 0;
  double controller_latency_ns = 0;    ///< controller + PHY, added once per request

  // Policy.
  PagePolicy page_policy = PagePolicy::Open;
  AddressMapping address_mapping = AddressMapping::RowBankColumnPc;
  std::uint32_t interleave_bytes = 0;
  RefreshMode refresh = RefreshMode::AllBank;
  std::uint32_t queue_depth = 0;       ///< controller queue entries per pseudo-channel (FR-FCFS look-ahead)
  BankHash bank_hash = BankHash::Xor;

  static const config::Schema<HbmConfig>& schema();
  /// Cross-field rules (geometry must divide evenly, timings must be ordered); throws a located InputError.
  void validate(const config::Node* section, const std::string& path) const;

  /// Parses the `hbm:` section of a loaded document (defaults where keys are absent).
  static HbmConfig from(const config::Node& root, const std::string& key = "hbm");

  // Derived quantities.
  std::uint32_t pseudo_channel_count() const { return stacks * channels_per_stack * pseudo_channels; }
  std::uint32_t banks_per_pc() const { return bank_groups * banks_per_group; }
  std::uint32_t pc_width_bits() const { return channel_width_bits / pseudo_channels; }
  /// Bytes moved by one column command on one pseudo-channel.
  std::uint32_t burst_bytes() const { return pc_width_bits() * burst_length / 8; }
  /// stacks × channels × channel width × data rate.
  double peak_bytes_per_s() const;
  Bytes capacity_bytes() const;
  std::uint64_t rows_per_bank() const;
  /// Time one burst occupies the pseudo-channel data bus (burst_length beats at data_rate_gbps), rounded to ps.
  Picos burst_picos() const;
};

}  // namespace decodesim::memory
