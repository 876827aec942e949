#include "gpu/gpu_tile.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: SystemC 2.3.4 declares it only on request
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <algorithm>
#include <queue>

#include "common/base/divisor.h"
#include "common/base/layer_replay.h"
#include "common/base/progress.h"
#include "common/base/sc_time_conv.h"

namespace decodesim::gpu {
namespace {

constexpr Bytes kRegionAlign = Bytes{1} << 20;
Bytes align_up(Bytes v, Bytes a) { return (v + a - 1) / a * a; }

}  // namespace

/// Loads outstanding, as a min-heap of (completion, bytes): the in-flight limit of Little's law.
struct GpuTile::Window {
  using Item = std::pair<Picos, Bytes>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> q;
  Bytes bytes = 0, limit = 0;
  void retire(Picos t) {
    while (!q.empty() && q.top().first <= t) {
      bytes -= q.top().second;
      q.pop();
    }
  }
  /// True when `len` more bytes may issue now; a lone request larger than the limit may always go.
  bool fits(Bytes len) const { return (q.empty() && !pending) || bytes + len <= limit; }
  /// The earliest known completion; none while only AT requests of unknown completion are out.
  Picos earliest() const { return q.empty() ? ~Picos{0} : q.top().first; }
  void add(Picos done, Bytes len) {
    q.emplace(done, len);
    bytes += len;
  }
  /// AT: `len` bytes in flight whose completion complete() reports later.
  void add_pending(Bytes len) {
    bytes += len;
    ++pending;
  }
  void complete(Picos done, Bytes len) {
    q.emplace(done, len);
    --pending;
  }
  void reset(Bytes lim) {
    q = {};
    bytes = 0;
    pending = 0;
    limit = lim;
  }
  std::uint64_t pending = 0;
};

struct GpuTile::Issuer {
  enum class Phase { Start, Loads, Finish, Idle } phase = Phase::Idle;
  std::uint32_t sm = 0;
  std::uint64_t cta = 0;
  std::vector<MemAccess> rd, wr;
  std::size_t seg = 0;
  Bytes off = 0;
  Picos start = 0, last_done = 0;
  std::uint64_t requests = 0;
  std::uint64_t pending = 0;  ///< AT: loads whose completion has not come back
  Picos finish_floor = 0;     ///< once the loads are issued: compute end and issue time
  Picos tail = 0;             ///< compute left after the last data, per request
  Window window;
};

struct GpuTile::SmState {
  Window window;
  std::vector<std::uint64_t> slots;  ///< this SM's CTA slots (issuer indices)
  std::size_t rr = 0;                ///< round-robin position of the load/store unit's arbiter
  Picos next_issue = ~Picos{0};      ///< the queued wake-up of the load/store unit
  Picos lsu_free = 0, tc_free = 0, last_end = 0, compute = 0;
  bool ran = false;
};

GpuTile::GpuTile(sc_core::sc_module_name name, const GpuConfig& cfg, const memory::TlmSettings& tlm, std::uint32_t chip)
    : sc_core::sc_module(name),
      mem("mem", cfg, tlm),
      m_cfg(cfg),
      m_clock(cfg.clock_ghz),
      m_chip(chip),
      m_core(matmul::make_matmul_core(cfg.matmul, cfg.geometry(), "gpu.matmul.impl", cfg.clock_ghz)),
      m_stats("sm_cluster") {
  // A process of a constructor with arguments: sc_spawn, since SC_THREAD there needs the
  // deprecated SC_HAS_PROCESS (IEEE 1666-2023) in SystemC 2.3.4.
  sc_core::sc_spawn([this] { run(); }, "run");
}

Bytes GpuTile::on_chip_region_bytes(const GpuConfig& cfg, const std::vector<KernelGraph>& tokens) {
  Bytes act = 0, scratch = 0;
  for (const auto& g : tokens)
    for (const auto& k : g.kernels) {
      act = std::max({act, k.act_in_bytes, k.act_out_bytes});
      scratch = std::max(scratch, scratch_bytes(cfg, k));
      // Split-K's fp32 partials; the tiled GEMM (128 rows and more) writes C directly.
      if (k.kind == KernelKind::Gemm && k.m < kGemmTileM)
        scratch = std::max<Bytes>(scratch, std::max<std::uint64_t>(k.m, 1) * k.n * 4);
    }
  return 2 * align_up(std::max<Bytes>(act, 1), kRegionAlign) + align_up(std::max<Bytes>(scratch, 1), kRegionAlign);
}

void GpuTile::load(std::vector<KernelGraph> tokens, std::vector<MemoryPlan> plans) {
  m_tokens = std::move(tokens);
  m_plans = std::move(plans);
  m_plan = &m_plans.front();
  for (const auto& g : m_tokens) progress::add_total(g.kernels.size());
  Bytes act = 0;
  for (const auto& g : m_tokens)
    for (const auto& k : g.kernels) act = std::max({act, k.act_in_bytes, k.act_out_bytes});
  act = align_up(std::max<Bytes>(act, 1), kRegionAlign);
  const Bytes base = align_up(m_plans.back().total_bytes, kRegionAlign);
  m_act_base[0] = base;
  m_act_base[1] = base + act;
  m_scratch_base = base + 2 * act;
  // The host wrote the step's inputs (token ids) before launching: they sit in L2.
  mem.preload_l2(base, 2 * act);
}

void GpuTile::set_trace(TraceWriter* t) {
  m_trace = t;
  if (!t) return;
  m_track_kernel = t->track(m_chip, "kernels");
  m_track_launch = t->track(m_chip, "launch");
  m_track_sm0 = t->track(m_chip, "sm0 CTAs");
}

Picos GpuTile::roofline(const Kernel& k, Bytes hbm_bytes, Bytes l2_bytes) const {
  const DType stored = k.kind == KernelKind::Attention ? k.kv_dtype : k.weight_dtype;
  const DType d = mma_dtype(stored, k.act_dtype);
  const double s = std::max({static_cast<double>(hbm_bytes) / m_peak_mem_bw,
                             static_cast<double>(l2_bytes) / m_cfg.l2_peak_bytes_per_s(),
                             static_cast<double>(k.flops) / m_cfg.peak_flops(d)});
  return static_cast<Picos>(s * kPicosPerSecond);
}

Cycles GpuTile::compute_cycles(const CtaCompute& c, std::uint32_t threads) {
  const std::uint32_t warps = std::max<std::uint32_t>(1, (threads + 31) / 32);
  const std::uint32_t sps = std::min(m_cfg.sm.sub_partitions, warps);
  Cycles tc = 0;
  if (c.tc_tiles > 0) {
    // The CTA's fragments are spread over the tensor cores of the sub-partitions its warps
    // occupy; each runs its share from idle through the core (every tile counted there in rtl
    // mode) and the CTA waits for the slowest.
    const std::uint32_t rows = c.tc_rows ? c.tc_rows : m_cfg.tensor_core.mma_m;
    const matmul::TileShape shape{rows, m_cfg.tensor_core.rows, m_cfg.tensor_core.cols};
    for (std::uint32_t p = 0; p < sps; ++p) {
      const std::uint64_t share = c.tc_tiles / sps + (p < c.tc_tiles % sps ? 1 : 0);
      if (share > 0) tc = std::max(tc, m_core->run_tiles(shape, share));
    }
  }
  // The FP32, INT32 and conversion pipes issue side by side; a CTA's warps reach the pipes of
  // the sub-partitions they occupy.
  const double share = static_cast<double>(sps) / m_cfg.sm.sub_partitions;
  const std::uint32_t lanes = std::min(m_cfg.sm.cuda_cores, warps * 32);
  const Cycles fp = ceil_div<std::uint64_t>(c.cuda_ops, lanes);
  const Cycles in = ceil_div<std::uint64_t>(c.int_ops, std::max<std::uint64_t>(1, static_cast<std::uint64_t>(m_cfg.sm.int_lanes * share)));
  const Cycles cvt =
      ceil_div<std::uint64_t>(c.cvt_ops, std::max<std::uint64_t>(1, static_cast<std::uint64_t>(m_cfg.sm.cvt_per_cycle * share)));
  return tc + std::max({fp, in, cvt});
}

Picos GpuTile::launch_ready(Picos prev_end, bool first_of_token) {
  const LaunchConfig& l = m_cfg.launch;
  // The boundary cost lengthens the device's own path from the previous grid; in stream mode a
  // host that is later still hides it.
  const Picos boundary = ns_to_picos(l.kernel_boundary_us * 1000.0);
  if (l.mode == LaunchMode::CudaGraph)
    return prev_end + ns_to_picos((first_of_token ? l.graph_launch_us : l.graph_gap_us) * 1000.0) + boundary;
  // Stream mode: the host issues launches one after another, running ahead of the GPU; at a
  // token boundary it has waited for the sampled token, so it starts from the GPU's time.
  if (first_of_token) m_host = std::max(m_host, prev_end);
  m_host += ns_to_picos(l.host_issue_us * 1000.0);
  return std::max(prev_end + ns_to_picos(l.stream_gap_us * 1000.0) + boundary, m_host);
}

/// One grid in flight: the event heap and the per-SM and per-slot state its steps share.
/// Events: id < sms is "SM id's load/store unit may issue"; id >= sms is "slot id - sms starts
/// or finishes its CTA". Ties break by id, so runs are deterministic.
struct GpuTile::GridRun {
  static constexpr Picos kNever = ~Picos{0};
  using Ev = std::pair<Picos, std::uint64_t>;

  GpuTile& tile;
  const Grid& g;
  const Picos start;
  const std::uint32_t sms;
  const std::uint64_t slots;
  const Bytes req_bytes;
  const Divisor req_div;  ///< request_bytes: every request's alignment is a remainder by it
  const Picos cta_launch;
  const Bytes cta_limit;
  std::vector<SmState> sm;
  std::vector<Issuer> iss;
  std::priority_queue<Ev, std::vector<Ev>, std::greater<Ev>> heap;
  std::uint64_t next_cta = 0;
  Picos grid_end;
  // AT: loads whose completion the memory reports later (cookie = slot << 32 | bytes).
  struct Done {
    std::uint64_t cookie;
    Picos done;
  };
  std::vector<Done> done_queue;
  sc_core::sc_event done_event;
  std::uint64_t loads_out = 0;

  GridRun(GpuTile& t, const Grid& grid, Picos at)
      : tile(t),
        g(grid),
        start(at),
        sms(t.m_cfg.sms),
        slots(std::min<std::uint64_t>(std::uint64_t{sms} * occupancy(t.m_cfg, grid), grid.ctas)),
        req_bytes(t.m_cfg.sm.request_bytes),
        req_div(req_bytes),
        cta_launch(t.cycles_to_ps(t.m_cfg.sm.cta_launch_cycles)),
        cta_limit(std::max<Bytes>(grid.inflight_bytes, 1)),
        sm(sms),
        iss(slots),
        grid_end(at) {
    for (auto& s : sm) {
      s.window.reset(t.m_cfg.sm.max_inflight_bytes);
      s.lsu_free = s.tc_free = s.last_end = start;
    }
    // The block scheduler fills SMs breadth first: slot s is CTA slot s / sms of SM s % sms.
    for (std::uint64_t s = 0; s < slots; ++s) {
      iss[s].sm = static_cast<std::uint32_t>(s % sms);
      sm[s % sms].slots.push_back(s);
      begin_cta(s, start + cta_launch);
    }
  }

  void run() {
    if (tile.mem.at()) return run_at();
    while (!heap.empty()) {
      const auto [t, id] = heap.top();
      heap.pop();
      event(t, id);
    }
  }

  void event(Picos t, std::uint64_t id) {
    ++tile.m_events;
    if (id < sms) issue_load(static_cast<std::uint32_t>(id), t);
    else cta_event(id - sms, t);
  }

  /// AT: the same events, but in SystemC time: a load's completion is known only when its
  /// response arrives, so the grid advances to each event (or to the next response) before
  /// handling it.
  void run_at() {
    tile.mem.on_done([this](std::uint64_t cookie, Picos done) {
      done_queue.push_back(Done{cookie, done});
      done_event.notify(sc_core::SC_ZERO_TIME);
    });
    while (!heap.empty() || loads_out > 0) {
      drain();
      if (heap.empty()) {
        sc_core::wait(done_event);
        continue;
      }
      const Picos t = heap.top().first, now = sc_now_picos();
      if (t > now) {
        sc_core::wait(to_sc_time(t - now), done_event);
        if (sc_now_picos() < t) continue;
        drain();
      }
      const auto [at, id] = heap.top();
      heap.pop();
      event(at, id);
    }
    tile.mem.on_done(nullptr);
  }

  void drain() {
    for (std::size_t i = 0; i < done_queue.size(); ++i) {
      const Done d = done_queue[i];
      load_done(d.cookie >> 32, d.cookie & 0xffffffffu, d.done);
    }
    done_queue.clear();
  }

  /// AT: load of `bytes` of slot `s` completed at `done`.
  void load_done(std::uint64_t s, Bytes bytes, Picos done) {
    Issuer& I = iss[s];
    SmState& S = sm[I.sm];
    I.window.complete(done, bytes);
    S.window.complete(done, bytes);
    I.last_done = std::max(I.last_done, done);
    --I.pending;
    --loads_out;
    if (I.phase == Issuer::Phase::Finish && I.pending == 0)
      heap.emplace(std::max(I.finish_floor, I.last_done + I.tail), sms + s);
    wake(I.sm, done);  // room frees in the windows then
  }

  void wake(std::uint32_t i, Picos at) {
    SmState& S = sm[i];
    if (S.next_issue <= at) return;  // an earlier wake-up is already queued
    S.next_issue = at;
    heap.emplace(at, i);
  }

  void begin_cta(std::uint64_t s, Picos at) {
    Issuer& I = iss[s];
    I.phase = Issuer::Phase::Start;
    I.cta = next_cta++;
    I.rd.clear();
    I.wr.clear();
    g.accesses(I.cta, I.rd, I.wr);
    I.seg = 0;
    I.off = 0;
    I.start = at;
    I.last_done = at;
    I.requests = 0;
    I.pending = 0;
    I.window.reset(cta_limit);
    heap.emplace(at, sms + s);
  }

  /// Called once a CTA has issued its last load (or has none): its compute overlaps the loads,
  /// and what is left after the last data is its share per request.
  void schedule_finish(std::uint64_t s, Picos now) {
    Issuer& I = iss[s];
    SmState& S = sm[I.sm];
    const GpuConfig& cfg = tile.m_cfg;
    const CtaCompute work = g.compute(I.cta);
    const Picos cp = tile.cycles_to_ps(tile.compute_cycles(work, g.threads));
    const Picos tc_start = std::max(S.tc_free, I.start);
    S.tc_free = tc_start + cp;
    S.compute += cp;
    tile.m_macs += static_cast<double>(work.tc_tiles) * (work.tc_rows ? work.tc_rows : cfg.tensor_core.mma_m) *
                   cfg.tensor_core.rows * cfg.tensor_core.cols;
    tile.m_cuda_ops += static_cast<double>(work.cuda_ops + work.int_ops + work.cvt_ops);
    I.tail = cp / std::max<std::uint64_t>(1, I.requests);
    I.finish_floor = std::max(now, tc_start + cp);
    I.phase = Issuer::Phase::Finish;
    // In AT the last completions may still be out: load_done() schedules the finish then.
    if (I.pending == 0) heap.emplace(std::max(I.finish_floor, I.last_done + I.tail), sms + s);
  }

  /// The request of issuer `I` at its current position: at most one request_bytes block.
  Bytes next_piece(const Issuer& I) const {
    const MemAccess& a = I.rd[I.seg];
    const Bytes addr = a.addr + I.off;
    return std::min<Bytes>(a.len - I.off, req_bytes - req_div.mod(addr));
  }

  /// SM `id`'s load/store unit at `t`: round robin over the resident CTAs that still have
  /// loads; the first whose own window and the SM's window both have room issues one request.
  void issue_load(std::uint32_t id, Picos t) {
    SmState& S = sm[id];
    if (t != S.next_issue) return;  // superseded by an earlier wake-up
    S.next_issue = kNever;
    if (t < S.lsu_free) {
      wake(id, S.lsu_free);
      return;
    }
    S.window.retire(t);
    Picos retry = kNever;
    const std::size_t n = S.slots.size();
    for (std::size_t j = 0; j < n; ++j) {
      std::size_t at = S.rr + j;
      if (at >= n) at -= n;
      const std::uint64_t s = S.slots[at];
      Issuer& I = iss[s];
      if (I.phase != Issuer::Phase::Loads) continue;
      const MemAccess& a = I.rd[I.seg];
      const Bytes addr = a.addr + I.off;
      const Bytes piece = next_piece(I);
      I.window.retire(t);
      Picos avail = t;
      if (!I.window.fits(piece)) avail = I.window.earliest();
      if (!S.window.fits(piece)) avail = std::max(avail, S.window.earliest());
      if (avail > t) {
        retry = std::min(retry, avail);
        continue;
      }
      const AccessResult res = tile.mem.read(I.sm, addr, piece, a.traffic, t, s << 32 | piece);
      if (res.pending) {
        I.window.add_pending(piece);
        S.window.add_pending(piece);
        ++I.pending;
        ++loads_out;
      } else {
        I.window.add(res.done, piece);
        S.window.add(res.done, piece);
        I.last_done = std::max(I.last_done, res.done);
      }
      S.lsu_free = t + tile.cycles_to_ps(ceil_div<Bytes>(piece, tile.m_cfg.sm.lsu_bytes_per_cycle));
      ++I.requests;
      I.off += piece;
      if (I.off == a.len) {
        ++I.seg;
        I.off = 0;
      }
      if (I.seg == I.rd.size()) schedule_finish(s, t);
      S.rr = at + 1;
      // When the SM's window cannot take even the smallest next request of its CTAs, nothing
      // here can issue before a completion frees room: sleep until then, not until lsu_free.
      retry = S.lsu_free;
      Bytes smallest = req_bytes;
      for (const std::uint64_t o : S.slots) {
        const Issuer& J = iss[o];
        if (J.phase != Issuer::Phase::Loads) continue;
        smallest = std::min<Bytes>(smallest, next_piece(J));
      }
      if (!S.window.fits(smallest)) retry = std::max(retry, S.window.earliest());
      break;
    }
    if (retry != kNever) wake(id, retry);
  }

  /// Slot `s` at `t`: its CTA starts issuing loads, or (loads done) finishes.
  void cta_event(std::uint64_t s, Picos t) {
    Issuer& I = iss[s];
    if (I.phase != Issuer::Phase::Start) return retire_cta(s, t);
    if (I.rd.empty()) {
      schedule_finish(s, t);
    } else {
      I.phase = Issuer::Phase::Loads;
      wake(I.sm, std::max(t, sm[I.sm].lsu_free));
    }
  }

  /// Finish: stores issue now, in time order with everyone else's requests; the CTA retires
  /// when the L2 has accepted them and its slot takes the next CTA.
  void retire_cta(std::uint64_t s, Picos t) {
    Issuer& I = iss[s];
    SmState& S = sm[I.sm];
    Picos end = t;
    for (const MemAccess& w : I.wr)
      for (Bytes off = 0; off < w.len;) {
        const Bytes addr = w.addr + off;
        const Bytes piece = std::min<Bytes>(w.len - off, req_bytes - req_div.mod(addr));
        end = std::max(end, tile.mem.write(I.sm, addr, piece, w.traffic, t).done);
        off += piece;
      }
    ++tile.m_ctas;
    ++tile.m_acct.ctas;
    S.last_end = std::max(S.last_end, end);
    S.ran = true;
    grid_end = std::max(grid_end, end);
    if (tile.m_trace && I.sm == 0) trace_cta(I, end);
    I.phase = Issuer::Phase::Idle;
    if (next_cta < g.ctas) begin_cta(s, end + cta_launch);
  }

  void trace_cta(const Issuer& I, Picos end) const {
    SliceArgs a;
    a.layer = tile.m_running->layer;
    Bytes moved = 0;
    for (const MemAccess& x : I.rd) moved += x.len;
    for (const MemAccess& x : I.wr) moved += x.len;
    a.bytes = moved;
    a.shape = std::to_string(g.ctas) + " CTAs x " + std::to_string(g.threads) + " threads";
    tile.m_trace->slice(tile.m_track_sm0, tile.m_running->name + " " + g.name, I.start, end, std::move(a));
  }
};

Picos GpuTile::run_grid(const Grid& g, Picos start) {
  ++m_grids;
  mem.invalidate_l1();
  GridRun run(*this, g, start);
  const Bytes l2_before = mem.l2_read_hit_bytes() + mem.l2_read_miss_bytes() + mem.l2_write_bytes();
  const Bytes l1_before = mem.l1_hit_bytes();
  run.run();
  // Tail: SMs that ran CTAs but finished before the grid did, averaged over all SMs. SMs that
  // never got a CTA are not a tail effect: the grid was too small (counted as low MLP).
  const Picos grid_end = run.grid_end;
  Picos idle = 0, compute = 0;
  for (const auto& x : run.sm) {
    if (x.ran) idle += grid_end - x.last_end;
    compute = std::max(compute, x.compute);
  }
  m_acct.idle_tail += idle / run.sms;
  m_acct.compute += std::min(compute, grid_end - start);
  const Bytes l2_now = mem.l2_read_hit_bytes() + mem.l2_read_miss_bytes() + mem.l2_write_bytes();
  m_acct.l2_bytes += l2_now - l2_before;
  m_sram_bits += 8.0 * static_cast<double>(l2_now - l2_before + mem.l1_hit_bytes() - l1_before);
  return grid_end;
}

KernelAddresses GpuTile::addresses(const Kernel& k, std::size_t index, std::uint32_t token, std::size_t seq) const {
  KernelAddresses a;
  a.weights = m_plan->weight_base[index];
  a.kv = m_plan->kv_base[index];
  a.kv_group_stride = m_plan->kv_group_stride;
  a.kv_v_offset = m_plan->kv_v_offset;
  a.kv_row_bytes = m_plan->kv_row_bytes;
  a.embedding_row_stride = m_plan->embedding_row_stride;
  // Activations ping-pong between two L2-resident buffers: a kernel reads what its predecessor wrote.
  a.act_in = m_act_base[seq % 2];
  a.act_out = m_act_base[(seq + 1) % 2];
  a.scratch = m_scratch_base;
  a.kv_position = m_tokens[token].context - 1;
  a.token = token;
  (void)k;
  return a;
}

KernelPlan GpuTile::plan_kernel(const Kernel& k, std::size_t index, std::uint32_t token) const {
  const std::vector<Kernel> parts = kernel_parts(k);
  if (parts.size() == 1) return map_kernel(m_cfg, k, addresses(k, index, token, index));
  // A mixed step (docs/turns.md): the prefill rows' kernel, then the decoding sequences' own,
  // each its own launch over its own rows, as vLLM's attention backend runs a mixed batch
  // (flash_attn_varlen_func for the prefill tokens, then the decode kernel for the rest).
  KernelPlan plan = map_kernel(m_cfg, parts[0], addresses(parts[0], index, token, index));
  const Kernel& d = parts[1];
  KernelAddresses a = addresses(d, index, token, index);
  a.act_in += parts[0].act_in_bytes;
  a.act_out += parts[0].act_out_bytes;
  if (k.kind == KernelKind::Attention) {
    a.kv += parts[0].groups * a.kv_group_stride;
  } else {
    const std::uint64_t per_seq = m_plan->kv_groups / std::max<std::uint64_t>(1, m_tokens[token].batch);
    a.kv += parts[0].m / std::max<std::uint64_t>(1, parts[0].seq_tokens) * per_seq * a.kv_group_stride;
    a.kv_position = d.k - 1;
  }
  for (Grid& g : map_kernel(m_cfg, d, a).grids) plan.grids.push_back(std::move(g));
  return plan;
}

KernelRecord GpuTile::execute(const Kernel& k, std::size_t index, std::uint32_t token, Picos prev_end) {
  ++m_kernels;
  KernelRecord r = record_for(k, token, m_chip);
  const Bytes hbm_before = mem.hbm_read_bytes() + mem.hbm_write_bytes();
  const Picos refresh_before = mem.refresh_stall();
  m_acct = GridAcct{};
  Picos launch = 0, link = 0, t = prev_end, first = 0;
  const bool first_of_token = index == 0;
  m_running = &k;
  if (k.kind == KernelKind::AllReduce) {
    const Picos ready = launch_ready(t, first_of_token);
    launch = ready - t;
    first = ready;
    Bytes sent = 0;
    t = m_collective ? m_collective(k, ready, &sent) : ready;
    link = t - ready;
    r.link_bytes = sent;
  } else {
    const KernelPlan plan = plan_kernel(k, index, token);
    for (std::size_t gi = 0; gi < plan.grids.size(); ++gi) {
      const Picos ready = launch_ready(t, first_of_token && gi == 0);
      if (m_trace && ready > t) {
        SliceArgs a;
        a.layer = k.layer;
        m_trace->slice(m_track_launch, k.name + " launch", t, ready, std::move(a));
      }
      launch += ready - t;
      if (gi == 0) first = ready;
      t = run_grid(plan.grids[gi], ready);
    }
  }
  r.start = first;
  r.end = t;
  r.exclusive = r.end - prev_end;
  r.cycles = m_clock.to_cycles(r.end - r.start);
  r.mem_bytes = mem.hbm_read_bytes() + mem.hbm_write_bytes() - hbm_before;
  r.roofline = roofline(k, r.mem_bytes, m_acct.l2_bytes);

  // Exclusive time = launch + span; the span splits into ideal HBM streaming, refresh, tail,
  // exposed compute and the rest, which is latency the SMs could not hide (low MLP).
  Picos rem = r.end - r.start;
  auto take = [&rem](Picos want) {
    const Picos got = std::min(want, rem);
    rem -= got;
    return got;
  };
  const Picos stream = static_cast<Picos>(static_cast<double>(r.mem_bytes) / m_peak_mem_bw * kPicosPerSecond);
  // Refresh as the memory attributed it to this kernel's own transactions, per refresh unit.
  const Picos refresh = mem.refresh_units() ? (mem.refresh_stall() - refresh_before) / mem.refresh_units() : 0;
  const Picos hbm_stream = take(stream);
  const Picos link_part = take(link);
  const Picos refresh_part = take(refresh);
  const Picos tail = take(m_acct.idle_tail);
  const Picos compute = take(m_acct.compute > stream ? m_acct.compute - stream : 0);
  const Picos low_mlp = rem;
  r.breakdown = {PartsRelation::Partition,
                 {{TimePart::HbmStream, hbm_stream},
                  {TimePart::Refresh, refresh_part},
                  {TimePart::LowMlp, low_mlp},
                  {TimePart::Tail, tail},
                  {TimePart::Compute, compute},
                  {TimePart::Launch, launch},
                  {TimePart::Link, link_part}}};
  std::string bound = classify_bound(r.duration(), {{"memory", hbm_stream + refresh_part},
                                                    {"compute", m_acct.compute},
                                                    {"link", link_part}});
  if (launch >= r.exclusive / 2) bound = "overhead";
  r.bound = bound;
  if (m_trace) m_trace->slice(m_track_kernel, k.name, r.start, r.end, trace_args(k, r));
  return r;
}

void GpuTile::run() {
  m_peak_mem_bw = mem.target_info->peak_bytes_per_s();
  m_now = sc_now_picos();
  // Layer reuse as in the TPU tile, through the same loop (docs/reuse.md): layer 0 warms L2 and
  // HBM rows, layer 1 is the template, identical later layers replay its records shifted in time.
  // The GPU has no tile timelines to move: its state lives in the memory system and the host.
  // The replay state is owned by the tile, not by this thread's stack: when the watchdog stops
  // the simulation, the thread stays suspended at its wait() and its locals are never
  // destroyed, so anything they owned would leak.
  m_counters.watch(m_host);
  m_counters.watch(m_macs);
  m_counters.watch(m_sram_bits);
  m_counters.watch(m_cuda_ops);
  replay::LayerReplay::Hooks hooks;
  hooks.execute = [this](const Kernel& k, std::size_t i) { return execute(k, i, m_token, m_now); };
  hooks.trace = m_trace;
  hooks.trace_chip = static_cast<int>(m_chip);
  hooks.kernel_track = m_track_kernel;
  // Activations ping-pong through L2 here, so their sizes are part of the work.
  hooks.same = [](const Kernel& a, const Kernel& b) {
    return replay::same_work(a, b) && replay::same_activations(a, b);
  };
  m_replayer = std::make_unique<replay::LayerReplay>(m_reuse, std::move(hooks), m_counters, m_reused_layers);
  for (m_token = 0; m_token < m_tokens.size(); ++m_token) {
    m_plan = &plan_for(m_plans, m_tokens[m_token]);
    m_replayer->run_token(m_tokens[m_token], m_records, m_now);
    // Token boundary: the sampled token feeds the next step, so time must be real here.
    if (m_now > sc_now_picos()) wait(to_sc_time(m_now - sc_now_picos()));
  }
  m_finished = true;
}

const StatGroup& GpuTile::stats() const {
  StatGroup& s = m_stats;
  s.set("kernels", double(m_kernels), "count", "kernels executed (simulated, not replayed)");
  s.set("grids", double(m_grids), "count", "grid launches (flash-decoding adds a combine grid)");
  s.set("ctas", double(m_ctas), "count", "CTAs executed");
  s.set("events", double(m_events), "count", "scheduler events processed (simulation cost, not hardware)");
  s.set("tensor_macs", m_macs, "MAC", "tensor-core MACs including padding to mma_m rows");
  s.set("cuda_ops", m_cuda_ops, "ops", "CUDA-core element operations");
  s.group("memory") = mem.stats();
  return s;
}

}  // namespace decodesim::gpu
