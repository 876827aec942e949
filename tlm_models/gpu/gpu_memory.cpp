#include "gpu/gpu_memory.h"

#include <algorithm>
#include <stdexcept>

#include "common/base/sc_time_conv.h"

namespace decodesim::gpu {
namespace {

constexpr Bytes kSector = 64;

/// Sectors touched by [off, off + len) inside a block.
std::uint64_t touched_mask(Bytes off, Bytes len) {
  const Bytes s0 = off / kSector, s1 = (off + len + kSector - 1) / kSector;
  const std::uint64_t hi = s1 >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << s1) - 1;
  return hi & ~((std::uint64_t{1} << s0) - 1);
}

/// Sectors wholly covered by [off, off + len): only these become valid after a fill.
std::uint64_t covered_mask(Bytes off, Bytes len) {
  const Bytes s0 = (off + kSector - 1) / kSector, s1 = (off + len) / kSector;
  if (s1 <= s0) return 0;
  const std::uint64_t hi = s1 >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << s1) - 1;
  return hi & ~((std::uint64_t{1} << s0) - 1);
}

/// A deterministic mix of the block index: consecutive blocks land on unrelated slices, as the
/// XOR-based address hashes of NVIDIA L2s do, so strided streams do not camp on one slice.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

GpuMemory::GpuMemory(sc_core::sc_module_name name, const GpuConfig& cfg, const memory::TlmSettings& tlm)
    : sc_core::sc_module(name),
      socket("socket"),
      target_info("target_info"),
      m_cfg(cfg),
      m_clock(cfg.clock_ghz),
      m_slices_per_partition(cfg.l2.slices / cfg.l2.partitions),
      m_block(cfg.l2.block_bytes),
      m_port(this->name(), socket, target_info, tlm, 1, cfg.l2.block_bytes),
      m_stats(basename()) {
  socket.register_nb_transport_bw(this, &GpuMemory::nb_transport_bw);
  m_l1_lat = cycles(cfg.l1.latency_cycles);
  m_noc_near_half = cycles(cfg.noc.near_cycles) / 2;
  m_noc_far_half = cycles(cfg.noc.near_cycles + cfg.noc.far_extra_cycles) / 2;
  m_hit = cycles(cfg.l2.hit_cycles);
  m_miss_half = cycles(cfg.l2.miss_cycles) / 2;
  m_l1.reserve(cfg.sms);
  for (std::uint32_t i = 0; i < cfg.sms; ++i) m_l1.emplace_back(cfg.l1.capacity_bytes / cfg.l2.block_bytes);
  m_l2.reserve(cfg.l2.slices);
  for (std::uint32_t i = 0; i < cfg.l2.slices; ++i) m_l2.emplace_back(cfg.l2.blocks_per_slice());
  m_slice_free.assign(cfg.l2.slices, 0);
  m_slice_busy.assign(cfg.l2.slices, 0);
}

std::uint32_t GpuMemory::slice_of(Bytes addr) const {
  return static_cast<std::uint32_t>(mix(addr / m_block) % m_cfg.l2.slices);
}

Picos GpuMemory::hbm(Bytes addr, Bytes len, bool write, Picos arrival) {
  const Picos done = m_port.transport(write, addr, len, arrival, m_issue);
  (write ? m_hbm_write : m_hbm_read) += len;
  return done;
}

AccessResult GpuMemory::read(std::uint32_t sm, Bytes addr, Bytes len, Traffic t, Picos issue) {
  AccessResult r;
  m_issue = issue;
  ++m_requests;
  const std::uint64_t block = addr / m_block;
  const Bytes off = addr % m_block;
  const std::uint64_t need = touched_mask(off, len);
  const std::uint64_t full = covered_mask(off, len);
  // Streaming loads (weights, KV) skip L1 allocation, as decode kernels' ld.global.nc / evict
  // hints do; activations and microbenchmark chases use it.
  if (t == Traffic::Activation && m_cfg.l1.capacity_bytes > 0) {
    BlockCache& l1 = m_l1[sm];
    if ((l1.lookup(block) & need) == need) {
      m_l1_hit += len;
      r.hit_bytes = len;
      r.done = issue + m_l1_lat;
      return r;
    }
  }
  const std::uint32_t slice = slice_of(addr);
  r.far = partition_of_slice(slice) != partition_of_sm(sm);
  if (r.far) ++m_far;
  // Every request reaches its slice after the same delay and the far partition's extra
  // round trip is paid on the way back: requests then meet the slice timelines in the order
  // they were issued, so a slice never idles behind a later-arriving far request.
  const Picos arrive = issue + m_l1_lat + m_noc_near_half;
  const Picos back = r.far ? m_noc_far_half * 2 - m_noc_near_half : m_noc_near_half;
  const Picos start = std::max(arrive, m_slice_free[slice]);
  const Picos occ = cycles(ceil_div<Bytes>(len, m_cfg.l2.slice_bytes_per_cycle));
  m_slice_free[slice] = start + occ;
  m_slice_busy[slice] += occ;

  BlockCache& l2 = m_l2[slice];
  const std::uint64_t present = l2.lookup(block);
  std::uint64_t missing = need & ~present;
  Picos ready = start + m_hit;
  // One HBM request per run of consecutive missing sectors, clipped to the bytes asked for,
  // so HBM serves exactly the L2 miss bytes.
  while (missing) {
    const unsigned s0 = static_cast<unsigned>(__builtin_ctzll(missing));
    unsigned s1 = s0;
    while (s1 < 64 && (missing >> s1 & 1)) ++s1;
    const Bytes lo = std::max<Bytes>(off, Bytes{s0} * kSector), hi = std::min<Bytes>(off + len, Bytes{s1} * kSector);
    const Picos done = hbm(block * m_block + lo, hi - lo, false, start + m_miss_half);
    ready = std::max(ready, done + m_miss_half);
    r.hbm_bytes += hi - lo;
    missing &= s1 >= 64 ? 0 : ~((std::uint64_t{1} << s1) - 1);
  }
  m_l2_miss += r.hbm_bytes;
  m_l2_hit += len - r.hbm_bytes;
  r.hit_bytes = len - r.hbm_bytes;

  const bool stream = t != Traffic::Activation;
  if (!(stream && m_cfg.l2.stream_policy == StreamPolicy::NoAllocate)) {
    const LineClass cls =
        stream && m_cfg.l2.stream_policy == StreamPolicy::EvictFirst ? LineClass::Stream : LineClass::Normal;
    std::uint64_t victim = 0, dirty = 0;
    if (l2.fill(block, full | (present & need), cls, false, &victim, &dirty)) {
      // Write-back of an evicted dirty block: off the requester's critical path.
      for (unsigned s = 0; s < 64; ++s)
        if (dirty >> s & 1) hbm(victim * m_block + Bytes{s} * kSector, kSector, true, start);
      ++m_writebacks;
    }
  }
  if (t == Traffic::Activation && m_cfg.l1.capacity_bytes > 0) {
    std::uint64_t v = 0, d = 0;
    m_l1[sm].fill(block, full, LineClass::Normal, false, &v, &d);
  }
  r.done = ready + back;
  return r;
}

AccessResult GpuMemory::write(std::uint32_t sm, Bytes addr, Bytes len, Traffic t, Picos issue) {
  AccessResult r;
  m_issue = issue;
  ++m_requests;
  const std::uint64_t block = addr / m_block;
  const Bytes off = addr % m_block;
  const std::uint32_t slice = slice_of(addr);
  r.far = partition_of_slice(slice) != partition_of_sm(sm);
  if (r.far) ++m_far;
  const Picos arrive = issue + m_l1_lat + m_noc_near_half;
  const Picos back = r.far ? m_noc_far_half * 2 - m_noc_near_half : m_noc_near_half;
  const Picos start = std::max(arrive, m_slice_free[slice]);
  const Picos occ = cycles(ceil_div<Bytes>(len, m_cfg.l2.slice_bytes_per_cycle));
  m_slice_free[slice] = start + occ;
  m_slice_busy[slice] += occ;
  m_l2_write += len;
  m_l1[sm].invalidate(block, touched_mask(off, len));
  BlockCache& l2 = m_l2[slice];
  if (t == Traffic::Activation) {
    std::uint64_t victim = 0, dirty = 0;
    // The L2 merges partial-sector stores with byte masks instead of fetching the rest of the
    // sector from DRAM, so every touched sector becomes valid (and dirty).
    if (l2.fill(block, touched_mask(off, len), LineClass::Normal, true, &victim, &dirty)) {
      for (unsigned s = 0; s < 64; ++s)
        if (dirty >> s & 1) hbm(victim * m_block + Bytes{s} * kSector, kSector, true, start);
      ++m_writebacks;
    }
  } else {
    // Streaming store (KV append): written through to HBM, any stale L2 copy dropped. The SM
    // sees the store complete once the slice has accepted it.
    l2.invalidate(block, touched_mask(off, len));
    hbm(addr, len, true, start + m_miss_half);
    r.hbm_bytes = len;
  }
  r.done = start + m_hit + back;
  return r;
}

void GpuMemory::invalidate_l1() {
  for (auto& c : m_l1)
    if (c.size()) c.clear();
}

void GpuMemory::preload_l2(Bytes addr, Bytes len) {
  for (Bytes a = addr; a < addr + len;) {
    const Bytes end = std::min(addr + len, (a / m_block + 1) * m_block);
    std::uint64_t v = 0, d = 0;
    m_l2[slice_of(a)].fill(a / m_block, covered_mask(a % m_block, end - a), LineClass::Normal, false, &v, &d);
    a = end;
  }
}

const StatGroup& GpuMemory::stats() const {
  StatGroup& s = m_stats;
  s.set("requests", double(m_requests), "count", "SM requests served (one L2 transaction each)");
  s.set("far_requests", double(m_far), "count", "requests that crossed to the other L2 partition");
  s.set("l1_hit_bytes", double(m_l1_hit), "B", "bytes served by an SM's L1");
  s.set("l2_read_hit_bytes", double(m_l2_hit), "B", "read bytes found in L2");
  s.set("l2_read_miss_bytes", double(m_l2_miss), "B", "read bytes fetched from HBM");
  s.set("l2_write_bytes", double(m_l2_write), "B", "bytes stored through L2");
  s.set("hbm_read_bytes", double(m_hbm_read), "B", "bytes HBM delivered (== l2_read_miss_bytes)");
  s.set("hbm_write_bytes", double(m_hbm_write), "B", "bytes written to HBM (stores through + write-backs)");
  s.set("writebacks", double(m_writebacks), "count", "dirty L2 blocks evicted to HBM");
  Picos busy = 0;
  for (Picos b : m_slice_busy) busy += b;
  s.set("slice_busy", double(busy), "ps", "data-bus occupancy summed over slices");
  return s;
}

}  // namespace decodesim::gpu
