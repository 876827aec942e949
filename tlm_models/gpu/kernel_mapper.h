// Maps one decode kernel onto the GPU as grids of CTAs (pure C++, no SystemC).
//
//  - GEMV/GEMM: W is [n][k] per group, packed offline in CTA order. A CTA owns n_tile output
//    columns and one of `split` slices of k (split-K, reduced with fp32 atomics in L2). n_tile and split
//    minimise grid_cost(), a Little's-law estimate with wave quantisation (standing in for a
//    library's autotuner); split-K is chosen only when it lowers that cost.
//  - GEMM with at least one full 128-row tile of tokens (prefill, verify, large batches): the
//    tiled CUTLASS-style kernel of tiled_gemm_grid().
//  - Attention of a prefill chunk or verify (several query tokens per sequence): flash
//    attention, one CTA per (sequence, KV head, 128 query rows) looping over the causal KV
//    prefix with the score tile kept on chip.
//  - Attention: flash-decoding. Each (sequence, KV head) group's positions are split into
//    `split` blocks, one CTA each (QKᵀ, softmax, ·V on its block), then a second grid (the
//    combine kernel, its own launch) merges the partial outputs when split > 1.
//  - Element-wise (RMSNorm: one CTA per row; RoPE, SiLU·mul, residual: elementwise_elems_per_cta
//    elements per CTA), embedding gather (one CTA per row), KV append (one CTA per sequence).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/base/kernel_graph.h"
#include "gpu/gpu_config.h"
#include "gpu/gpu_memory.h"

namespace decodesim::gpu {

/// Where a kernel's operands live (filled by the tile from the memory plan).
struct KernelAddresses {
  Bytes weights = 0;      ///< first weight byte (per-group matrices back to back)
  Bytes kv = 0;           ///< the layer's K cache (Attention, KvAppend)
  Bytes kv_group_stride = 0, kv_v_offset = 0, kv_row_bytes = 0;
  Bytes embedding_row_stride = 0;
  Bytes act_in = 0, act_out = 0, scratch = 0;  ///< on-chip activations (L2-resident)
  std::uint64_t kv_position = 0;               ///< KV append: the position written this step
  std::uint64_t token = 0;                     ///< embedding: which token ids to gather
};

struct MemAccess {
  Bytes addr = 0;
  Bytes len = 0;
  Traffic traffic = Traffic::Activation;
};

/// Compute of one CTA: tensor-core fragments (each loads kpt × cols weights and streams
/// `tc_rows` activation rows through them), CUDA-core FP ops, and the integer and conversion
/// ops that unpack quantised weights (each on its own pipe; docs/gpu.md, "Weight-only
/// quantisation").
struct CtaCompute {
  std::uint64_t tc_tiles = 0;
  std::uint64_t cuda_ops = 0;
  std::uint64_t int_ops = 0;
  std::uint64_t cvt_ops = 0;
  std::uint32_t tc_rows = 0;  ///< activation rows per fragment; 0 = gpu.tensor_core.mma_m
  bool operator==(const CtaCompute& o) const {
    return tc_tiles == o.tc_tiles && cuda_ops == o.cuda_ops && int_ops == o.int_ops && cvt_ops == o.cvt_ops &&
           tc_rows == o.tc_rows;
  }
};

/// Tensor-core work of an m×k · k×n product whose operands are `w` and `act`: the batch is
/// padded to mma_m rows, and one loaded weight fragment serves up to warp_m of them.
CtaCompute mma_work(const GpuConfig& cfg, std::uint64_t m, std::uint64_t k, std::uint64_t n, DType w, DType act);

/// Whether weights of `w` take PyTorch's int4 weight-only kernel, tinygemm
/// (`_weight_int4pack_mm`, aten/src/ATen/native/cuda/int4mm.cu), as gpt-fast's and torchao's
/// int4 formats do. Its launch shape is fixed, not autotuned (TinygemmLaunch).
bool uses_tinygemm(DType w);

/// tinygemm's launch, the same for every problem (`HANDLE_Q_GROUP(8, 8, ...)` in int4mm.cu):
/// 8 warps per CTA; grid (1, n/8, ⌈m/16⌉), so a CTA owns one m16n8k16 n-tile of 8 output
/// columns and its warps loop over the whole k, 128 at a time, with no split-K; each lane's
/// one 16 B load of packed nibbles is consumed before the next is issued. ptxas (CUDA 13.0,
/// sm_80 and sm_90) gives the kernel's body 61-64 registers per thread, which leaves 4 CTAs
/// resident per SM (docs/gpu.md, "Weight-only quantisation"). The model runs one CTA per
/// n-tile for all m rows: the same grid for m <= 16; above it tinygemm's extra m-tiles re-read
/// each n-tile's weights (from L2), which the model does not book.
struct TinygemmLaunch {
  static constexpr std::uint32_t kTileN = 8, kThreads = 256, kRegs = 64, kInflightPerThread = 16;
};

/// Whether an m-row GEMV with weights `w` runs on the CUDA cores rather than the tensor cores.
/// A one-row product is a reduction, not an MMA: torch.compile rewrites mm with one row into a
/// broadcast multiply and a sum over k (PyTorch torch/_inductor/decomposition.py, `mm`, taken
/// when config.coordinate_descent_tuning is set, as gpt-fast and torchao do), which Triton runs
/// as FP32 FMAs; cuBLAS's and TensorRT-LLM's batch-1 weight-only GEMVs are CUDA-core kernels
/// too. 4-bit weights are the exception: the model's int4 formats take tinygemm's path
/// (`_weight_int4pack_mm`), which issues mma.sync at any batch, its fragments padded to 16 rows.
bool gemv_on_cuda_cores(std::uint64_t m, DType w);

/// Per-weight ops that turn a stored weight into the tensor cores' format (zero for bf16).
struct DequantOps {
  double int_ops = 0, cvt_ops = 0, fp_ops = 0;
};
DequantOps dequant_ops(DType w);
/// A GEMV's CUDA-core ops per weight for an m-row product: the unpacking, plus the reduction's
/// FMA when the product runs on the CUDA cores (gemv_on_cuda_cores).
DequantOps gemv_weight_ops(std::uint64_t m, DType w);
/// SM cycles to unpack `weights` weights with every pipe of the SM (the pipes run side by side).
double dequant_cycles(const GpuConfig& cfg, const DequantOps& dq, double weights);

/// Load bytes one thread of a GEMV keeps in flight for weights of `w`: the kernel unrolls in
/// elements (its registers hold the converted values), so narrow weights move fewer bytes.
std::uint32_t gemv_inflight_per_thread(const GpuConfig& cfg, DType w);

struct Grid {
  std::string name;                 ///< "gemv", "attn", "attn_combine", ...
  std::uint64_t ctas = 0;
  std::uint32_t threads = 0, regs_per_thread = 0, smem_bytes = 0;
  std::uint32_t inflight_bytes = 0; ///< loads one CTA can keep outstanding (threads × per-thread depth)
  /// CTA i's loads (issued in order, through the in-flight windows) and stores (after compute).
  std::function<void(std::uint64_t, std::vector<MemAccess>&, std::vector<MemAccess>&)> accesses;
  std::function<CtaCompute(std::uint64_t)> compute;
};

struct KernelPlan {
  std::vector<Grid> grids;  ///< run one after another, each its own launch
  std::uint32_t split = 1;  ///< split-K (GEMM) or KV splits (attention)
  std::uint32_t tile = 0;   ///< GEMM n_tile, attention positions per CTA
};

/// CTAs of this grid resident on one SM at once (registers, threads, shared memory, CTA slots).
std::uint32_t occupancy(const GpuConfig& cfg, const Grid& g);

/// Estimated grid time in units of one memory latency (Little's law per SM, see the .cpp): the
/// cost model both choices below minimise, standing in for a library's autotuner.
double grid_cost(const GpuConfig& cfg, std::uint64_t ctas, double cta_bytes, double cta_inflight, std::uint32_t occ);
/// GEMM shape choice {n_tile, split} for an m-row product; split-K is taken only when it
/// lowers grid_cost. tinygemm's formats get its fixed {8, 1}.
std::pair<std::uint32_t, std::uint32_t> choose_gemm_tiling(const GpuConfig& cfg, std::uint64_t m, std::uint64_t n,
                                                           std::uint64_t k, std::uint64_t groups, DType w, DType act);
/// Flash-decoding split count for `groups` (sequence, KV head) pairs over `positions`.
std::uint32_t choose_kv_split(const GpuConfig& cfg, std::uint64_t groups, std::uint64_t positions, Bytes row_bytes);

/// A dense GEMM C[m,n] = A[m,k]·B[k,n] as a CUTLASS kernel runs it, for `groups` independent
/// B matrices (MoE experts) whose A rows sit back to back. One CTA per 128×256 tile of C (8
/// warps, one resident per SM for its registers and shared-memory stages) loops over k in
/// 64-wide chunks; A's chunks are TMA boxes of the tile, B's the tile-by-tile packed weights
/// (as map_gemm packs them). CTAs are rasterised in groups of 8 m-tiles so co-resident CTAs
/// read the same B chunks from L2 (docs/gpu.md, "Dense GEMM ceiling").
struct TiledGemm {
  std::uint64_t m = 0, n = 0, k = 0, groups = 1;
  DType weight = DType::BF16, act = DType::BF16;
  Bytes a = 0, b = 0, c = 0;  ///< A rows, packed B (group after group), C tiles
};
inline constexpr std::uint64_t kGemmTileM = 128, kGemmTileN = 256, kGemmChunkK = 64, kGemmRasterGroup = 8;
Grid tiled_gemm_grid(const GpuConfig& cfg, const TiledGemm& t);

KernelPlan map_kernel(const GpuConfig& cfg, const Kernel& k, const KernelAddresses& a);

/// Scratch bytes the kernel's grids need for partial results (split-K, flash-decoding).
Bytes scratch_bytes(const GpuConfig& cfg, const Kernel& k);

}  // namespace decodesim::gpu
