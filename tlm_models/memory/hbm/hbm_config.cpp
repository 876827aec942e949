#include "memory/hbm/hbm_config.h"

#include <cmath>

namespace decodesim::memory {

using config::Check;

// Defaults are HBM2E (TPU v5e-like, configs/components/hbm2e.yaml); the fragments carry the sources.
const config::Schema<HbmConfig>& HbmConfig::schema() {
  using C = HbmConfig;
  static const config::Schema<C> s =
      config::Schema<C>("HBM geometry, timing and controller policy")
          .num("stacks", &C::stacks, "count", 2u, 1u, 16u, "HBM stacks on the package")
          .num("channels_per_stack", &C::channels_per_stack, "count", 8u, 1u, 32u, "independent channels per stack")
          .num("pseudo_channels", &C::pseudo_channels, "count", 2u, 1u, 4u,
               "pseudo-channels per channel (each has its own banks and half the channel's pins)")
          .num("bank_groups", &C::bank_groups, "count", 4u, 1u, 16u, "bank groups per pseudo-channel")
          .num("banks_per_group", &C::banks_per_group, "count", 4u, 1u, 16u, "banks per bank group")
          .num("channel_width_bits", &C::channel_width_bits, "bit", 128u, 16u, 1024u, "data pins per channel",
               Check::PowerOfTwo)
          .num("data_rate_gbps", &C::data_rate_gbps, "Gbit/s", 3.2, 0.1, 20.0, "data rate per pin")
          .num("row_bytes", &C::row_bytes, "B", 1024u, 64u, 65536u, "row (page) size of a pseudo-channel bank",
               Check::PowerOfTwo)
          .num("burst_length", &C::burst_length, "beats", 4u, 1u, 32u, "beats per column command", Check::PowerOfTwo)
          .num("capacity_gib", &C::capacity_gib, "GiB", 16.0, 0.001, 4096.0, "capacity of the whole device")
          .num("tRCD_ns", &C::tRCD_ns, "ns", 14.0, 0.0, 1000.0, "ACT to column command")
          .num("tRP_ns", &C::tRP_ns, "ns", 14.0, 0.0, 1000.0, "precharge to ACT")
          .num("tRAS_ns", &C::tRAS_ns, "ns", 33.0, 0.0, 1000.0, "ACT to precharge, minimum")
          .num("tCL_ns", &C::tCL_ns, "ns", 14.0, 0.0, 1000.0, "read command to first data beat")
          .num("tWL_ns", &C::tWL_ns, "ns", 4.0, 0.0, 1000.0, "write command to first data beat")
          .num("tWR_ns", &C::tWR_ns, "ns", 16.0, 0.0, 1000.0, "end of write data to precharge")
          .num("tRTP_ns", &C::tRTP_ns, "ns", 5.0, 0.0, 1000.0, "read command to precharge")
          .num("tCCD_S_ns", &C::tCCD_S_ns, "ns", 1.25, 0.0, 100.0,
               "column command to column command, different bank group (the bus slot is max(this, burst time))")
          .num("tCCD_L_ns", &C::tCCD_L_ns, "ns", 2.5, 0.0, 100.0, "column command to column command, same bank group")
          .num("tRRD_S_ns", &C::tRRD_S_ns, "ns", 4.0, 0.0, 1000.0, "ACT to ACT, different bank group")
          .num("tRRD_L_ns", &C::tRRD_L_ns, "ns", 6.0, 0.0, 1000.0, "ACT to ACT, same bank group")
          .num("tFAW_ns", &C::tFAW_ns, "ns", 16.0, 0.0, 1000.0, "window in which at most four ACTs may issue")
          .num("tRFC_ns", &C::tRFC_ns, "ns", 350.0, 1.0, 10000.0, "all-bank refresh cycle time")
          .num("tRFCpb_ns", &C::tRFCpb_ns, "ns", 160.0, 1.0, 10000.0, "per-bank refresh cycle time")
          .num("tREFI_ns", &C::tREFI_ns, "ns", 3900.0, 100.0, 100000.0,
               "refresh interval (per pseudo-channel in all_bank mode, per bank in per_bank mode)")
          .num("controller_latency_ns", &C::controller_latency_ns, "ns", 10.0, 0.0, 10000.0,
               "fixed controller + PHY latency added once to every request")
          .choice("page_policy", &C::page_policy, {{"open", PagePolicy::Open}, {"closed", PagePolicy::Closed}},
                  PagePolicy::Open, "open: rows stay open until a conflict or refresh; closed: auto-precharge")
          .choice("address_mapping", &C::address_mapping,
                  {{"row_bank_column_pc", AddressMapping::RowBankColumnPc},
                   {"row_column_bank_pc", AddressMapping::RowColumnBankPc}},
                  AddressMapping::RowBankColumnPc, "address fields, most significant first (see memory/hbm/README.md)")
          .num("interleave_bytes", &C::interleave_bytes, "B", 256u, 32u, 65536u,
               "contiguous bytes on one pseudo-channel before the next", Check::PowerOfTwo)
          .choice("bank_hash", &C::bank_hash, {{"xor", BankHash::Xor}, {"none", BankHash::None}}, BankHash::Xor,
                  "xor: bank = bank field XOR the row folded to bank width (permutation interleaving, as "
                  "memory controllers hash); none: the plain bank field, where streams a bank stripe apart "
                  "camp on one bank")
          .choice("refresh", &C::refresh,
                  {{"all_bank", RefreshMode::AllBank}, {"per_bank", RefreshMode::PerBank}, {"off", RefreshMode::Off}},
                  RefreshMode::AllBank, "refresh mode")
          .num("queue_depth", &C::queue_depth, "entries", 32u, 1u, 1024u,
               "controller queue per pseudo-channel: row runs the scheduler may reorder among");
  return s;
}

void HbmConfig::validate(const config::Node* n, const std::string& path) const {
  using config::fail_at;
  auto str = [](auto v) { return config::detail::to_text(v); };
  if (channel_width_bits % pseudo_channels != 0)
    fail_at(n, path, "pseudo_channels", "must divide channel_width_bits (" + str(channel_width_bits) + ")",
            str(pseudo_channels), "a divisor of channel_width_bits");
  if ((pc_width_bits() * burst_length) % 8 != 0)
    fail_at(n, path, "burst_length", "a burst must be whole bytes (pseudo-channel width × burst_length / 8)",
            str(burst_length), "pc width × burst_length divisible by 8");
  if (row_bytes % burst_bytes() != 0)
    fail_at(n, path, "row_bytes", "must be a multiple of the burst size (" + str(burst_bytes()) + " B)",
            str(row_bytes), "a multiple of " + str(burst_bytes()));
  if (interleave_bytes % burst_bytes() != 0 || interleave_bytes > row_bytes)
    fail_at(n, path, "interleave_bytes", "must be a multiple of the burst size and at most row_bytes",
            str(interleave_bytes), "[" + str(burst_bytes()) + ", " + str(row_bytes) + "]");
  const double cap = capacity_gib * 1073741824.0;
  const double row_set = static_cast<double>(pseudo_channel_count()) * banks_per_pc() * row_bytes;
  if (std::fabs(cap - std::round(cap)) > 0.5 || std::fmod(std::round(cap), row_set) != 0.0 || cap < row_set)
    fail_at(n, path, "capacity_gib",
            "inconsistent geometry: capacity must be a whole number of rows in every bank of every pseudo-channel (" +
                str(pseudo_channel_count()) + " PCs × " + str(banks_per_pc()) + " banks × " + str(row_bytes) + " B)",
            str(capacity_gib), "a multiple of " + str(row_set / 1073741824.0) + " GiB");
  if (tRAS_ns < tRCD_ns) fail_at(n, path, "tRAS_ns", "must be at least tRCD_ns", str(tRAS_ns), ">= " + str(tRCD_ns));
  if (tCCD_L_ns < tCCD_S_ns)
    fail_at(n, path, "tCCD_L_ns", "must be at least tCCD_S_ns", str(tCCD_L_ns), ">= " + str(tCCD_S_ns));
  if (tRRD_L_ns < tRRD_S_ns)
    fail_at(n, path, "tRRD_L_ns", "must be at least tRRD_S_ns", str(tRRD_L_ns), ">= " + str(tRRD_S_ns));
  if (tFAW_ns < tRRD_S_ns) fail_at(n, path, "tFAW_ns", "must be at least tRRD_S_ns", str(tFAW_ns), ">= " + str(tRRD_S_ns));
  if (refresh == RefreshMode::AllBank && tRFC_ns >= tREFI_ns)
    fail_at(n, path, "tRFC_ns", "must be shorter than tREFI_ns", str(tRFC_ns), "< " + str(tREFI_ns));
  const std::uint32_t banks = banks_per_pc();
  if (bank_hash == BankHash::Xor && (banks & (banks - 1)) != 0)
    fail_at(n, path, "bank_hash", "xor needs a power-of-two bank count per pseudo-channel (bank_groups × banks_per_group = " +
                                      str(banks) + ")",
            "xor", "none, or a power-of-two bank count");
  if (refresh == RefreshMode::PerBank && tRFCpb_ns >= tREFI_ns)
    fail_at(n, path, "tRFCpb_ns", "must be shorter than tREFI_ns", str(tRFCpb_ns), "< " + str(tREFI_ns));
}

HbmConfig HbmConfig::from(const config::Node& root, const std::string& key) {
  HbmConfig c;
  schema().read(root.find(key), key, c);
  return c;
}

double HbmConfig::peak_bytes_per_s() const {
  return static_cast<double>(stacks) * channels_per_stack * channel_width_bits / 8.0 * data_rate_gbps * 1e9;
}

Bytes HbmConfig::capacity_bytes() const { return static_cast<Bytes>(std::llround(capacity_gib * 1073741824.0)); }

std::uint64_t HbmConfig::rows_per_bank() const {
  return capacity_bytes() / (static_cast<Bytes>(pseudo_channel_count()) * banks_per_pc() * row_bytes);
}

Picos HbmConfig::burst_picos() const { return static_cast<Picos>(std::llround(burst_length * 1000.0 / data_rate_gbps)); }

}  // namespace decodesim::memory
