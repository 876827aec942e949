// SRAM bank timelines and link timelines against their closed forms (the collectives over link
// modules: link_module_test.cpp); VMEM as a TLM target (memory::SramTarget behind
// memory::SramPort) serving exactly what the bank timelines compute, in LT and AT, through the
// base-protocol checker, and refusing an access that would arrive before SystemC time.
#include <gtest/gtest.h>

#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>

#include <functional>
#include <memory>
#include <stdexcept>

#include "common/config/node.h"
#include "memory/link/link.h"
#include "memory/sram/sram.h"
#include "memory/sram/sram_target.h"

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

/// A port bound to a target (through a checker), and a thread that runs `body`.
struct Rig : sc_core::sc_module {
  SramTarget vmem;
  SramPort port;
  std::unique_ptr<ProtocolChecker> checker;
  std::function<void(Rig&)> body;
  Rig(sc_core::sc_module_name n, TlmMode mode, std::function<void(Rig&)> b)
      : sc_core::sc_module(n), vmem("vmem", sram_cfg()), port("port", TlmSettings{mode, 1000, true}, 4096),
        body(std::move(b)) {
    bind_sram(port, vmem, TlmSettings{mode, 1000, true}, checker);
    sc_core::sc_spawn([this] { body(*this); }, "run");
  }
};

void matches_bank_model(TlmMode mode) {
  Sram ref("ref", sram_cfg());
  std::vector<std::pair<Picos, Picos>> got;  // (through the socket, bank model)
  Rig rig("rig", mode, [&](Rig& r) {
    // Same bank twice, a wide access, an unaligned one, a write: later arrivals, some earlier
    // than the previous completion (bank conflicts).
    const struct { Bytes addr, len; bool write; Picos at; } acc[] = {
        {0, 64, false, 0}, {512, 64, false, 100}, {0, 4096, false, 2000}, {100, 300, true, 2500}, {64, 64, false, 9000}};
    for (const auto& a : acc) got.emplace_back(r.port.access(a.addr, a.len, a.write, a.at), ref.access(a.addr, a.len, a.write, a.at));
  });
  sc_core::sc_start();
  ASSERT_EQ(got.size(), 5u);
  for (const auto& [socket, model] : got) EXPECT_EQ(socket, model);
  EXPECT_EQ(rig.vmem.bytes_served(), ref.bytes_read() + ref.bytes_written());
  EXPECT_GT(rig.checker->transactions(), 0u);
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

TEST(SramTarget, LtServesWhatTheBankTimelinesCompute) { matches_bank_model(TlmMode::Lt); }
TEST(SramTarget, AtServesWhatTheBankTimelinesCompute) { matches_bank_model(TlmMode::At); }

TEST(SramTarget, AnAccessBeforeSystemCTimeIsRefusedNotServedLate) {
  bool refused = false;
  Rig rig("rig", TlmMode::Lt, [&](Rig& r) {
    sc_core::wait(sc_core::sc_time(10, sc_core::SC_NS));
    try {
      r.port.access(0, 64, false, 5000);  // 5 ns: before SystemC time (10 ns)
    } catch (const std::logic_error&) {
      refused = true;
    }
  });
  sc_core::sc_start();
  EXPECT_TRUE(refused);
}

TEST(SramTarget, PastCapacityIsAnAddressError) {
  bool failed = false;
  Rig rig("rig", TlmMode::Lt, [&](Rig& r) {
    try {
      r.port.access((1 << 20) - 32, 64, false, 0);
    } catch (const std::runtime_error& e) {
      failed = std::string(e.what()).find("Address error") != std::string::npos ||
               std::string(e.what()).find("ADDRESS_ERROR") != std::string::npos;
    }
  });
  sc_core::sc_start();
  EXPECT_TRUE(failed);
}
