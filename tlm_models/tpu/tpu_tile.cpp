#include "tpu/tpu_tile.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <algorithm>
#include <array>
#include <cstdint>

#include "common/base/layer_replay.h"
#include "common/base/progress.h"
#include "common/base/sc_time_conv.h"

namespace decodesim::tpu {
namespace {



Picos now_ps() { return sc_now_picos(); }

}  // namespace


TpuTile::TpuTile(sc_core::sc_module_name name, const TpuConfig& cfg, const memory::DmaConfig& dma_cfg,
                 const memory::TlmSettings& tlm, std::uint32_t chip)
    : sc_core::sc_module(name),
      dma("dma", dma_cfg, tlm),
      vmem("vmem", cfg.vmem),
      vmem_port("vmem_port", tlm, cfg.dma_block_bytes),
      m_cfg(cfg),
      m_clock(cfg.clock_ghz),
      m_chip(chip),
      m_stats("tile") {
  memory::bind_sram(vmem_port, vmem, tlm, m_vmem_checker);
  m_slot_free.assign(cfg.vmem_buffers, 0);
  for (std::uint32_t x = 0; x < cfg.mxu_total(); ++x)
    m_cores.push_back(cfg.make_core());
  for (auto& c : m_cores) m_streams.emplace_back(*c);
  // A process of a constructor with arguments: sc_spawn, since SC_THREAD there needs the
  // deprecated SC_HAS_PROCESS (IEEE 1666-2023) in SystemC 2.3.4.
  sc_core::sc_spawn([this] { run(); }, "run");
}

void TpuTile::load(std::vector<KernelGraph> tokens, std::vector<MemoryPlan> plans) {
  m_tokens = std::move(tokens);
  m_plans = std::move(plans);
  m_plan = &m_plans.front();
  for (const auto& g : m_tokens) progress::add_total(g.kernels.size());
}

void TpuTile::set_trace(TraceWriter* t) {
  m_trace = t;
  if (!t) return;
  m_track_kernel = t->track(m_chip, "kernels");
  m_track_dma = t->track(m_chip, "dma");
  m_track_mxu = t->track(m_chip, "mxu");
  m_track_vpu = t->track(m_chip, "vector");
}

Picos TpuTile::roofline(const Kernel& k) const {
  const double mem_s = static_cast<double>(k.memory_bytes()) / m_peak_mem_bw;
  const double flop_s = static_cast<double>(k.flops) / m_cfg.peak_flops();
  // Floor: the bound must never exceed what a perfect machine would take.
  return static_cast<Picos>(std::max(mem_s, flop_s) * kPicosPerSecond);
}

Picos TpuTile::vector_phase(std::uint64_t ops, Picos ready, Accum& acc) {
  if (ops == 0) return ready;
  const std::uint64_t width = std::uint64_t{m_cfg.vector.sublanes} * m_cfg.vector.lanes * m_cfg.vector.alus;
  const Picos dur = cycles_to_ps(ceil_div<std::uint64_t>(ops, width) + m_cfg.vector.latency_cycles);
  acc.vector += dur;
  m_vector_ops += static_cast<double>(ops);
  trace_vector("vector", ready, ready + dur, ops);
  return ready + dur;
}

Picos TpuTile::traced_dma(Bytes addr, Bytes bytes, bool write, Picos start, const char* what) {
  const Picos done = dma.transfer(addr, bytes, write, start);
  trace_dma(what, start, done, bytes);
  return done;
}

void TpuTile::trace_dma(const char* what, Picos start, Picos end, Bytes bytes) {
  if (!m_trace) return;
  SliceArgs a;
  a.layer = m_running->layer;
  a.bytes = bytes;
  m_trace->slice(m_track_dma, m_running->name + " " + what, start, end, std::move(a));
}

void TpuTile::trace_vector(const char* what, Picos start, Picos end, std::uint64_t ops) {
  if (!m_trace) return;
  SliceArgs a;
  a.layer = m_running->layer;
  a.ops = ops;
  m_trace->slice(m_track_vpu, m_running->name + " " + what, start, end, std::move(a));
}

/// The weight stream of one matmul: its tiles cut into DMA blocks, each block's bytes, and the
/// blocks queued on the DMA engine so far.
struct TpuTile::BlockStream {
  Bytes addr = 0;
  std::uint64_t m = 0;
  matmul::TileSplit split;
  std::uint64_t tiles = 0, tiles_per_block = 0, blocks = 0;
  std::vector<Bytes> cut;  ///< block b is [cut[b], cut[b+1]) from addr
  struct Queued {
    memory::DmaEngine::Handle h = 0;
    Picos start = 0;
    std::size_t slot = 0;
  };
  std::vector<Queued> queued;
  std::uint64_t submitted = 0;
  std::vector<matmul::TileSplit> per_mxu;  ///< scratch: one block's tiles on each MXU
  Bytes bytes(std::uint64_t b) const { return cut[b + 1] - cut[b]; }
};

TpuTile::BlockStream TpuTile::cut_blocks(Bytes addr, std::uint64_t m, std::uint64_t k, std::uint64_t n,
                                         DType dtype) const {
  BlockStream bs;
  bs.addr = addr;
  bs.m = m;
  bs.split = matmul::split_tiles(m_cfg.geometry(), m, k, n);
  const std::uint64_t bits = dtype_bits(dtype);
  const std::uint64_t full_tile_bytes = std::uint64_t{m_cfg.mxu.rows} * m_cfg.mxu.cols * bits / 8;
  bs.tiles = bs.split.tiles_k * bs.split.tiles_n;
  bs.tiles_per_block = std::max<std::uint64_t>(1, m_cfg.dma_block_bytes / full_tile_bytes);
  bs.blocks = ceil_div<std::uint64_t>(bs.tiles, bs.tiles_per_block);
  bs.cut.assign(bs.blocks + 1, 0);
  bs.queued.resize(bs.blocks);
  bs.per_mxu.assign(m_cfg.mxu_total(), bs.split);
  std::uint64_t bits_done = 0;
  // Quantisation scales sit in front of the matrix's elements and arrive with its first block.
  const Bytes scales = scale_bytes_before(k, k, n, dtype);
  for (std::uint64_t t = 0; t < bs.tiles; ++t) {
    const int s = bs.split.shape_of(t);
    bits_done += std::uint64_t{bs.split.shape[s].k} * bs.split.shape[s].n * bits;
    if ((t + 1) % bs.tiles_per_block == 0 || t + 1 == bs.tiles)
      bs.cut[t / bs.tiles_per_block + 1] = scales + bits_done / 8;
  }
  return bs;
}

void TpuTile::queue_blocks(BlockStream& bs, std::uint64_t upto, Picos compute_ready, Accum& acc) {
  // DMA into the next VMEM buffer of the ring, once that buffer has been consumed. A block is
  // queued on the DMA engine as soon as its buffer's release is known (up to vmem_buffers
  // ahead), before the tile waits for the current block's data: in AT the engine then keeps
  // streaming while the tile waits, as a descriptor queue does.
  for (; bs.submitted < std::min(upto, bs.blocks); ++bs.submitted) {
    BlockStream::Queued& q = bs.queued[bs.submitted];
    q.slot = m_block_seq++ % m_slot_free.size();
    q.start = m_slot_free[q.slot];
    if (!m_cfg.prefetch_across_kernels) q.start = std::max(q.start, compute_ready);
    q.start = std::max(q.start, now_ps());
    acc.first_activity = std::min(acc.first_activity, q.start);
    // No later DMA start is earlier than the oldest buffer's release (KV and embedding
    // transfers start after this kernel): LT may sync SystemC time up to there, no further.
    dma.set_start_floor(*std::min_element(m_slot_free.begin(), m_slot_free.end()));
    q.h = dma.start_transfer(bs.addr + bs.cut[bs.submitted], bs.bytes(bs.submitted), false, q.start);
  }
}

Picos TpuTile::mxu_block(BlockStream& bs, std::uint64_t b, Picos dma_done, Picos compute_ready, Accum& acc) {
  const std::uint32_t R = m_cfg.mxu.rows, C = m_cfg.mxu.cols, mxus = m_cfg.mxu_total();
  const std::uint64_t m = bs.m, first = b * bs.tiles_per_block, last = std::min(bs.tiles, first + bs.tiles_per_block);
  const auto& shapes = bs.split.shape;
  // The block's tiles are dealt to the MXUs in turn.
  std::vector<matmul::TileSplit>& per_mxu = bs.per_mxu;
  for (auto& c : per_mxu) c.clear_counts();
  std::uint64_t block_macs = 0;
  for (std::uint64_t t = first; t < last; ++t) {
    const int s = bs.split.shape_of(t);
    ++per_mxu[(t - first) % mxus].count[s];
    block_macs += std::uint64_t{shapes[s].k} * shapes[s].n * m;
  }
  const Bytes bytes = bs.bytes(b);
  const std::size_t slot = bs.queued[b].slot;

  // A block whose data is already in VMEM while the arrays are still busy continues their
  // tile stream (weight double-buffering hides the next load); otherwise the arrays went
  // idle and the stream restarts, paying the first-tile load and the fill/drain again.
  const bool continues = dma_done <= m_mxu_free && m_mxu_free > compute_ready;
  matmul::StreamCost cost;
  Cycles load_cycles = 0, stream_cycles = 0;
  for (std::uint32_t x = 0; x < mxus; ++x) {
    const matmul::StreamCost c = m_streams[x].run(per_mxu[x], continues);
    if (c.accept > cost.accept) {
      cost = c;
      // A cube reads each weight fractal from L0B as it multiplies: no separate load phase.
      load_cycles = m_cfg.mxu.kind == MatrixUnit::Cube ? 0 : per_mxu[x].tiles() * R;
      stream_cycles = per_mxu[x].tiles() * ceil_div<std::uint64_t>(m, m_cfg.mxu.rows_per_cycle());
    }
  }
  // The array can take the next tile's activations once this block's last activation has
  // entered; its results leave after the drain the core reports.
  const Picos start = continues ? m_mxu_free : std::max({dma_done, m_mxu_free, compute_ready});
  // Weights leave VMEM toward the arrays at VMEM bandwidth; the block can't be taken in sooner.
  const Picos vmem_done = vmem_port.access(slot * m_cfg.dma_block_bytes, bytes, false, start);
  const Picos accept = std::max(start + cycles_to_ps(cost.accept), vmem_done);
  const Picos results = accept + cycles_to_ps(cost.drain);
  const Picos mxu_wait_from = std::max(m_mxu_free, compute_ready);
  if (!continues && dma_done > mxu_wait_from) acc.dma_wait += dma_done - mxu_wait_from;
  acc.mxu_busy += accept - start;
  acc.weight_load += cycles_to_ps(load_cycles);
  acc.stream += cycles_to_ps(stream_cycles);
  m_macs += static_cast<double>(block_macs);
  m_sram_bits += 2.0 * 8.0 * static_cast<double>(bytes);  // written by DMA, read by the MXUs
  if (m_trace) {
    SliceArgs a;
    a.layer = m_running->layer;
    a.flops = 2 * block_macs;
    a.bytes = bytes;
    a.shape = std::to_string(last - first) + " tiles of m=" + std::to_string(m) + " k<=" + std::to_string(R) +
              " n<=" + std::to_string(C) + (continues ? ", stream continues" : ", stream restarts");
    m_trace->slice(m_track_mxu, m_running->name + " mxu", start, results, std::move(a));
  }
  m_mxu_free = accept;
  m_slot_free[slot] = accept;  // every weight of the block is inside the arrays now
  return results;
}

Picos TpuTile::stream_matmul(Bytes addr, std::uint64_t m, std::uint64_t k, std::uint64_t n, DType dtype,
                             Picos compute_ready, Accum& acc) {
  BlockStream bs = cut_blocks(addr, m, k, n, dtype);
  Picos end = compute_ready;
  for (std::uint64_t b = 0; b < bs.blocks; ++b) {
    queue_blocks(bs, b + m_slot_free.size(), compute_ready, acc);
    const Picos dma_done = dma.wait_transfer(bs.queued[b].h);
    trace_dma("weights", bs.queued[b].start, dma_done, bs.bytes(b));
    end = mxu_block(bs, b, dma_done, compute_ready, acc);
  }
  return end;
}

std::pair<Picos, Picos> TpuTile::run_on_lane(std::uint32_t x, MxuLane& lane, const matmul::TileSplit& tiles,
                                             Picos data, Picos deps, Picos kernel_ready, Bytes bytes) {
  const Picos operands = std::max(data, deps);
  // Same rule as stream_matmul: a busy array whose next operands are already there keeps
  // streaming (the double-buffered weight registers hide the next load).
  const bool continues = lane.free > kernel_ready && operands <= lane.free;
  const matmul::StreamCost cost = m_streams[x].run(tiles, continues);
  // A restart loads the first tile's k weight rows before its first activation (the core's
  // rule 1), so with its weights in VMEM that load overlaps the wait for the activations.
  const Picos load = cycles_to_ps(tiles.first_k());
  const Picos act_start = deps > load ? deps - load : 0;
  const Picos start = continues ? lane.free : std::max({lane.free, data, kernel_ready, act_start});
  // The arrays read VMEM at once, each at its share of the banks' bandwidth. (The lanes are
  // worked out one after another, not in time order, so a shared bank timeline would queue an
  // earlier read behind a later one.)
  const double share = m_cfg.vmem.peak_bytes_per_s() / m_cfg.mxu_total();
  const Picos vmem_done = start + static_cast<Picos>(static_cast<double>(bytes) / share * kPicosPerSecond);
  const Picos accept = std::max(start + cycles_to_ps(cost.accept), vmem_done);
  const Picos results = accept + cycles_to_ps(cost.drain);
  const Picos idle_from = std::max(lane.free, kernel_ready);
  if (!continues && data > idle_from && data >= deps) lane.dma_wait += data - idle_from;
  const std::uint64_t n = tiles.tiles();
  lane.busy += accept - start;
  lane.weight_load += cycles_to_ps(m_cfg.mxu.kind == MatrixUnit::Cube ? 0 : n * m_cfg.mxu.rows);
  lane.stream += cycles_to_ps(n * ceil_div<std::uint64_t>(tiles.shape[0].m, m_cfg.mxu.rows_per_cycle()));
  lane.free = accept;
  if (m_trace) {
    SliceArgs a;
    a.layer = m_running->layer;
    a.bytes = bytes;
    std::uint64_t flops = 0;
    for (int s = 0; s < 4; ++s)
      flops += 2 * tiles.count[s] * tiles.shape[s].m * tiles.shape[s].k * tiles.shape[s].n;
    a.flops = flops;
    a.shape = std::to_string(n) + " tiles of m=" + std::to_string(tiles.shape[0].m) +
              (continues ? ", stream continues" : ", stream restarts");
    m_trace->slice(m_track_mxu, m_running->name + " mxu", start, results, std::move(a));
  }
  return {accept, results};
}

Picos TpuTile::stream_attention(const Kernel& k, std::size_t index, Picos ready, Accum& acc,
                                std::uint64_t first_group) {
  const std::uint64_t pairs = k.groups, ctx = k.n, d = k.k, m = k.m, dv = k.value_dim(), rows = k.kv_rows();
  const std::uint32_t C = m_cfg.mxu.cols, mxus = m_cfg.mxu_total();
  const Bytes row = m_plan->kv_row_bytes;
  if (pairs == 0 || ctx == 0) return ready;

  // A pair's positions are cut into chunks of one array width: one QKᵀ tile column and one
  // P·V k-tile each (for head_dim ≤ rows). Chunks are dealt to the MXUs in turn, so a long
  // context spreads over every array (flash-decoding's split of the context) and short ones
  // pack many pairs per VMEM buffer. A chunk's K and V fit one buffer.
  // An MLA chunk is one latent row per position: P·V reads its first dv columns from the
  // same buffer, so nothing is fetched twice.
  std::uint64_t span = std::min<std::uint64_t>(C, std::max<std::uint64_t>(1, m_cfg.dma_block_bytes / (rows * row)));
  const std::uint64_t chunks_per_pair = ceil_div<std::uint64_t>(ctx, span);
  const std::uint64_t pair_ops = k.vector_ops / pairs;
  const std::uint64_t width = std::uint64_t{m_cfg.vector.sublanes} * m_cfg.vector.lanes * m_cfg.vector.alus;

  struct Chunk {
    std::uint64_t pair, pos0, npos;
    std::size_t slot;
    Picos softmax_done;
  };
  std::vector<MxuLane> lanes(mxus);
  for (auto& l : lanes) l.free = m_mxu_free;
  std::vector<std::vector<Chunk>> pending(mxus);  // per MXU: QKᵀ done, P·V not issued yet (FIFO)
  std::vector<std::size_t> pending_head(mxus, 0);
  Picos vpu_free = ready, end = ready;
  std::uint64_t next_lane = 0;

  auto issue_pv = [&](std::uint32_t x) {
    const Chunk c = pending[x][pending_head[x]++];
    const Bytes bytes = c.npos * row;
    const auto done = run_on_lane(x, lanes[x], matmul::split_tiles(m_cfg.geometry(), m, c.npos, dv), 0, c.softmax_done, ready, bytes);
    m_slot_free[c.slot] = std::max(m_slot_free[c.slot], done.first);  // V has left the buffer
    end = std::max(end, done.second);
  };
  // P·V can go first when its softmax is done before the next QKᵀ's operands could be used.
  auto issue_ready_pvs = [&](std::uint32_t x, Picos next_operands) {
    while (pending_head[x] < pending[x].size() &&
           std::max(lanes[x].free, pending[x][pending_head[x]].softmax_done) <= std::max(lanes[x].free, next_operands))
      issue_pv(x);
  };
  auto flush = [&](std::size_t slot) {
    for (std::uint32_t x = 0; x < mxus; ++x)
      while (pending_head[x] < pending[x].size() && (slot == SIZE_MAX || pending[x][pending_head[x]].slot == slot))
        issue_pv(x);
  };

  std::uint64_t pair = 0, pos = 0, merge_ops = 0;
  while (pair < pairs) {
    // One VMEM buffer: as many whole chunks as fit (at least one).
    const std::size_t slot = m_block_seq++ % m_slot_free.size();
    flush(slot);  // its previous contents must have left for the arrays before it is refilled
    std::vector<Chunk> block;
    std::vector<memory::DmaDescriptor> descs;
    Bytes used = 0;
    while (pair < pairs) {
      const std::uint64_t npos = std::min(span, ctx - pos);
      if (!block.empty() && used + rows * npos * row > m_cfg.dma_block_bytes) break;
      const Bytes kb = m_plan->kv_base[index] + (first_group + pair) * m_plan->kv_group_stride + pos * row;
      // A pair's positions are contiguous in its K (and V) rows, so the chunks of one pair in one
      // buffer are one descriptor each for K and V, as a DMA engine moves a block: cutting the
      // context by array width (16 positions on a cube) must not cut the transfers with it.
      const std::size_t per_chunk = k.kv_shared ? 1 : 2;
      if (!block.empty() && block.back().pair == pair) {
        descs[descs.size() - per_chunk].len += npos * row;
        if (!k.kv_shared) descs.back().len += npos * row;
      } else {
        descs.push_back({kb, npos * row, false});
        if (!k.kv_shared) descs.push_back({kb + m_plan->kv_v_offset, npos * row, false});
      }
      block.push_back({pair, pos, npos, slot, 0});
      used += rows * npos * row;
      pos += npos;
      if (pos == ctx) {
        pos = 0;
        ++pair;
      }
    }
    Picos dma_start = std::max(m_slot_free[slot], now_ps());
    if (!m_cfg.prefetch_across_kernels) dma_start = std::max(dma_start, ready);
    acc.first_activity = std::min(acc.first_activity, dma_start);
    const Picos data = dma.transfer(descs, dma_start);
    trace_dma("K/V", dma_start, data, used);
    m_sram_bits += 2.0 * 8.0 * static_cast<double>(used);  // written by DMA, read by the MXUs

    for (Chunk& c : block) {
      const std::uint32_t x = static_cast<std::uint32_t>(next_lane++ % mxus);
      issue_ready_pvs(x, data);
      // QKᵀ: K stationary (k = head_dim, n = positions), the GQA group's query heads stream as m.
      const auto qk = run_on_lane(x, lanes[x], matmul::split_tiles(m_cfg.geometry(), m, d, c.npos), data, ready, ready, c.npos * row);
      // Softmax of this chunk's scores on the vector unit (online: running max and sum), which
      // pipelines: it occupies the unit for its width and delivers after its latency.
      const std::uint64_t ops = c.pos0 + c.npos == ctx ? pair_ops - pair_ops * c.pos0 / ctx
                                                         : pair_ops * (c.pos0 + c.npos) / ctx - pair_ops * c.pos0 / ctx;
      const Picos vstart = std::max(vpu_free, qk.second);
      const Picos occupy = cycles_to_ps(ceil_div<std::uint64_t>(ops, width));
      vpu_free = vstart + occupy;
      c.softmax_done = vpu_free + cycles_to_ps(m_cfg.vector.latency_cycles);
      acc.vector += occupy;
      m_vector_ops += static_cast<double>(ops);
      trace_vector("softmax", vstart, c.softmax_done, ops);
      m_macs += static_cast<double>(m * (d + dv) * c.npos);
      pending[x].push_back(c);
    }
  }
  flush(SIZE_MAX);
  // Partial results of a pair split over several arrays are merged on the vector unit:
  // rescale each partial output and running sum to the common max, then add.
  const std::uint64_t parts = std::min<std::uint64_t>(chunks_per_pair, mxus);
  if (parts > 1) merge_ops = pairs * (parts - 1) * m * (3 * dv + 4);
  if (merge_ops > 0) end = vector_phase(merge_ops, std::max(end, vpu_free), acc);

  // The busiest array stands for the kernel's MXU time.
  const MxuLane* busiest = &lanes[0];
  for (const auto& l : lanes)
    if (l.busy > busiest->busy) busiest = &l;
  acc.mxu_busy += busiest->busy;
  acc.weight_load += busiest->weight_load;
  acc.stream += busiest->stream;
  acc.dma_wait += busiest->dma_wait;
  for (const auto& l : lanes) m_mxu_free = std::max(m_mxu_free, l.free);
  return end;
}

KernelRecord TpuTile::execute(const Kernel& k, std::size_t index, std::uint32_t token) {
  KernelRecord r = record_for(k, token, m_chip);
  r.start = m_now;
  m_running = &k;
  const Picos ready = m_now + cycles_to_ps(m_cfg.kernel_overhead_cycles);
  const Bytes bytes_before = dma.bytes_moved();
  Accum acc;
  Picos end = ready;
  Picos link_time = 0;

  switch (k.kind) {
    case KernelKind::Gemm: {
      const Bytes per_group = matrix_bytes(k.k, k.n, k.weight_dtype);
      for (std::uint64_t g = 0; g < k.groups; ++g)
        end = stream_matmul(m_plan->weight_base[index] + g * per_group, k.m, k.k, k.n, k.weight_dtype, ready, acc);
      break;
    }
    case KernelKind::Attention: {
      // A mixed step's decode rows (their own positions, groups after the prefill's) follow
      // the prefill's on the arrays.
      std::uint64_t first_group = 0;
      for (const Kernel& part : kernel_parts(k)) {
        end = std::max(end, stream_attention(part, index, ready, acc, first_group));
        first_group += part.groups;
      }
      break;
    }
    case KernelKind::KvAppend: {
      // One K row and one V row per (sequence, KV head), at the position this step attends
      // last (docs/workloads.md: append, then attend over context + t positions).
      // A prefill chunk or a verify step appends its q tokens' rows, contiguous per group; the
      // step's sequences may be fewer than the batch (one new prompt), and a mixed step's
      // decode part writes one row of each decoding sequence at its own position (part.k).
      const Bytes row = m_plan->kv_row_bytes;
      const std::uint64_t per_seq = m_plan->kv_groups / std::max<std::uint64_t>(1, m_tokens[token].batch);
      // All rows are issued at once: one trace slice for the lot, not one track per row.
      const Picos issue = std::max(ready, now_ps());
      std::uint64_t first = 0, written = 0;
      for (const Kernel& part : kernel_parts(k)) {
        const std::uint64_t q = std::max<std::uint64_t>(1, part.seq_tokens);
        const std::uint64_t pos = (part.k ? part.k : m_tokens[token].context) - q;
        const std::uint64_t groups = part.m / q * per_seq;
        for (std::uint64_t g = first; g < first + groups; ++g) {
          const Bytes base = m_plan->kv_base[index] + g * m_plan->kv_group_stride + pos * row;
          end = std::max(end, dma.transfer(base, q * row, true, issue));
          if (!k.kv_shared) end = std::max(end, dma.transfer(base + m_plan->kv_v_offset, q * row, true, issue));
        }
        first += groups;
        written += groups * q;
      }
      trace_dma("K/V rows", issue, end, k.kv_rows() * written * row);
      break;
    }
    case KernelKind::Embedding: {
      // Gather one row per sequence; token ids are a deterministic function of the position.
      const std::uint64_t rows = std::max<std::uint64_t>(1, k.m);
      const Bytes row = k.weight_bytes / rows;
      const std::uint64_t vocab = std::max<std::uint64_t>(1, k.k);
      const Picos issue = std::max(ready, now_ps());
      for (std::uint64_t b = 0; b < rows; ++b) {
        const std::uint64_t id = (b * 7919 + token * 104729) % vocab;
        end = std::max(end, dma.transfer(m_plan->weight_base[index] + id * m_plan->embedding_row_stride, row, false,
                                         issue));
      }
      trace_dma("rows", issue, end, rows * row);
      break;
    }
    case KernelKind::AllReduce: {
      Bytes sent = 0;
      end = m_collective ? m_collective(k, ready, &sent) : ready;
      r.link_bytes = sent;
      link_time = end - ready;
      break;
    }
    case KernelKind::RmsNorm:
    case KernelKind::Rope:
    case KernelKind::Residual:
    case KernelKind::SiluMul: {
      Picos data = ready;
      if (k.weight_bytes > 0)
        data = traced_dma(m_plan->weight_base[index], k.weight_bytes, false, std::max(ready, now_ps()), "weights");
      end = vector_phase(k.vector_ops, data, acc);
      break;
    }
  }
  // With prefetch a kernel's first weights stream before its predecessor ends: its own
  // activity starts there (this is the span its roofline bound applies to).
  r.start = std::min(r.start, acc.first_activity);
  r.end = std::max(end, m_now);
  r.exclusive = r.end - m_now;
  r.cycles = m_clock.to_cycles(r.end - r.start);
  r.mem_bytes = dma.bytes_moved() - bytes_before;
  r.roofline = roofline(k);
  const Picos mem_ideal = static_cast<Picos>(static_cast<double>(r.mem_bytes) / m_peak_mem_bw * kPicosPerSecond);
  r.breakdown = {PartsRelation::Overlapping,
                 {{TimePart::HbmStream, mem_ideal},
                  {TimePart::MxuBusy, acc.mxu_busy},
                  {TimePart::MxuWeightLoad, acc.weight_load},
                  {TimePart::MxuStream, acc.stream},
                  {TimePart::DmaWait, acc.dma_wait},
                  {TimePart::Vector, acc.vector},
                  {TimePart::Link, link_time}}};
  std::string bound = classify_bound(r.duration(), {{"memory", mem_ideal},
                                                    {"mxu", acc.mxu_busy},
                                                    {"vector", acc.vector},
                                                    {"link", link_time}});
  if (bound == "mxu") bound = acc.weight_load >= acc.stream ? "weight_load" : "compute";
  if (bound == "latency" && m_cfg.kernel_overhead_cycles > 0 &&
      cycles_to_ps(m_cfg.kernel_overhead_cycles) * 2 >= r.duration())
    bound = "overhead";
  r.bound = bound;
  if (m_trace) m_trace->slice(m_track_kernel, k.name, r.start, r.end, trace_args(k, r));
  return r;
}

void TpuTile::run() {
  if (m_prologue) m_prologue();
  m_peak_mem_bw = dma.target_info->peak_bytes_per_s();
  // Every DMA start is at or after the oldest VMEM buffer's release (stream_matmul keeps this
  // floor current): the LT quantum keeper never syncs past it.
  dma.set_start_floor(*std::min_element(m_slot_free.begin(), m_slot_free.end()));
  m_now = now_ps();
  // Layer reuse (docs/reuse.md): the loop is shared with the GPU tile; what is TPU-specific is
  // which timelines a replayed layer moves forward and which counters it adds again.
  // The replay state is owned by the tile, not by this thread's stack: when the watchdog stops
  // the simulation, the thread stays suspended at its wait() and its locals are never
  // destroyed, so anything they owned would leak.
  m_counters.watch(m_macs);
  m_counters.watch(m_sram_bits);
  m_counters.watch(m_vector_ops);
  replay::LayerReplay::Hooks hooks;
  hooks.execute = [this](const Kernel& k, std::size_t i) { return execute(k, i, m_token); };
  hooks.shift_timelines = [this](Picos advance) {
    // The replayed layer kept every resource busy exactly as layer 1 did: move the
    // timelines forward so the next simulated kernel sees them where they would be.
    for (auto& f : m_slot_free) f += advance;
    m_mxu_free += advance;
  };
  hooks.trace = m_trace;
  hooks.trace_chip = static_cast<int>(m_chip);
  hooks.kernel_track = m_track_kernel;
  // TPU activations never leave the chip, so their sizes do not enter the timing: same_work
  // alone decides (the default).
  m_replayer = std::make_unique<replay::LayerReplay>(m_reuse, std::move(hooks), m_counters, m_reused_layers);
  for (m_token = 0; m_token < m_tokens.size(); ++m_token) {
    m_plan = &plan_for(m_plans, m_tokens[m_token]);
    m_replayer->run_token(m_tokens[m_token], m_records, m_now);
    // Token boundary: the sampled token feeds the next step, so time must be real here.
    if (m_now > now_ps()) wait(to_sc_time(m_now - now_ps()));
  }
  m_finished = true;
}

}  // namespace decodesim::tpu
