// Collectives as messages over link modules, sent through one chip's outgoing link ports.
//
// Every participant of a ring (or of a torus dimension) runs the same schedule at the same
// time, sending equal pieces to its neighbour, so all links carry identical traffic with
// identical timing. Simulating chip 0's outgoing link is therefore exact, not an approximation:
// chip 0 receives step k's data from its neighbour at exactly the time its own step-k send lands.
// The time of every step is the link module's answer (its bandwidth, latency and per-hop cost).
#pragma once

#include <cstdint>
#include <vector>

#include "memory/link/link_module.h"

namespace decodesim::memory {

/// Ring all-reduce of `bytes` over `participants` chips: reduce-scatter then all-gather,
/// 2(p-1) steps each sending ceil(bytes/p) one hop; a step starts when the previous step's
/// piece has arrived. Returns the completion time.
///   T = 2(p-1) × (ser(ceil(bytes/p)) + latency + per_hop)
Picos ring_all_reduce(LinkPort& link, Bytes bytes, std::uint32_t participants, Picos start);

/// All-reduce on a torus of full-duplex links (dims = {x} or {x, y}; TPU ICI, NeuronLink), run
/// as XLA runs it so that every port of the chip carries traffic at once:
/// - each ring along a dimension is bidirectional: half of every piece goes round each way,
///   on the +d and -d links at once (`x`, `y` each stand for their two identical directions);
/// - the payload is split in two halves that run the dimension-ordered algorithm in opposite
///   orders at the same time: one reduce-scatters along x, all-reduces its x-share along y and
///   all-gathers along x; the other does the same with y and x swapped.
/// Messages of the two halves share the links in the order they become ready. dims = {x} is a
/// bidirectional ring all-reduce on `x` (`y` unused, may be null). The chip sends twice what
/// each module carries (both directions). Throws std::invalid_argument for other dim counts or
/// a missing y link.
/// (Austin et al., "How to Scale Your Model", Google DeepMind 2025, part 3: collectives over
/// bidirectional ICI rings, and over several torus axes at once, use all their links.)
Picos torus_all_reduce(LinkPort& x, LinkPort* y, Bytes bytes, const std::vector<std::uint32_t>& dims, Picos start);

/// All-reduce on a full mesh (every chip linked directly to every other, e.g. HCCS between the
/// eight NPUs of a server): reduce-scatter, then all-gather, each one step in which a chip sends
/// ceil(bytes/p) to each of its p-1 peers at once, over p-1 distinct links. `link` stands for
/// each of those identical parallel links (it carries one of the p-1 pieces); the chip puts
/// p-1 times its bytes on the wires.
///   T = 2 × (ser(ceil(bytes/p)) + latency + per_hop)
Picos mesh_all_reduce(LinkPort& link, Bytes bytes, std::uint32_t participants, Picos start);

/// PyTorch's intra-node one-shot all-reduce (c10d IntraNodeComm's oneShotAllReduce, which
/// gpt-fast's tensor-parallel runs take with ENABLE_INTRA_NODE_COMM=1): each chip copies its
/// input into a buffer every peer maps, writes a flag into every peer's barrier and waits for
/// all of theirs, then loads the p-1 peers' whole buffers and sums them. Three crossings one
/// after another: the 4 B flag, the loads' requests (one 16 B NVLink flit), and the data, all
/// p-1 buffers at once into the chip, spread over its `links` identical links (1: the chip's one
/// port into a switch; p-1 on a full mesh, one per peer). `link` stands for each of them; every
/// chip does the same at the same time.
///   T = 3 × (latency + per_hop) + ser(4) + ser(16) + ser(ceil((p-1) × bytes / links))
/// It trades bytes for steps: (p-1)·bytes cross per chip against the schedules' 2(p-1)/p·bytes,
/// in 3 latencies against a ring's 2(p-1).
Picos one_shot_all_reduce(LinkPort& link, Bytes bytes, std::uint32_t participants, std::uint32_t links, Picos start);

/// PyTorch takes the one-shot up to this message size (kOneShotThreshBytes in
/// torch/csrc/distributed/c10d/symm_mem/intra_node_comm.cu); above it, bandwidth-optimal schedules.
constexpr Bytes kOneShotMaxBytes = 256 * 1024;

/// The reduce-scatter or all-gather half of a ring: p-1 steps of ceil(bytes/p).
Picos ring_half(LinkPort& link, Bytes bytes, std::uint32_t participants, Picos start);

}  // namespace decodesim::memory
