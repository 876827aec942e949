// VMEM as a TLM target: memory::SramTarget behind memory::SramPort serves exactly what the bank
// timelines (memory::Sram) compute, in LT and AT, through the base-protocol checker; an access
// that would arrive before SystemC time is refused, never served late. One TEST per process.
#include <gtest/gtest.h>

#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>

#include <functional>
#include <memory>
#include <stdexcept>

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
