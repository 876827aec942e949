#include "lpu/lpu_schedule.h"

#include <algorithm>
#include <array>

#include "matmul/tile_stream.h"

namespace decodesim::lpu {

const char* unit_name(Unit u) {
  switch (u) {
    case Unit::Mem: return "mem";
    case Unit::Mxm: return "mxm";
    case Unit::Vxm: return "vxm";
    case Unit::Sxm: return "sxm";
    case Unit::C2c: return "c2c";
  }
  return "?";
}

const char* opcode_name(const UnitEvent& e) {
  switch (e.port) {
    case Port::Peer: return "C2C_EXCHANGE";
    case Port::Across: return "C2C_EXCHANGE_GLOBAL";
    case Port::Next: return "C2C_SEND";
    case Port::None: break;
  }
  switch (e.unit) {
    case Unit::Mem: return "MEM";
    case Unit::Mxm: return "MXM";
    case Unit::Vxm: return "VXM";
    case Unit::Sxm: return "SXM";
    case Unit::C2c: return "C2C";
  }
  return "?";
}

void PathParts::add(const PathParts& o) {
  weight_stream += o.weight_stream;
  mxm += o.mxm;
  vxm += o.vxm;
  sxm += o.sxm;
  stream_transit += o.stream_transit;
  mem += o.mem;
  c2c += o.c2c;
  pipeline_fill += o.pipeline_fill;
}

Picos PathParts::total() const { return items().sum(); }

TimeBreakdown PathParts::items() const {
  return {PartsRelation::Partition,
          {{TimePart::WeightStream, weight_stream},
           {TimePart::Mxm, mxm},
           {TimePart::Vxm, vxm},
           {TimePart::Sxm, sxm},
           {TimePart::StreamTransit, stream_transit},
           {TimePart::Mem, mem},
           {TimePart::C2c, c2c},
           {TimePart::PipelineFill, pipeline_fill}}};
}

/// Per-kernel busy times and path shares, folded into its KernelRecord.
struct ChipScheduler::Acc {
  Picos mxm_busy = 0, install = 0, stream = 0, weight_wait = 0, vxm = 0, sxm = 0, mem = 0, link = 0;
  Picos first_activity = ~Picos{0};
  Bytes sram = 0, link_bytes = 0;
  double macs = 0, vector_ops = 0;
  PathParts path;
  void active(Picos t) { first_activity = std::min(first_activity, t); }
};

ChipScheduler::ChipScheduler(const LpuConfig& cfg, const memory::LinkConfig& link, std::uint32_t chip,
                             std::uint32_t group, const std::string& where)
    : m_cfg(cfg),
      m_clock(cfg.clock_ghz),
      m_chip(chip),
      m_group(group),
      m_core(matmul::make_matmul_core(cfg.matmul, cfg.geometry(), where, cfg.clock_ghz)),
      m_peer("peer", link),
      m_global("global", link),
      m_transit(m_clock.to_picos(cfg.hemisphere_transit_cycles())),
      m_mem(cfg) {}

Picos ChipScheduler::matmul(const std::string& name, std::uint64_t m, std::uint64_t k, std::uint64_t n,
                            std::uint64_t groups, Bytes bytes, Picos ready, Acc& acc) {
  // Tiles are cut to one slot band (rows / install_streams rows) and dealt over every band of
  // every plane, shape by shape (matmul::deal_tiles). Each array streams its share back to back
  // from idle through the core in the slot: every tile is counted there (on the Verilated
  // array in rtl mode), fill, install and drain included.
  const std::uint32_t P = m_cfg.arrays();
  const std::vector<matmul::TileSplit> plane =
      matmul::deal_tiles(matmul::split_tiles(m_cfg.geometry(), m, k, n), groups, P);
  Cycles cyc = 0, install = 0, stream = 0;
  for (std::uint32_t p = 0; p < P; ++p) {
    const matmul::StreamCost sc = matmul::TileStream(*m_core).run(plane[p], false);
    const Cycles c = sc.accept + sc.drain;
    if (c > cyc) {
      cyc = c;
      install = 0;
      for (int s = 0; s < 4; ++s) install += plane[p].count[s] * plane[p].shape[s].k;
      stream = plane[p].tiles() * m;
    }
  }
  const Picos act_at = ready + m_transit;  // activations cross the hemisphere to the MXM
  // Weights are resident: the first tile installs while the activations are still on their way,
  // but no sooner than its weights can have crossed from MEM (a transit after time zero).
  const Picos lead = m_clock.to_picos(m_cfg.geometry().rows);
  const Picos start = std::max({m_mxm_free, act_at > lead ? act_at - lead : 0, m_transit});
  const Picos slot_end = start + m_clock.to_picos(cyc);
  const Picos stream_end = start + m_mem.stream(bytes);
  const Picos end = std::max({slot_end, stream_end, act_at});
  acc.active(start - m_transit);  // the first weight vectors leave MEM a transit earlier
  acc.mxm_busy += end - start;
  acc.install += m_clock.to_picos(install);
  acc.stream += m_clock.to_picos(stream);
  if (stream_end > slot_end) acc.weight_wait += stream_end - slot_end;
  acc.sram += bytes;
  acc.macs += static_cast<double>(groups) * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  // Path: the activation's crossing, then the plane work (and any wait on the weight stream).
  acc.path.stream_transit += act_at - ready;
  const Picos waited = stream_end > slot_end ? stream_end - std::max(slot_end, act_at) : 0;
  acc.path.weight_stream += std::min(waited, end - act_at);
  acc.path.mxm += (end - act_at) - std::min(waited, end - act_at);
  if (m_events) {
    // No MEM instruction when nothing streams (an MLA P·V reuses the latent rows QKᵀ brought).
    if (bytes > 0) m_events->push_back({Unit::Mem, name, start - m_transit, stream_end, Port::None, bytes});
    m_events->push_back({Unit::Mxm, name, start, end});
  }
  m_mxm_free = end;
  return end;
}

Picos ChipScheduler::vector(const std::string& name, std::uint64_t ops, Picos ready, Acc& acc) {
  if (ops == 0) return ready;
  const Picos at = ready + m_transit;
  const std::uint64_t width = std::uint64_t{m_cfg.vector_bytes()} * m_cfg.vxm.alus_per_lane;
  const Picos start = std::max(at, m_vxm_free);
  const Picos end = start + m_clock.to_picos(ceil_div<std::uint64_t>(ops, width) + m_cfg.vxm.latency_cycles);
  acc.active(ready);
  acc.vxm += end - start;
  acc.vector_ops += static_cast<double>(ops);
  acc.path.stream_transit += start - ready;
  acc.path.vxm += end - start;
  if (m_events) m_events->push_back({Unit::Vxm, name, start, end});
  m_vxm_free = end;
  return end;
}

Picos ChipScheduler::permute(const std::string& name, Bytes bytes, Picos ready, Acc& acc) {
  if (bytes == 0) return ready;
  const std::uint64_t vectors = ceil_div<std::uint64_t>(bytes, m_cfg.vector_bytes());
  const Picos start = std::max(ready, m_sxm_free);
  const Picos end =
      start + m_clock.to_picos(ceil_div<std::uint64_t>(vectors, m_cfg.sxm.vectors_per_cycle) + m_cfg.sxm.latency_cycles);
  acc.active(ready);
  acc.sxm += end - start;
  acc.path.sxm += end - ready;
  if (m_events) m_events->push_back({Unit::Sxm, name, start, end});
  m_sxm_free = end;
  return end;
}

Picos ChipScheduler::mem_stream(const std::string& name, Bytes bytes, Picos ready, Acc& acc) {
  if (bytes == 0) return ready;
  // The vectors cross from (or to) the farthest slice: one transit, then one stream-width per cycle.
  const Picos end = ready + m_mem.deliver(bytes);
  acc.active(ready);
  acc.mem += end - ready;
  acc.sram += bytes;
  acc.path.mem += end - ready;
  if (m_events) m_events->push_back({Unit::Mem, name, ready, end, Port::None, bytes});
  return end;
}

Picos ChipScheduler::exchange(const std::string& name, Bytes piece, std::uint32_t peers, bool across_nodes, Picos ready,
                              Acc& acc) {
  // One message to every peer at once, each on its own port(s): identical traffic, so one link
  // timeline stands for all of them. Node-mates are joined by links_per_peer local ports; a
  // counterpart chip in another node by one global port.
  memory::Link& link = across_nodes ? m_global : m_peer;
  const Bytes per_link = across_nodes ? piece : ceil_div<Bytes>(piece, m_cfg.c2c.links_per_peer);
  const Picos done = link.transfer(per_link, ready);
  acc.active(ready);
  acc.link += done - ready;
  acc.link_bytes += piece * peers;
  acc.path.c2c += done - ready;
  if (m_events) m_events->push_back({Unit::C2c, name, ready, done, across_nodes ? Port::Across : Port::Peer, per_link});
  return done;
}

Picos ChipScheduler::all_reduce(const Kernel& k, Picos ready, Acc& acc) {
  if (m_group <= 1) return ready;
  // A group of whole nodes reduces hierarchically: within the node over the local links,
  // then the node's share across nodes between counterpart chips over global ports, then
  // back. One node is the special case nodes == 1.
  const std::uint32_t local = std::min(m_group, m_cfg.c2c.node_chips), nodes = m_group / local;
  const Bytes piece = ceil_div<Bytes>(k.collective_bytes, local);
  const Bytes far_piece = ceil_div<Bytes>(piece, nodes);
  const Bytes elem = std::max<Bytes>(1, dtype_bits(k.act_dtype) / 8);
  if (k.op == "all_gather") {
    // Each chip holds 1/group: gather its node's share from the counterparts, then the node.
    Picos t = ready;
    if (nodes > 1) t = exchange(k.name + ".across_nodes", far_piece, nodes - 1, true, t, acc);
    return exchange(k.name, piece, local - 1, false, t, acc);
  }
  // Reduce-scatter, add the partial pieces on the VXM, all-gather; across nodes in between.
  Picos t = exchange(k.name + ".reduce_scatter", piece, local - 1, false, ready, acc);
  t = vector(k.name + ".add", (local - 1) * (piece / elem), t, acc);
  if (nodes > 1) {
    t = exchange(k.name + ".reduce_scatter_nodes", far_piece, nodes - 1, true, t, acc);
    t = vector(k.name + ".add_nodes", (nodes - 1) * (far_piece / elem), t, acc);
    t = exchange(k.name + ".all_gather_nodes", far_piece, nodes - 1, true, t, acc);
  }
  return exchange(k.name + ".all_gather", piece, local - 1, false, t, acc);
}

Picos ChipScheduler::vector_with_gain(const Kernel& k, Picos ready, Acc& acc) {
  Picos data = ready;
  if (k.weight_bytes > 0) {
    // The gain vector streams from MEM while the activations cross to the VXM.
    Acc gain;
    data = mem_stream(k.name + ".gain", k.weight_bytes, ready, gain);
    acc.sram += gain.sram;
    acc.mem += gain.mem;
    acc.active(ready);
    // The VXM needs both; whichever arrives last is on the path (vector() counts the crossing).
    if (data > ready + m_transit) {
      acc.path.mem += data - ready - m_transit;
      data -= m_transit;
    } else {
      data = ready;
    }
  }
  return vector(k.name, k.vector_ops, data, acc);
}

Picos ChipScheduler::place(const Kernel& k, Picos ready, Acc& acc, KernelRecord& r, StageRun& run) {
  switch (k.kind) {
    case KernelKind::Gemm: {
      const Picos end = matmul(k.name, k.m, k.k, k.n, k.groups, k.weight_bytes, ready, acc);
      // MoE combine (and any other epilogue) runs on the VXM after the planes.
      return vector(k.name + ".epilogue", k.vector_ops, end, acc);
    }
    case KernelKind::Attention: {
      // K rows and V rows of every (sequence, KV head) group are resident in MEM. An MLA latent
      // row is both: it streams once for QKᵀ, and P·V installs its first v_dim columns from
      // that stream, so P·V reads nothing more from MEM.
      // A mixed step's decoding sequences (one query row each, their own positions) follow the
      // prefill's rows on the planes.
      Picos end = ready;
      for (const Kernel& p : kernel_parts(k)) {
        const Bytes k_bytes = p.kv_read_bytes / p.kv_rows();
        const Picos qk = matmul(p.name + ".qk", p.m, p.k, p.n, p.groups, k_bytes, ready, acc);
        const Picos sm = vector(p.name + ".softmax", p.vector_ops, qk, acc);
        end = std::max(end, matmul(p.name + ".pv", p.m, p.n, p.value_dim(), p.groups, p.kv_read_bytes - k_bytes, sm, acc));
      }
      return end;
    }
    case KernelKind::KvAppend: {
      const Picos end = mem_stream(k.name, k.kv_write_bytes, ready, acc);
      run.bytes_written += k.kv_write_bytes;
      acc.sram -= k.kv_write_bytes;  // counted as a write below, not a read
      r.mem_bytes += k.kv_write_bytes;
      return end;
    }
    case KernelKind::Embedding: return mem_stream(k.name, k.weight_bytes, ready, acc);
    case KernelKind::AllReduce: return all_reduce(k, ready, acc);
    case KernelKind::Rope: return vector(k.name, k.vector_ops, permute(k.name, k.act_in_bytes, ready, acc), acc);
    case KernelKind::RmsNorm:
    case KernelKind::Residual:
    case KernelKind::SiluMul: return vector_with_gain(k, ready, acc);
  }
  return ready;
}

Picos ChipScheduler::finish(const Kernel& k, Picos ready, Picos end, const Acc& acc, KernelRecord& r) const {
  r.mem_bytes += acc.sram;
  r.link_bytes = acc.link_bytes;
  r.start = std::min(ready, acc.first_activity);
  r.end = std::max(end, ready);
  r.exclusive = r.end - ready;
  r.cycles = m_clock.to_cycles(r.end - r.start);

  // Roofline: bytes at the MEM peak, FLOPs at the MXM peak; a collective needs at least one
  // message (latency + its serialisation) per step it cannot skip.
  const double mem_s = static_cast<double>(r.mem_bytes) / m_cfg.sram_peak_bytes_per_s();
  const double flop_s = static_cast<double>(k.flops) / m_cfg.peak_flops();
  r.roofline = static_cast<Picos>(std::max(mem_s, flop_s) * kPicosPerSecond);
  if (k.kind == KernelKind::AllReduce && m_group > 1) {
    const Bytes piece = ceil_div<Bytes>(ceil_div<Bytes>(k.collective_bytes, m_group), m_cfg.c2c.links_per_peer);
    r.roofline = ns_to_picos(m_peer.config().latency_ns + m_peer.config().per_hop_ns) +
                 m_peer.config().serialization(piece);
  }
  const Picos mem_ideal = static_cast<Picos>(mem_s * kPicosPerSecond);
  r.breakdown = {PartsRelation::Overlapping,
                 {{TimePart::SramStream, mem_ideal},
                  {TimePart::WeightStream, acc.weight_wait},
                  {TimePart::MxmBusy, acc.mxm_busy},
                  {TimePart::MxmWeightInstall, acc.install},
                  {TimePart::MxmStream, acc.stream},
                  {TimePart::Vxm, acc.vxm},
                  {TimePart::Sxm, acc.sxm},
                  {TimePart::Mem, acc.mem},
                  {TimePart::Link, acc.link},
                  {TimePart::StreamTransit, acc.path.stream_transit}}};
  std::string bound = classify_bound(r.duration(), {{"memory", std::max(mem_ideal, acc.mem)},
                                                    {"mxm", acc.mxm_busy},
                                                    {"vector", acc.vxm + acc.sxm},
                                                    {"link", acc.link}});
  if (bound == "mxm") bound = acc.install >= acc.stream ? "weight_load" : "compute";
  r.bound = bound;
  return mem_ideal;
}

KernelRecord ChipScheduler::execute(const Kernel& k, std::uint32_t token, Picos ready, StageRun& run) {
  KernelRecord r = record_for(k, token, m_chip);
  Acc acc;
  const Picos end = place(k, ready, acc, r, run);
  // A bias add (Residual with weights: QKV or router bias) streams its vector as a norm its gains.
  if (k.kind == KernelKind::Embedding || k.kind == KernelKind::Gemm || k.kind == KernelKind::RmsNorm ||
      (k.kind == KernelKind::Residual && k.weight_bytes > 0))
    run.weight_bytes_read += acc.sram;
  else if (k.kind == KernelKind::Attention)
    run.kv_bytes_read += acc.sram;
  const Picos mem_ideal = finish(k, ready, end, acc, r);

  run.path.add(acc.path);
  run.link_bytes += acc.link_bytes;
  run.macs += acc.macs;
  run.vector_ops += acc.vector_ops;
  run.mxm_busy += acc.mxm_busy;
  run.vxm_busy += acc.vxm + acc.sxm;
  run.link_busy += acc.link;
  run.sram_busy += mem_ideal;
  return r;
}

StageRun ChipScheduler::run_stage(const std::vector<Kernel>& program, std::uint32_t token, Picos input_at,
                                  Bytes send_bytes, const std::string& send_name) {
  StageRun run;
  run.input_at = input_at;
  m_events = &run.events;
  Picos t = input_at;
  Bytes stage_bytes = 0;
  std::uint64_t stage_flops = 0;
  Picos stage_link_floor = 0;
  for (const Kernel& k : program) {
    KernelRecord r = execute(k, token, t, run);
    t = r.end;
    stage_bytes += r.mem_bytes;
    stage_flops += r.flops;
    if (r.kind == KernelKind::AllReduce) stage_link_floor += r.roofline;
    run.records.push_back(std::move(r));
  }
  run.end = t;
  run.send_done = t;
  if (send_bytes > 0) {
    const Bytes per_link = ceil_div<Bytes>(send_bytes, m_cfg.c2c.global_links);
    run.send_done = m_global.transfer(per_link, t);
    run.link_bytes += send_bytes;
    run.link_busy += run.send_done - t;
    run.path.pipeline_fill += run.send_done - t;
    run.events.push_back({Unit::C2c, send_name, t, run.send_done, Port::Next, per_link});
    // The hand-off itself is a latency that no schedule avoids.
    run.roofline += ns_to_picos(m_global.config().latency_ns + m_global.config().per_hop_ns) +
                    m_global.config().serialization(per_link);
  }
  // The stage's chips can neither beat their MEM and MXM peaks nor skip their collectives;
  // the larger of the two is a floor (they may overlap, so they are not added).
  const double mem_s = static_cast<double>(stage_bytes) / m_cfg.sram_peak_bytes_per_s();
  const double flop_s = static_cast<double>(stage_flops) / m_cfg.peak_flops();
  run.roofline += std::max(static_cast<Picos>(std::max(mem_s, flop_s) * kPicosPerSecond), stage_link_floor);
  m_events = nullptr;
  return run;
}

}  // namespace decodesim::lpu
