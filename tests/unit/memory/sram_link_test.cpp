// SRAM bank timelines and link timelines against their closed forms (the collectives over link
// modules: link_module_test.cpp).
#include <gtest/gtest.h>

#include "common/config/node.h"
#include "memory/link/link.h"
#include "memory/sram/sram.h"

using namespace decodesim;
using namespace decodesim::memory;

namespace {

SramConfig sram_cfg() {
  SramConfig c;
  c.capacity_bytes = 1 << 20;
  c.banks = 8;
  c.bank_width_bytes = 64;
  c.ports = 1;
  c.clock_ghz = 1.0;
  c.latency_cycles = 2;
  return c;
}

LinkConfig link_cfg() {
  LinkConfig c;
  c.bandwidth_gbytes_per_s = 50.0;  // TPU v5e ICI, one way per link (Google Cloud TPU v5e docs)
  c.latency_ns = 1000.0;
  c.per_hop_ns = 100.0;
  c.links_per_chip = 4;
  c.pj_per_bit = 5.0;
  return c;
}

}  // namespace

TEST(Sram, FullWidthAccessTakesOneCyclePerRoundOfBanks) {
  Sram s("vmem", sram_cfg());
  // 8 banks × 64 B = 512 B per cycle: 4096 B = 8 rounds, + 2 cycles latency, at 1 GHz.
  EXPECT_EQ(s.access(0, 4096, false, 0), Picos{(8 + 2) * 1000});
  EXPECT_EQ(s.read_accesses(), 64u);
  // A second access arriving at once waits for the banks.
  EXPECT_EQ(s.access(0, 512, true, 0), Picos{(8 + 1 + 2) * 1000});
  EXPECT_EQ(s.write_accesses(), 8u);
  EXPECT_EQ(s.bytes_read() + s.bytes_written(), 4096u + 512u);
}

TEST(Sram, SingleBankStrideIsSerialised) {
  Sram s("vmem", sram_cfg());
  Picos done = 0;
  for (int i = 0; i < 4; ++i) done = s.access(Bytes(i) * 8 * 64, 64, false, 0);  // all in bank 0
  EXPECT_EQ(done, Picos{(4 + 2) * 1000});
  EXPECT_GT(s.stats().get("bank_wait"), 0);
}

TEST(Sram, ConfigRejectsCapacityThatIsNotWholeWords) {
  const config::Node root = config::load_string("vmem:\n  capacity_bytes: 1000000\n", "s.yaml");
  try {
    SramConfig::from(root, "vmem");
    FAIL() << "no error";
  } catch (const config::InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("s.yaml:2:19: vmem.capacity_bytes: must be a whole number of words", 0), 0u)
        << e.what();
  }
}

TEST(Link, SerialisesMessagesAndAddsLatencyPerHop) {
  Link l("ici", link_cfg());
  // 50 GB/s = 50 B/ns: 5000 B take 100 ns on the wire.
  EXPECT_EQ(l.transfer(5000, 0, 1), Picos{100'000 + 1'000'000 + 100'000});
  EXPECT_EQ(l.transfer(5000, 0, 3), Picos{200'000 + 1'000'000 + 300'000});  // waits for the first
  EXPECT_EQ(l.bytes(), 10000u);
  EXPECT_DOUBLE_EQ(l.energy_pj(), 10000.0 * 8 * 5.0);
}
