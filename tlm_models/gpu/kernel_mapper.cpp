#include "gpu/kernel_mapper.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

namespace decodesim::gpu {
namespace {

Bytes bytes_of(std::uint64_t elements, DType d) { return (elements * dtype_bits(d) + 7) / 8; }

constexpr Bytes kPartialBytes = 4;   // fp32 partial sums (split-K atomics, flash-decoding partials)
constexpr std::uint64_t kCombineOpsPerElement = 3;  // rescale by exp(lse_i - lse), accumulate, normalise
constexpr std::uint64_t kSoftmaxOpsPerScore = 6;    // as the workload's count (docs/workloads.md)

Grid base_grid(const std::string& name, std::uint64_t ctas, std::uint32_t threads, std::uint32_t regs,
               std::uint32_t inflight_per_thread) {
  Grid g;
  g.name = name;
  g.ctas = ctas;
  g.threads = threads;
  g.regs_per_thread = regs;
  g.inflight_bytes = threads * inflight_per_thread;
  return g;
}

/// Element-wise kernels keep one 16 B vector load per thread in flight.
constexpr std::uint32_t kElementwiseInflightPerThread = 16;
constexpr std::uint32_t kElementwiseRegs = 32;

}  // namespace

CtaCompute mma_work(const GpuConfig& cfg, std::uint64_t m, std::uint64_t k, std::uint64_t n, DType w, DType act) {
  // Weight-only formats are converted to the activations' format before the MMA: the
  // fragment's k-depth is set by the wider of the two operands.
  const DType d = mma_dtype(w, act);
  const std::uint64_t mma_m = cfg.tensor_core.mma_m;
  const std::uint64_t padded = ceil_div<std::uint64_t>(std::max<std::uint64_t>(m, 1), mma_m) * mma_m;
  const std::uint64_t per_load = std::min<std::uint64_t>(padded, std::max<std::uint64_t>(cfg.tensor_core.warp_m, mma_m));
  CtaCompute c;
  c.tc_tiles = ceil_div<std::uint64_t>(padded, per_load) * ceil_div<std::uint64_t>(k, k_per_tile(cfg.tensor_core, d)) *
               ceil_div<std::uint64_t>(n, cfg.tensor_core.cols);
  c.tc_rows = static_cast<std::uint32_t>(per_load);
  return c;
}

bool uses_tinygemm(DType w) { return dtype_bits(w) == 4; }

bool gemv_on_cuda_cores(std::uint64_t m, DType w) { return m <= 1 && !uses_tinygemm(w); }

DequantOps gemv_weight_ops(std::uint64_t m, DType w) {
  DequantOps dq = dequant_ops(w);
  if (gemv_on_cuda_cores(m, w)) dq.fp_ops += 1;  // the reduction's FMA, on the FP32 pipe
  return dq;
}

DequantOps dequant_ops(DType w) {
  switch (w) {
    case DType::BF16: return {};
    // Per element: cvt.rn.f32.s8, then cvt.rn.bf16x2.f32 per pair; the per-channel scale is
    // applied once per output (PTX ISA "cvt"; what Triton emits for w.to(bfloat16)).
    case DType::INT8: return {0, 1.5, 0};
    // cvt.rn.f16x2.e4m3x2 per pair, cvt.f32.f16 per element, cvt.rn.bf16x2.f32 per pair.
    case DType::FP8: return {0, 2.0, 0};
    // No conversion instruction: the magic-number trick (Kim et al., "Who Says Elephants Can't
    // Run", arXiv:2211.10017, and PyTorch's tinygemm int4mm.cu) turns 8 nibbles of one 32-bit
    // word into 4 bf16x2 with a shift and 4 LOP3s (int), then 4 bf16x2 subtracts of the magic
    // bias and 4 bf16x2 FMAs with the group's scale and zero (fp).
    case DType::INT4:
    case DType::INT4_G32:
    case DType::INT4_G64:
    case DType::INT4_G128: return {5.0 / 8, 0, 1.0};
  }
  return {};
}

double dequant_cycles(const GpuConfig& cfg, const DequantOps& dq, double weights) {
  return std::max({dq.int_ops * weights / cfg.sm.int_lanes, dq.cvt_ops * weights / cfg.sm.cvt_per_cycle,
                   dq.fp_ops * weights / cfg.sm.cuda_cores});
}

std::uint32_t gemv_inflight_per_thread(const GpuConfig& cfg, DType w) {
  // At least one 16 B vector load per thread.
  return std::max<std::uint32_t>(16, cfg.kernels.gemv_inflight_per_thread * dtype_bits(w) / 16);
}

namespace {

/// `ctas` CTAs of the GEMV launch that runs weights of `w`: tinygemm's fixed one for int4, the
/// config's gemv_* shape otherwise. The tiler's probe and the mapped grid both take it from here.
Grid gemv_grid(const GpuConfig& cfg, std::uint64_t ctas, DType w) {
  if (uses_tinygemm(w))
    return base_grid("gemm", ctas, TinygemmLaunch::kThreads, TinygemmLaunch::kRegs, TinygemmLaunch::kInflightPerThread);
  return base_grid("gemm", ctas, cfg.kernels.gemv_threads, cfg.kernels.gemv_regs_per_thread,
                   gemv_inflight_per_thread(cfg, w));
}

}  // namespace

std::uint32_t occupancy(const GpuConfig& cfg, const Grid& g) {
  std::uint64_t o = cfg.sm.max_ctas;
  o = std::min<std::uint64_t>(o, cfg.sm.max_threads / std::max<std::uint32_t>(g.threads, 1));
  o = std::min<std::uint64_t>(o, cfg.sm.registers / std::max<std::uint64_t>(1, std::uint64_t{g.threads} * g.regs_per_thread));
  if (g.smem_bytes > 0) o = std::min<std::uint64_t>(o, cfg.sm.shared_memory_bytes / g.smem_bytes);
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(o, 1));
}

double grid_cost(const GpuConfig& cfg, std::uint64_t ctas, double cta_bytes, double cta_inflight, std::uint32_t occ) {
  // The busiest SM runs c CTAs, r at a time, sharing min(SM window, r CTA windows) of bytes in
  // flight: by Little's law it needs c·bytes / window latencies to stream, plus one latency to
  // start each round of r CTAs.
  const double c = static_cast<double>(ceil_div<std::uint64_t>(ctas, cfg.sms));
  const double r = std::min<double>(c, occ);
  const double window = std::min<double>(cfg.sm.max_inflight_bytes, r * cta_inflight);
  return c * cta_bytes / window + std::ceil(c / r);
}

std::pair<std::uint32_t, std::uint32_t> choose_gemm_tiling(const GpuConfig& cfg, std::uint64_t m, std::uint64_t n,
                                                           std::uint64_t k, std::uint64_t groups, DType w, DType act) {
  if (uses_tinygemm(w)) return {TinygemmLaunch::kTileN, 1};
  Grid probe = gemv_grid(cfg, 1, w);
  const std::uint32_t occ = occupancy(cfg, probe);
  const DequantOps dq = gemv_weight_ops(m, w);
  const double latency = cfg.l1.latency_cycles + cfg.noc.near_cycles + cfg.l2.hit_cycles + cfg.l2.miss_cycles;
  std::pair<std::uint32_t, std::uint32_t> best{256, 1};
  double best_cost = std::numeric_limits<double>::max();
  for (std::uint32_t split = 1; split <= cfg.kernels.gemv_max_split; split *= 2) {
    if (split > 1 && k / split < cfg.kernels.gemv_min_k_per_split) break;
    for (std::uint32_t tile : {8u, 16u, 32u, 64u, 128u, 256u}) {
      const std::uint64_t ctas = groups * ceil_div<std::uint64_t>(n, tile) * split;
      const std::uint64_t kc = ceil_div<std::uint64_t>(k, split);
      // Weights of the tile, the x slice every CTA re-reads from L2, and split-K's fp32 atomics.
      const std::uint64_t cols = std::min<std::uint64_t>(tile, n);
      const double bytes = static_cast<double>(matrix_offset(0, cols, kc, k, w) + bytes_of(kc, act) +
                                               (split > 1 ? std::min<std::uint64_t>(tile, n) * kPartialBytes : 0));
      // Unpacking narrow weights can outlast their streaming: the busiest SM's dequantisation,
      // in the same latency units (an unloaded HBM round trip), bounds the grid as well.
      const double per_cta = dequant_cycles(cfg, dq, static_cast<double>(cols * kc));
      const double waves = static_cast<double>(ceil_div<std::uint64_t>(ctas, cfg.sms));
      const double cost = std::max(grid_cost(cfg, ctas, bytes, probe.inflight_bytes, occ), waves * per_cta / latency);
      if (cost < best_cost * (1 - 1e-9)) {  // ties keep the earlier: no split, smaller tile
        best_cost = cost;
        best = {tile, split};
      }
    }
  }
  return best;
}

std::uint32_t choose_kv_split(const GpuConfig& cfg, std::uint64_t groups, std::uint64_t positions, Bytes row_bytes) {
  Grid probe = base_grid("attn", 1, cfg.kernels.attn_threads, cfg.kernels.attn_regs_per_thread,
                         cfg.kernels.attn_inflight_per_thread);
  const std::uint32_t occ = occupancy(cfg, probe);
  const std::uint64_t most = std::min<std::uint64_t>(
      cfg.kernels.attn_max_split, std::max<std::uint64_t>(1, positions / cfg.kernels.attn_min_block));
  std::uint32_t best = 1;
  double best_cost = std::numeric_limits<double>::max();
  for (std::uint64_t s = 1; s <= most; ++s) {
    const double bytes = 2.0 * static_cast<double>(ceil_div<std::uint64_t>(positions, s) * row_bytes);
    // A split also costs a combine kernel: about one more latency per extra round.
    const double cost = grid_cost(cfg, groups * s, bytes, probe.inflight_bytes, occ) + (s > 1 ? 1.0 : 0.0);
    if (cost < best_cost * (1 - 1e-9)) {
      best_cost = cost;
      best = static_cast<std::uint32_t>(s);
    }
  }
  return best;
}

Grid tiled_gemm_grid(const GpuConfig& cfg, const TiledGemm& t) {
  const std::uint64_t mt = ceil_div<std::uint64_t>(t.m, kGemmTileM), nt = ceil_div<std::uint64_t>(t.n, kGemmTileN);
  const std::uint64_t chunks = ceil_div<std::uint64_t>(t.k, kGemmChunkK);
  const Bytes a_chunk = bytes_of(kGemmTileM * kGemmChunkK, t.act);
  const Bytes b_chunk = matrix_offset(0, kGemmTileN, kGemmChunkK, t.k, t.weight);
  const Bytes group_bytes = matrix_bytes(t.k, t.n, t.weight);
  Grid g;
  g.name = "gemm_tiled";
  g.threads = 256;
  g.regs_per_thread = 232;  // 128×256 fp32 accumulators over 256 threads, plus operands
  g.inflight_bytes = static_cast<std::uint32_t>(3 * (a_chunk + b_chunk));  // 3-stage cp.async/TMA pipeline
  g.ctas = t.groups * mt * nt;
  // Rasterisation: groups of kGemmRasterGroup m-tiles sweep the n-tiles together.
  auto tile_of = [mt, nt](std::uint64_t i) {
    const std::uint64_t per_group = kGemmRasterGroup * nt, grp = i / per_group, in = i % per_group;
    const std::uint64_t rows = std::min<std::uint64_t>(kGemmRasterGroup, mt - grp * kGemmRasterGroup);
    return std::make_pair(grp * kGemmRasterGroup + in % rows, in / rows);
  };
  g.accesses = [t, mt, nt, chunks, a_chunk, group_bytes, tile_of](std::uint64_t i, std::vector<MemAccess>& rd,
                                                                   std::vector<MemAccess>& wr) {
    const std::uint64_t grp = i / (mt * nt);
    const auto [im, in] = tile_of(i % (mt * nt));
    const std::uint64_t n0 = in * kGemmTileN, cols = std::min<std::uint64_t>(t.n, n0 + kGemmTileN) - n0;
    const std::uint64_t rows = std::min<std::uint64_t>(t.m, (im + 1) * kGemmTileM) - im * kGemmTileM;
    const Bytes a_base = t.a + grp * bytes_of(mt * kGemmTileM * t.k, t.act) + im * chunks * a_chunk;
    const Bytes b_base = t.b + grp * group_bytes;
    for (std::uint64_t c = 0; c < chunks; ++c) {
      const std::uint64_t k0 = c * kGemmChunkK, k1 = std::min<std::uint64_t>(t.k, k0 + kGemmChunkK);
      rd.push_back({a_base + c * a_chunk, bytes_of(rows * (k1 - k0), t.act), Traffic::SharedOperand});
      const Bytes lo = matrix_offset(n0, cols, k0, t.k, t.weight), hi = matrix_offset(n0, cols, k1, t.k, t.weight);
      rd.push_back({b_base + lo, hi - lo, Traffic::SharedOperand});
    }
    const Bytes c_tile = bytes_of(kGemmTileM * kGemmTileN, t.act);
    wr.push_back({t.c + ((grp * mt + im) * nt + in) * c_tile, bytes_of(rows * cols, t.act), Traffic::Activation});
  };
  const GpuConfig c = cfg;
  g.compute = [c, t, mt, nt, tile_of](std::uint64_t i) {
    const auto [im, in] = tile_of(i % (mt * nt));
    const std::uint64_t n0 = in * kGemmTileN, cols = std::min<std::uint64_t>(t.n, n0 + kGemmTileN) - n0;
    const std::uint64_t rows = std::min<std::uint64_t>(t.m, (im + 1) * kGemmTileM) - im * kGemmTileM;
    CtaCompute w = mma_work(c, rows, t.k, cols, t.weight, t.act);
    // Weight-only formats are unpacked once per CTA on the CUDA cores, as in the GEMV.
    const DequantOps dq = dequant_ops(t.weight == t.act ? DType::BF16 : t.weight);
    const double weights = static_cast<double>(t.k * cols);
    w.int_ops = static_cast<std::uint64_t>(dq.int_ops * weights);
    w.cvt_ops = static_cast<std::uint64_t>(dq.cvt_ops * weights);
    w.cuda_ops = static_cast<std::uint64_t>(dq.fp_ops * weights);
    return w;
  };
  return g;
}

Bytes scratch_bytes(const GpuConfig& cfg, const Kernel& k) {
  // Flash attention over query tiles (prefill) writes its output directly: no partials.
  if (k.kind == KernelKind::Attention && k.seq_tokens > 1 && k.m >= 128) return 0;
  if (k.kind == KernelKind::Attention)
    return k.groups * cfg.kernels.attn_max_split * std::max<std::uint64_t>(k.m, 1) * (k.k + 2) * kPartialBytes;
  return 0;
}

namespace {

KernelPlan map_tiled_gemm(const GpuConfig& cfg, const Kernel& k, const KernelAddresses& a) {
  KernelPlan p;
  TiledGemm t;
  t.m = k.m;
  t.n = k.n;
  t.k = k.k;
  t.groups = k.groups;
  t.weight = k.weight_dtype;
  t.act = k.act_dtype;
  t.a = a.act_in;
  t.b = a.weights;
  t.c = a.act_out;
  p.grids.push_back(tiled_gemm_grid(cfg, t));
  p.tile = static_cast<std::uint32_t>(kGemmTileN);
  return p;
}

KernelPlan map_gemm(const GpuConfig& cfg, const Kernel& k, const KernelAddresses& a) {
  // A full 128-row tile of tokens makes the GEMM a tiled one (what cuBLAS and TensorRT-LLM pick
  // for prefill); below it, decode's GEMV with split-K.
  if (k.m >= kGemmTileM) return map_tiled_gemm(cfg, k, a);
  KernelPlan p;
  // Plain variables, not a structured binding: lambdas below capture them, which C++17 allows
  // only for variables (clang rejects capturing a binding; `make test-sanitize` builds with clang).
  const std::uint64_t m = std::max<std::uint64_t>(k.m, 1);
  const std::pair<std::uint32_t, std::uint32_t> tiling =
      choose_gemm_tiling(cfg, m, k.n, k.k, k.groups, k.weight_dtype, k.act_dtype);
  const std::uint32_t tile = tiling.first, split = tiling.second;
  p.split = split;
  p.tile = tile;
  const std::uint64_t n_tiles = ceil_div<std::uint64_t>(k.n, tile);
  const std::uint64_t k_chunk = ceil_div<std::uint64_t>(k.k, split);
  const Bytes group_bytes = matrix_bytes(k.k, k.n, k.weight_dtype);
  Grid g = gemv_grid(cfg, k.groups * n_tiles * split, k.weight_dtype);
  const Kernel kk = k;
  g.accesses = [kk, a, n_tiles, split, tile, k_chunk, group_bytes, m](std::uint64_t i, std::vector<MemAccess>& rd,
                                                                      std::vector<MemAccess>& wr) {
    const std::uint64_t s = i % split, nt = (i / split) % n_tiles, grp = i / split / n_tiles;
    const std::uint64_t n0 = nt * tile, n1 = std::min<std::uint64_t>(kk.n, n0 + tile);
    const std::uint64_t k0 = s * k_chunk, k1 = std::min<std::uint64_t>(kk.k, k0 + k_chunk);
    if (k1 <= k0) return;
    // The activation slice x[:, k0:k1] of this group's rows, from L2.
    for (std::uint64_t r = 0; r < m; ++r)
      rd.push_back({a.act_in + bytes_of(r * kk.k + k0, kk.act_dtype), bytes_of(k1 - k0, kk.act_dtype),
                    Traffic::Activation});
    // Weights are packed offline in CTA order (tile by tile, each tile's k-splits one after
    // another, each group's scales beside its elements), as split-K GEMV libraries do: every
    // CTA streams one contiguous range.
    const Bytes wbase = a.weights + grp * group_bytes;
    const Bytes lo = matrix_offset(n0, n1 - n0, k0, kk.k, kk.weight_dtype);
    const Bytes hi = matrix_offset(n0, n1 - n0, k1, kk.k, kk.weight_dtype);
    rd.push_back({wbase + lo, hi - lo, Traffic::Weights});
    // y[:, n0:n1]: bf16 stores, or fp32 atomics into the scratch when k is split.
    const Bytes out_elem = split > 1 ? kPartialBytes : bytes_of(1, kk.act_dtype);
    for (std::uint64_t r = 0; r < m; ++r)
      wr.push_back({(split > 1 ? a.scratch : a.act_out) + (r * kk.n + n0) * out_elem, (n1 - n0) * out_elem,
                    Traffic::Activation});
  };
  const GpuConfig c = cfg;
  g.compute = [c, kk, n_tiles, split, tile, k_chunk, m](std::uint64_t i) {
    const std::uint64_t s = i % split, nt = (i / split) % n_tiles;
    const std::uint64_t n0 = nt * tile, n1 = std::min<std::uint64_t>(kk.n, n0 + tile);
    const std::uint64_t k0 = s * k_chunk, k1 = std::min<std::uint64_t>(kk.k, k0 + k_chunk);
    const std::uint64_t kc = k1 > k0 ? k1 - k0 : 0;
    const bool cuda_cores = gemv_on_cuda_cores(m, kk.weight_dtype);
    CtaCompute w = cuda_cores ? CtaCompute{} : mma_work(c, m, kc, n1 - n0, kk.weight_dtype, kk.act_dtype);
    // Every weight is unpacked and scaled once on the CUDA cores, before the tensor cores (or,
    // for a one-row reduction, before its FMA on the FP32 pipe).
    const DequantOps dq = gemv_weight_ops(m, kk.weight_dtype);
    const double weights = static_cast<double>(kc * (n1 - n0));
    w.int_ops = static_cast<std::uint64_t>(dq.int_ops * weights);
    w.cvt_ops = static_cast<std::uint64_t>(dq.cvt_ops * weights);
    w.cuda_ops = static_cast<std::uint64_t>(dq.fp_ops * weights);
    return w;
  };
  p.grids.push_back(std::move(g));
  return p;
}

/// Flash attention for several query tokens per sequence (prefill chunk, verify): one CTA per
/// (group, tile of 128 query rows), whose rows are `per_token` query heads of consecutive
/// tokens. It streams K and V of the causal prefix its last token sees (whole blocks: FA2
/// skips only fully masked blocks) and keeps the 128 × block score tile on chip, so only Q, K,
/// V and O move. A group's K/V is re-read by each of its query tiles, mostly from L2.
KernelPlan map_flash_attention(const GpuConfig& cfg, const Kernel& k, const KernelAddresses& a) {
  KernelPlan p;
  const std::uint64_t groups = k.groups, d = k.k, q = k.seq_tokens;
  const std::uint64_t rows = std::max<std::uint64_t>(k.m, 1), per_token = std::max<std::uint64_t>(1, rows / q);
  const std::uint64_t past = k.n - q;
  constexpr std::uint64_t kRows = 128, kBlock = 64;
  const std::uint64_t tiles = ceil_div<std::uint64_t>(rows, kRows);
  p.tile = static_cast<std::uint32_t>(kRows);
  Grid g = base_grid("flash_attn", groups * tiles, cfg.kernels.attn_threads, 255, 0);
  g.smem_bytes = static_cast<std::uint32_t>(bytes_of(kRows * d, k.act_dtype) + 2 * 2 * kBlock * a.kv_row_bytes);
  g.inflight_bytes = static_cast<std::uint32_t>(2 * 2 * kBlock * a.kv_row_bytes);  // K and V blocks, double-buffered
  const Kernel kk = k;
  auto span = [rows, per_token, past, q, kk](std::uint64_t tile) {
    const std::uint64_t r0 = tile * kRows, r1 = std::min(rows, r0 + kRows);
    const std::uint64_t last_token = std::min(q - 1, (r1 - 1) / per_token);
    const std::uint64_t keys = std::min<std::uint64_t>(kk.n, ceil_div<std::uint64_t>(past + last_token + 1, kBlock) * kBlock);
    return std::make_tuple(r0, r1, keys);
  };
  g.accesses = [kk, a, tiles, d, span](std::uint64_t i, std::vector<MemAccess>& rd, std::vector<MemAccess>& wr) {
    const std::uint64_t grp = i / tiles, tile = i % tiles;
    const auto [r0, r1, keys] = span(tile);
    const Bytes q_base = a.act_in + grp * bytes_of(kk.m * d, kk.act_dtype);
    rd.push_back({q_base + bytes_of(r0 * d, kk.act_dtype), bytes_of((r1 - r0) * d, kk.act_dtype), Traffic::Activation});
    const Bytes kbase = a.kv + grp * a.kv_group_stride;
    // Every query tile of the group re-reads this K/V: normal L2 priority, not a stream.
    rd.push_back({kbase, keys * a.kv_row_bytes, Traffic::SharedOperand});
    rd.push_back({kbase + a.kv_v_offset, keys * a.kv_row_bytes, Traffic::SharedOperand});
    const Bytes o_base = a.act_out + grp * bytes_of(kk.m * d, kk.act_dtype);
    wr.push_back({o_base + bytes_of(r0 * d, kk.act_dtype), bytes_of((r1 - r0) * d, kk.act_dtype), Traffic::Activation});
  };
  const GpuConfig c = cfg;
  g.compute = [c, kk, tiles, d, span](std::uint64_t i) {
    const auto [r0, r1, keys] = span(i % tiles);
    CtaCompute w = mma_work(c, r1 - r0, d, keys, kk.kv_dtype, kk.act_dtype);
    w.tc_tiles += mma_work(c, r1 - r0, keys, d, kk.kv_dtype, kk.act_dtype).tc_tiles;
    w.cuda_ops = (r1 - r0) * keys * kSoftmaxOpsPerScore;
    return w;
  };
  p.grids.push_back(std::move(g));
  return p;
}

KernelPlan map_attention(const GpuConfig& cfg, const Kernel& k, const KernelAddresses& a) {
  // A full tile of query rows: flash attention over query tiles. Fewer (a verify's k + 1
  // tokens, a short chunk): flash-decoding's split of the positions keeps every SM busy.
  if (k.seq_tokens > 1 && k.m >= 128) return map_flash_attention(cfg, k, a);
  KernelPlan p;
  const std::uint64_t groups = k.groups, n = k.n, d = k.k, dv = k.value_dim(), m = std::max<std::uint64_t>(k.m, 1);
  const std::uint32_t split = choose_kv_split(cfg, groups, n, a.kv_row_bytes);
  const std::uint64_t block = ceil_div<std::uint64_t>(n, split);
  p.split = split;
  p.tile = static_cast<std::uint32_t>(block);
  const Kernel kk = k;
  Grid g = base_grid("attn", groups * split, cfg.kernels.attn_threads, cfg.kernels.attn_regs_per_thread,
                     cfg.kernels.attn_inflight_per_thread);
  g.accesses = [kk, a, split, block, m, d, dv](std::uint64_t i, std::vector<MemAccess>& rd,
                                               std::vector<MemAccess>& wr) {
    const std::uint64_t grp = i / split, s = i % split;
    const std::uint64_t p0 = s * block, p1 = std::min<std::uint64_t>(kk.n, p0 + block);
    if (p1 <= p0) return;
    rd.push_back({a.act_in + grp * bytes_of(m * d, kk.act_dtype), bytes_of(m * d, kk.act_dtype), Traffic::Activation});
    const Bytes kbase = a.kv + grp * a.kv_group_stride;
    rd.push_back({kbase + p0 * a.kv_row_bytes, (p1 - p0) * a.kv_row_bytes, Traffic::Kv});
    // MLA (kv_shared): the latent tile in shared memory is both K and V (FlashMLA's reuse).
    if (!kk.kv_shared)
      rd.push_back({kbase + a.kv_v_offset + p0 * a.kv_row_bytes, (p1 - p0) * a.kv_row_bytes, Traffic::Kv});
    if (split > 1) {
      // Partial output and log-sum-exp per query row, fp32, for the combine kernel.
      wr.push_back({a.scratch + (grp * split + s) * m * (dv + 2) * kPartialBytes, m * (dv + 2) * kPartialBytes,
                    Traffic::Activation});
    } else {
      wr.push_back({a.act_out + grp * bytes_of(m * dv, kk.act_dtype), bytes_of(m * dv, kk.act_dtype),
                    Traffic::Activation});
    }
  };
  const GpuConfig c = cfg;
  g.compute = [c, kk, split, block, m, d, dv](std::uint64_t i) {
    const std::uint64_t s = i % split;
    const std::uint64_t p0 = s * block, p1 = std::min<std::uint64_t>(kk.n, p0 + block);
    const std::uint64_t pos = p1 > p0 ? p1 - p0 : 0;
    // QKᵀ (k = head_dim, n = positions) then P·V (k = positions, n = head_dim).
    CtaCompute w = mma_work(c, m, d, pos, kk.kv_dtype, kk.act_dtype);
    w.tc_tiles += mma_work(c, m, pos, dv, kk.kv_dtype, kk.act_dtype).tc_tiles;
    w.cuda_ops = m * pos * kSoftmaxOpsPerScore;
    return w;
  };
  p.grids.push_back(std::move(g));
  if (split > 1) {
    Grid c2 = base_grid("attn_combine", groups, cfg.kernels.attn_threads, cfg.kernels.attn_regs_per_thread,
                        cfg.kernels.attn_inflight_per_thread);
    c2.accesses = [kk, a, split, m, dv](std::uint64_t grp, std::vector<MemAccess>& rd, std::vector<MemAccess>& wr) {
      rd.push_back({a.scratch + grp * split * m * (dv + 2) * kPartialBytes, split * m * (dv + 2) * kPartialBytes,
                    Traffic::Activation});
      wr.push_back({a.act_out + grp * bytes_of(m * dv, kk.act_dtype), bytes_of(m * dv, kk.act_dtype),
                    Traffic::Activation});
    };
    c2.compute = [split, m, dv](std::uint64_t) {
      CtaCompute w;
      w.cuda_ops = kCombineOpsPerElement * split * m * (dv + 2);
      return w;
    };
    p.grids.push_back(std::move(c2));
  }
  return p;
}

/// One CTA per `per_cta` elements of an m×n activation; `gains` adds a per-CTA weight read.
KernelPlan map_elementwise(const GpuConfig& cfg, const Kernel& k, const KernelAddresses& a, bool row_wise) {
  KernelPlan p;
  const std::uint64_t m = std::max<std::uint64_t>(k.m, 1), total = m * k.n;
  const std::uint64_t per_cta = row_wise ? k.n : cfg.kernels.elementwise_elems_per_cta;
  const std::uint64_t ctas = std::max<std::uint64_t>(1, ceil_div<std::uint64_t>(total, per_cta));
  p.tile = static_cast<std::uint32_t>(std::min<std::uint64_t>(per_cta, 0xffffffffu));
  Grid g = base_grid(kernel_kind_name(k.kind), ctas, cfg.kernels.elementwise_threads, kElementwiseRegs,
                     kElementwiseInflightPerThread);
  const Kernel kk = k;
  g.accesses = [kk, a, per_cta, total](std::uint64_t i, std::vector<MemAccess>& rd, std::vector<MemAccess>& wr) {
    const std::uint64_t e0 = i * per_cta, e1 = std::min(total, e0 + per_cta);
    // Inputs in proportion to the elements this CTA owns (SiLU·mul and residual read two).
    const Bytes in_lo = kk.act_in_bytes * e0 / total, in_hi = kk.act_in_bytes * e1 / total;
    if (in_hi > in_lo) rd.push_back({a.act_in + in_lo, in_hi - in_lo, Traffic::Activation});
    if (kk.weight_bytes > 0) rd.push_back({a.weights, kk.weight_bytes, Traffic::Weights});
    const Bytes out_lo = kk.act_out_bytes * e0 / total, out_hi = kk.act_out_bytes * e1 / total;
    if (out_hi > out_lo) wr.push_back({a.act_out + out_lo, out_hi - out_lo, Traffic::Activation});
  };
  g.compute = [kk, per_cta, total](std::uint64_t i) {
    const std::uint64_t e0 = i * per_cta, e1 = std::min(total, e0 + per_cta);
    CtaCompute w;
    w.cuda_ops = kk.vector_ops * (e1 - e0) / total;
    return w;
  };
  p.grids.push_back(std::move(g));
  return p;
}

KernelPlan map_embedding(const GpuConfig& cfg, const Kernel& k, const KernelAddresses& a) {
  KernelPlan p;
  const std::uint64_t rows = std::max<std::uint64_t>(1, k.m);
  Grid g = base_grid("embedding", rows, cfg.kernels.elementwise_threads, kElementwiseRegs,
                     kElementwiseInflightPerThread);
  const Kernel kk = k;
  g.accesses = [kk, a, rows](std::uint64_t b, std::vector<MemAccess>& rd, std::vector<MemAccess>& wr) {
    const Bytes row = kk.weight_bytes / rows;
    const std::uint64_t vocab = std::max<std::uint64_t>(1, kk.k);
    // Token ids are a deterministic function of the position (as the TPU tile does).
    const std::uint64_t id = (b * 7919 + a.token * 104729) % vocab;
    rd.push_back({a.act_in + b * 4, 4, Traffic::Activation});
    rd.push_back({a.weights + id * a.embedding_row_stride, row, Traffic::Weights});
    const Bytes out = kk.act_out_bytes / rows;
    wr.push_back({a.act_out + b * out, out, Traffic::Activation});
  };
  g.compute = [](std::uint64_t) { return CtaCompute{}; };
  p.grids.push_back(std::move(g));
  return p;
}

KernelPlan map_kv_append(const GpuConfig& cfg, const Kernel& k, const KernelAddresses& a) {
  KernelPlan p;
  // One CTA per token row; a sequence's q rows (prefill chunk, verify) go to consecutive positions.
  const std::uint64_t batch = std::max<std::uint64_t>(1, k.m), q = std::max<std::uint64_t>(1, k.seq_tokens);
  const std::uint64_t kv_heads_per_seq =
      a.kv_row_bytes ? k.kv_write_bytes / batch / k.kv_rows() / a.kv_row_bytes : 0;
  Grid g = base_grid("kv_append", batch, cfg.kernels.elementwise_threads, kElementwiseRegs,
                     kElementwiseInflightPerThread);
  const Kernel kk = k;
  g.accesses = [kk, a, batch, q, kv_heads_per_seq](std::uint64_t b, std::vector<MemAccess>& rd,
                                                   std::vector<MemAccess>& wr) {
    const Bytes in = kk.act_in_bytes / batch;
    rd.push_back({a.act_in + b * in, in, Traffic::Activation});
    const std::uint64_t seq = b / q, pos = a.kv_position + 1 - q + b % q;
    for (std::uint64_t h = 0; h < kv_heads_per_seq; ++h) {
      const Bytes row = a.kv + (seq * kv_heads_per_seq + h) * a.kv_group_stride + pos * a.kv_row_bytes;
      // A prefill chunk's rows are read back at once by its flash attention: they are written
      // back through L2 (posted write-through of a whole chunk would end the kernel before HBM
      // could have taken its bytes). A decode row streams through to HBM.
      const Traffic cls = q > 1 ? Traffic::SharedOperand : Traffic::Kv;
      wr.push_back({row, a.kv_row_bytes, cls});
      if (!kk.kv_shared) wr.push_back({row + a.kv_v_offset, a.kv_row_bytes, cls});
    }
  };
  g.compute = [](std::uint64_t) { return CtaCompute{}; };
  p.grids.push_back(std::move(g));
  return p;
}

}  // namespace

KernelPlan map_kernel(const GpuConfig& cfg, const Kernel& k, const KernelAddresses& a) {
  switch (k.kind) {
    case KernelKind::Gemm: return map_gemm(cfg, k, a);
    case KernelKind::Attention: return map_attention(cfg, k, a);
    case KernelKind::RmsNorm: return map_elementwise(cfg, k, a, true);
    // A bias add (Residual with weights) reads its vector once per row, as a norm reads its gains.
    case KernelKind::Residual: return map_elementwise(cfg, k, a, k.weight_bytes > 0);
    case KernelKind::Rope:
    case KernelKind::SiluMul: return map_elementwise(cfg, k, a, false);
    case KernelKind::Embedding: return map_embedding(cfg, k, a);
    case KernelKind::KvAppend: return map_kv_append(cfg, k, a);
    case KernelKind::AllReduce: break;
  }
  return {};
}

}  // namespace decodesim::gpu
