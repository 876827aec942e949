// Links as modules: a message's time is the link module's answer (bytes / bandwidth + latency +
// hops × per_hop), and the ring / torus all-reduce, sent through a chip's LinkPort into a
// LinkModule, take the time their closed forms say from the module's config.
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <gtest/gtest.h>

#include <systemc>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "memory/link/collective.h"
#include "memory/link/link_module.h"

using namespace decodesim;
using namespace decodesim::memory;

namespace {

LinkConfig link_cfg() {
  LinkConfig c;
  c.bandwidth_gbytes_per_s = 50.0;  // TPU v5e ICI, one way per link (Google Cloud TPU v5e docs)
  c.latency_ns = 1000.0;
  c.per_hop_ns = 100.0;
  c.links_per_chip = 4;
  c.pj_per_bit = 5.0;
  return c;
}

/// A sending chip's port bound to one link module (and, for the torus, a second pair).
struct LinkRig : sc_core::sc_module {
  LinkPort port_x, port_y;
  LinkModule link_x, link_y;
  explicit LinkRig(sc_core::sc_module_name n)
      : sc_module(n),
        port_x("port_x"),
        port_y("port_y"),
        link_x("link_x", link_cfg(), "rig.link_x"),
        link_y("link_y", link_cfg(), "rig.link_y") {
    // Connect
    port_x.socket.bind(link_x.target);
    port_y.socket.bind(link_y.target);
  }
};

/// A receiving chip: when the last byte of the latest message arrived, its size and address.
struct Receiver : sc_core::sc_module {
  tlm_utils::simple_target_socket<Receiver> in;
  Picos arrived = 0;
  Bytes bytes = 0;
  std::uint64_t address = 0;
  explicit Receiver(sc_core::sc_module_name n) : sc_module(n), in("in") {
    in.register_b_transport(this, &Receiver::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& d) {
    arrived = static_cast<Picos>((sc_core::sc_time_stamp() + d).value() / sc_core::sc_time(1, sc_core::SC_PS).value());
    bytes = p.get_data_length();
    address = p.get_address();
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

/// Runs `body` as the rig's SC thread to completion.
template <class F>
void run(F body) {
  sc_core::sc_spawn(body);
  sc_core::sc_start();
}

}  // namespace

TEST(LinkModule, MessageTimeIsSerialisationPlusLatencyPerHopThroughTheSocket) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  LinkRig rig("rig");
  Picos first = 0, second = 0;
  run([&] {
    // 50 GB/s = 50 B/ns: 5000 B take 100 ns on the wire.
    first = rig.port_x.send(5000, 0, 1);
    second = rig.port_x.send(5000, 0, 3);  // serialised behind the first
  });
  EXPECT_EQ(first, Picos{100'000 + 1'000'000 + 100'000});
  EXPECT_EQ(second, Picos{200'000 + 1'000'000 + 300'000});
  EXPECT_EQ(rig.link_x.bytes(), 10000u);
  EXPECT_EQ(rig.link_x.messages(), 2u);
  EXPECT_EQ(rig.port_x.bytes_sent(), 10000u);
  EXPECT_EQ(rig.link_x.stats().name(), "rig.link_x");
}

TEST(LinkModule, RingAllReduceTakesItsClosedFormFromTheModulesConfig) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  LinkRig rig("rig");
  const LinkConfig c = rig.link_x.config();
  const Bytes bytes = 8 << 20;
  const std::uint32_t p = 8;
  Picos t = 0, one = 0;
  run([&] {
    t = ring_all_reduce(rig.port_x, bytes, p, 0);
    one = ring_all_reduce(rig.port_y, bytes, 1, 42);
  });
  const Bytes piece = (bytes + p - 1) / p;
  const Picos step = c.serialization(piece) + ns_to_picos(c.latency_ns) + ns_to_picos(c.per_hop_ns);
  EXPECT_EQ(t, 2 * (p - 1) * step);
  EXPECT_EQ(rig.link_x.bytes(), 2 * (p - 1) * piece);
  EXPECT_EQ(one, 42u) << "one participant sends nothing";
  EXPECT_EQ(rig.link_y.messages(), 0u);
}

TEST(LinkModule, MeshAllReduceIsTwoStepsOfOnePiecePerPeerLink) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  LinkRig rig("rig");
  const LinkConfig c = rig.link_x.config();
  const Bytes bytes = 8 << 20;
  const std::uint32_t p = 8;
  Picos mesh = 0, ring = 0;
  run([&] {
    mesh = mesh_all_reduce(rig.port_x, bytes, p, 0);
    ring = ring_all_reduce(rig.port_y, bytes, p, 0);
  });
  const Bytes piece = (bytes + p - 1) / p;
  const Picos step = c.serialization(piece) + ns_to_picos(c.latency_ns) + ns_to_picos(c.per_hop_ns);
  EXPECT_EQ(mesh, 2 * step) << "reduce-scatter and all-gather, each one message per peer link at once";
  EXPECT_EQ(rig.link_x.bytes(), 2 * piece) << "the module stands for one of the p-1 parallel links";
  EXPECT_EQ(ring, (p - 1) * mesh) << "the ring takes p-1 times the mesh's steps";
}

TEST(LinkModule, OneShotTradesBytesForSteps) {
  // A decode all-reduce is a few KB: the one-shot's 3 crossings beat the ring's 2(p-1) steps,
  // although each chip loads (p-1) whole buffers; a large message reverses the trade.
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  LinkRig rig("rig");
  const LinkConfig c = rig.link_x.config();
  const std::uint32_t p = 8;
  const Bytes small = 8192, large = 8 << 20;
  Picos one = 0, ring = 0, one_large = 0, ring_large = 0;
  Bytes small_bytes = 0;
  run([&] {
    one = one_shot_all_reduce(rig.port_x, small, p, 1, 0);
    ring = ring_all_reduce(rig.port_y, small, p, 0);
    small_bytes = rig.link_x.bytes();
    // The large pair starts once both links are idle again.
    const Picos t0 = std::max(one, ring);
    one_large = one_shot_all_reduce(rig.port_x, large, p, 1, t0) - t0;
    ring_large = ring_all_reduce(rig.port_y, large, p, t0) - t0;
  });
  const Picos hop = ns_to_picos(c.latency_ns) + ns_to_picos(c.per_hop_ns);
  EXPECT_EQ(one, 3 * hop + c.serialization(4) + c.serialization(16) + c.serialization((p - 1) * small))
      << "flag, load request, then every peer's buffer";
  EXPECT_EQ(small_bytes, 4 + 16 + (p - 1) * small);
  EXPECT_LT(one, ring);
  EXPECT_GT(one_large, ring_large) << "(p-1) x 8 MiB through one port outlasts the ring's 2(p-1)/p x 8 MiB";
}

TEST(LinkModule, OneShotOnAMeshLoadsEachPeerOverItsOwnLink) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  LinkRig rig("rig");
  const LinkConfig c = rig.link_x.config();
  const std::uint32_t p = 8;
  const Bytes bytes = 1 << 20;
  Picos mesh = 0, sw = 0;
  run([&] {
    mesh = one_shot_all_reduce(rig.port_x, bytes, p, p - 1, 0);
    sw = one_shot_all_reduce(rig.port_y, bytes, p, 1, 0);
  });
  const Picos hop = ns_to_picos(c.latency_ns) + ns_to_picos(c.per_hop_ns);
  EXPECT_EQ(mesh, 3 * hop + c.serialization(4) + c.serialization(16) + c.serialization(bytes))
      << "one peer's buffer on each of the p-1 links";
  EXPECT_EQ(sw - mesh, c.serialization((p - 1) * bytes) - c.serialization(bytes));
}

TEST(LinkModule, TorusRingIsBidirectionalHalfOfEachPieceEachWay) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  LinkRig rig("rig");
  const LinkConfig c = link_cfg();
  const Bytes bytes = 8 << 20;
  Picos t = 0;
  run([&] { t = torus_all_reduce(rig.port_x, nullptr, bytes, {4}, 0); });
  const Bytes piece = bytes / 8;  // a quarter of the payload, half of it each way round
  const Picos hop = ns_to_picos(c.latency_ns) + ns_to_picos(c.per_hop_ns);
  EXPECT_EQ(t, 6 * (c.serialization(piece) + hop));
  EXPECT_EQ(rig.link_x.bytes(), 6 * piece) << "one direction's link; the other carries the same";
}

TEST(LinkModule, SquareTorusRunsBothDimensionOrdersAtOnceWithoutContention) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  LinkRig rig("rig");
  const LinkConfig c = link_cfg();
  const Bytes bytes = 8 << 20;
  Picos t = 0;
  run([&] { t = torus_all_reduce(rig.port_x, &rig.port_y, bytes, {4, 4}, 0); });
  // Each half (4 MiB) reduce-scatters along its first dimension (3 steps of 4 MiB / 8), all-reduces
  // its quarter along the other (6 steps of 1 MiB / 8), all-gathers (3 steps); the two halves
  // are on different links in every phase.
  const Picos hop = ns_to_picos(c.latency_ns) + ns_to_picos(c.per_hop_ns);
  const Bytes rs = (4 << 20) / 8, ar = (1 << 20) / 8;
  EXPECT_EQ(t, 6 * (c.serialization(rs) + hop) + 6 * (c.serialization(ar) + hop));
  EXPECT_EQ(rig.link_x.bytes(), 6 * rs + 6 * ar);
  EXPECT_EQ(rig.link_y.bytes(), 6 * rs + 6 * ar);
}

TEST(LinkModule, RectangularTorusSharesLinksBetweenTheHalvesAndStaysAboveItsBound) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  LinkRig rig("rig");
  const LinkConfig c = link_cfg();
  const Bytes bytes = 8 << 20;
  Picos t = 0;
  bool threw = false;
  run([&] {
    t = torus_all_reduce(rig.port_x, &rig.port_y, bytes, {4, 2}, 0);
    try {
      torus_all_reduce(rig.port_x, &rig.port_y, bytes, {2, 2, 2}, t);
    } catch (const std::invalid_argument&) {
      threw = true;
    }
  });
  // Half A (x first): 6 x 512 KiB on x, 2 x 256 KiB on y; half B (y first): 2 x 1 MiB on y,
  // 6 x 256 KiB on x.
  const Bytes xb = 6 * (512 << 10) + 6 * (256 << 10), yb = 2 * (256 << 10) + 2 * (1 << 20);
  EXPECT_EQ(rig.link_x.bytes(), xb);
  EXPECT_EQ(rig.link_y.bytes(), yb);
  const Picos hop = ns_to_picos(c.latency_ns) + ns_to_picos(c.per_hop_ns);
  EXPECT_GE(t, c.serialization(xb)) << "the busier link serialises all it carries";
  EXPECT_GE(t, 8 * hop) << "each half is eight dependent steps";
  // The one-direction, one-order algorithm this replaces: 3 + 2 + 3 steps of 2 MiB, 1 MiB, 2 MiB.
  const Picos one_way = 6 * (c.serialization(2 << 20) + hop) + 2 * (c.serialization(1 << 20) + hop);
  EXPECT_LT(t, one_way / 2);
  EXPECT_TRUE(threw);
}

TEST(LinkModule, HandsTheMessageOnToTheFarChipWithItsArrivalTime) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  LinkRig rig("rig");
  Receiver far("far");
  rig.link_x.far.bind(far.in);
  Picos done = 0;
  run([&] { done = rig.port_x.send(5000, 0, 1); });
  EXPECT_EQ(far.bytes, 5000u);
  EXPECT_EQ(far.arrived, done);
  EXPECT_EQ(done, Picos{100'000 + 1'000'000 + 100'000});
}

TEST(LinkModule, RoutesEachMessageToTheFarBindingItsAddressNames) {
  // One module type serves ICI, NVLink and the LPU's C2C ports: a link with several receivers
  // (an LPU chip's global ports reach the next stage and the next node) picks the binding by the
  // address's top byte and passes the rest of the address on; a route it lacks is refused.
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  struct Sender : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Sender> out;
    explicit Sender(sc_core::sc_module_name n) : sc_module(n), out("out") {}
  };
  Sender sender("sender");
  LinkModule link("link", link_cfg(), "sender.link");
  Receiver first("first"), second("second");
  sender.out.bind(link.target);
  link.far.bind(first.in);
  link.far.bind(second.in);
  tlm::tlm_response_status routed = tlm::TLM_INCOMPLETE_RESPONSE, missing = tlm::TLM_INCOMPLETE_RESPONSE;
  run([&] {
    unsigned char scratch = 0;
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_WRITE_COMMAND);
    p.set_data_ptr(&scratch);
    p.set_data_length(5000);
    p.set_streaming_width(5000);
    p.set_address(link_address(1, 42));
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    sender.out->b_transport(p, delay);
    routed = p.get_response_status();
    p.set_address(link_address(2, 42));
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sender.out->b_transport(p, delay);
    missing = p.get_response_status();
  });
  EXPECT_EQ(routed, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(second.bytes, 5000u);
  EXPECT_EQ(second.address, link_address(1, 42));
  EXPECT_EQ(link_route(second.address), 1u);
  EXPECT_EQ(second.arrived, Picos{100'000 + 1'000'000 + 100'000});
  EXPECT_EQ(first.bytes, 0u) << "route 1 is the second binding only";
  EXPECT_EQ(missing, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(link.messages(), 1u) << "a refused message does not occupy the link";
}
