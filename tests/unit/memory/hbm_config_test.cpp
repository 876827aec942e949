// The `hbm:` and `dma:` sections: every shipped fragment parses, and bad input gives one
// located line naming the key, the value and what is allowed.
#include <gtest/gtest.h>

#include <functional>

#include "memory/dma/dma_engine.h"
#include "memory/hbm/hbm_config.h"

using namespace decodesim;
using namespace decodesim::memory;

namespace {

std::string error_of(const std::string& yaml) {
  try {
    const config::Node root = config::load_string(yaml, "sys.yaml");
    HbmConfig::from(root);
    DmaConfig::from(root);
  } catch (const config::InputError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    return m;
  }
  return "no error";
}

}  // namespace

TEST(HbmConfig, ShippedFragmentsParseAndDeriveGeometry) {
  for (const char* name : {"hbm2", "hbm2e", "hbm3"}) {
    const config::Node root = config::load_file(std::string(DECODESIM_SOURCE_DIR) + "/configs/components/" + name + ".yaml");
    const HbmConfig c = HbmConfig::from(root);
    EXPECT_EQ(c.burst_bytes(), 32u) << name;
    EXPECT_GT(c.rows_per_bank(), 0u) << name;
    EXPECT_NO_THROW(DmaConfig::from(root)) << name;
  }
  const HbmConfig v5e = HbmConfig::from(config::load_file(std::string(DECODESIM_SOURCE_DIR) + "/configs/components/hbm2e.yaml"));
  EXPECT_EQ(v5e.pseudo_channel_count(), 32u);
  EXPECT_EQ(v5e.capacity_bytes(), Bytes{16} << 30);
  EXPECT_EQ(v5e.burst_picos(), 1250u);
}

TEST(HbmConfig, UnknownKeyIsALocatedError) {
  EXPECT_EQ(error_of("hbm:\n  stacks: 2\n  tRCD: 14\n").rfind("sys.yaml:3:9: hbm.tRCD: unknown key, got 'tRCD', allowed one of: stacks,", 0), 0u)
      << error_of("hbm:\n  stacks: 2\n  tRCD: 14\n");
}

TEST(HbmConfig, OutOfRangeValueIsALocatedError) {
  EXPECT_EQ(error_of("hbm:\n  stacks: 0\n"), "sys.yaml:2:11: hbm.stacks: value out of range, got 0, allowed [1, 16]");
  EXPECT_EQ(error_of("dma:\n  max_outstanding: 0\n"),
            "sys.yaml:2:20: dma.max_outstanding: value out of range, got 0, allowed [1, 4096]");
  EXPECT_EQ(error_of("hbm:\n  page_policy: half\n"),
            "sys.yaml:2:16: hbm.page_policy: unknown choice, got 'half', allowed open | closed");
}

TEST(HbmConfig, InconsistentGeometryIsALocatedError) {
  // 3 stacks × 8 channels × 2 PCs × 16 banks × 1 KiB rows cannot hold exactly 16 GiB.
  EXPECT_EQ(error_of("hbm:\n  stacks: 3\n  capacity_gib: 16\n"),
            "sys.yaml:3:17: hbm.capacity_gib: inconsistent geometry: capacity must be a whole number of rows in every "
            "bank of every pseudo-channel (48 PCs × 16 banks × 1024 B), got 16, allowed a multiple of 0.000732421875 GiB");
  EXPECT_EQ(error_of("hbm:\n  channel_width_bits: 128\n  pseudo_channels: 3\n")
                .rfind("sys.yaml:3:20: hbm.pseudo_channels: must divide channel_width_bits (128), got 3", 0),
            0u);
  EXPECT_EQ(error_of("hbm:\n  interleave_bytes: 2048\n"),
            "sys.yaml:2:21: hbm.interleave_bytes: must be a multiple of the burst size and at most row_bytes, got 2048, "
            "allowed [32, 1024]");
  EXPECT_EQ(error_of("hbm:\n  tRAS_ns: 10\n"), "sys.yaml:2:12: hbm.tRAS_ns: must be at least tRCD_ns, got 10, allowed >= 14");
  EXPECT_EQ(error_of("hbm:\n  tRFC_ns: 4000\n"),
            "sys.yaml:2:12: hbm.tRFC_ns: must be shorter than tREFI_ns, got 4000, allowed < 3900");
}

TEST(HbmConfig, ExplainListsEveryKeyWithUnitAndDescription) {
  std::vector<config::ParamInfo> rows;
  HbmConfig::schema().collect("hbm", rows);
  EXPECT_GE(rows.size(), 30u);
  for (const auto& r : rows) {
    EXPECT_FALSE(r.unit.empty()) << r.key;
    EXPECT_FALSE(r.description.empty()) << r.key;
  }
}
