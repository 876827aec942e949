// `gpu:` section — one GPU: SMs (sub-partitions, tensor cores behind the matmul slot, CUDA
// cores, registers and shared memory, a load/store path with an in-flight limit), the NoC to a
// sliced, two-partition L2, and kernel launch. Every key is declared once in a schema();
// configs/systems/gpu_*.yaml give the per-product values with their sources.
#pragma once

#include <string>

#include "common/base/kernel_graph.h"
#include "common/config/schema.h"
#include "matmul/matmul_core.h"

namespace decodesim::gpu {

/// Per-SM resources that set occupancy, and the load/store path that sets memory-level parallelism.
struct SmConfig {
  std::uint32_t sub_partitions = 4;       ///< warp schedulers, one tensor core each
  std::uint32_t cuda_cores = 64;          ///< FP32 lanes per SM (element-wise and softmax work)
  std::uint32_t int_lanes = 64;           ///< INT32 / logic lanes per SM (weight unpacking)
  std::uint32_t cvt_per_cycle = 16;       ///< type conversions (int↔float, fp8→f16) per SM per cycle
  std::uint32_t registers = 65536;        ///< 32-bit registers per SM
  std::uint32_t shared_memory_bytes = 167936;
  std::uint32_t max_threads = 2048;
  std::uint32_t max_ctas = 32;
  std::uint32_t max_inflight_bytes = 24576;  ///< load bytes outstanding per SM (MSHR / LSU limit)
  std::uint32_t lsu_bytes_per_cycle = 128;   ///< L1 fill bandwidth: bytes one SM can take in per cycle
  std::uint32_t request_bytes = 4096;        ///< modelling chunk of one SM memory request (see docs/gpu.md)
  std::uint32_t cta_launch_cycles = 500;     ///< a slot's turnover between CTAs (dispatch, prologue, retire)
  static const config::Schema<SmConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const;
};

/// One tensor core, seen through the matmul-core slot: a rows×cols array; an MMA fragment has
/// `mma_m` rows of activations (decode's batch is padded up to it).
struct TensorCoreConfig {
  std::uint32_t rows = 16;
  std::uint32_t cols = 16;
  std::uint32_t weight_buffers = 2;
  std::uint32_t mma_m = 16;
  std::uint32_t warp_m = 16;  ///< activation rows one loaded weight fragment serves (the warp tile's M)
  bool fp8 = true;            ///< fp8 x fp8 MMA instructions (Hopper and later); without, fp8 activations are refused
  static const config::Schema<TensorCoreConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

struct L1Config {
  std::uint32_t capacity_bytes = 131072;  ///< L1 data cache left beside shared memory
  std::uint32_t latency_cycles = 34;      ///< hit latency; also the L1 miss-detect cost on the way to L2
  static const config::Schema<L1Config>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

struct NocConfig {
  std::uint32_t near_cycles = 100;        ///< SM ↔ near-partition L2 slice, round trip
  std::uint32_t far_extra_cycles = 205;   ///< added round trip when the slice is in the other partition
  static const config::Schema<NocConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

/// How weights and the KV cache (read once per token) are held in L2.
enum class StreamPolicy {
  EvictFirst,  ///< allocated, but evicted before any normal line (CUDA evict_first / streaming loads)
  Normal,      ///< allocated as LRU like everything else
  NoAllocate,  ///< looked up, never allocated
};

struct L2Config {
  std::uint64_t capacity_bytes = 41943040;
  std::uint32_t slices = 80;
  std::uint32_t partitions = 2;
  std::uint32_t block_bytes = 4096;          ///< tag and hashing granule (64 B sectors inside)
  std::uint32_t slice_bytes_per_cycle = 64;  ///< data bandwidth of one slice
  std::uint32_t hit_cycles = 131;            ///< slice tag + data pipeline
  std::uint32_t miss_cycles = 300;           ///< slice → memory controller → slice, excluding DRAM service
  StreamPolicy stream_policy = StreamPolicy::EvictFirst;
  static const config::Schema<L2Config>& schema();
  void validate(const config::Node* n, const std::string& path) const;
  std::uint32_t sectors_per_block() const { return block_bytes / 64; }
  std::uint64_t blocks_per_slice() const { return capacity_bytes / slices / block_bytes; }
};

enum class LaunchMode { Stream, CudaGraph };

/// Kernel launch: a host issues launches into a stream; a CUDA graph launches the whole step at once.
struct LaunchConfig {
  LaunchMode mode = LaunchMode::Stream;
  double host_issue_us = 5.0;   ///< host time to issue one kernel launch (stream mode)
  double stream_gap_us = 2.0;   ///< device: end of one kernel to the first CTA of the next (stream mode)
  double graph_gap_us = 0.8;    ///< the same gap between nodes of a CUDA graph
  double graph_launch_us = 10;  ///< host cost of launching the graph once per step
  /// Device time every kernel pays at its boundary in either mode, beyond the launch gap: the
  /// previous grid's completion and the next grid's dispatch and warm-up that the simulated CTAs
  /// do not already account for (docs/gpu.md, "Per-kernel cost").
  double kernel_boundary_us = 0;
  static const config::Schema<LaunchConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

/// Kernel implementation choices: CTA shapes and per-thread load depth of the decode kernels.
struct KernelsConfig {
  std::uint32_t gemv_threads = 256;
  std::uint32_t gemv_regs_per_thread = 64;
  std::uint32_t gemv_inflight_per_thread = 64;   ///< bytes of loads a thread keeps outstanding (4 × 16 B)
  std::uint32_t gemv_min_k_per_split = 512;      ///< split-K never cuts k below this
  std::uint32_t gemv_max_split = 16;
  std::uint32_t attn_threads = 128;
  std::uint32_t attn_regs_per_thread = 96;
  std::uint32_t attn_inflight_per_thread = 64;
  std::uint32_t attn_min_block = 128;            ///< flash-decoding never splits KV below this many positions
  std::uint32_t attn_max_split = 64;
  std::uint32_t elementwise_threads = 256;
  std::uint32_t elementwise_elems_per_cta = 4096;
  static const config::Schema<KernelsConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const;
};

struct GpuConfig {
  double clock_ghz = 1.41;
  std::uint32_t sms = 108;
  SmConfig sm;
  TensorCoreConfig tensor_core;
  matmul::MatmulConfig matmul;
  L1Config l1;
  NocConfig noc;
  L2Config l2;
  LaunchConfig launch;
  KernelsConfig kernels;

  static const config::Schema<GpuConfig>& schema();
  void validate(const config::Node* section, const std::string& path) const;

  matmul::ArrayGeometry geometry() const { return {tensor_core.rows, tensor_core.cols, tensor_core.weight_buffers}; }
  /// MACs per cycle per SM for a dtype: a tile covers rows × (16 / bits) k-elements (narrow
  /// operands pack into the 16-bit lanes, as int8/fp8 run at 2× bf16 on A100/H100).
  double macs_per_cycle_per_sm(DType d) const;
  /// Dense peak FLOP/s at bf16.
  double peak_flops(DType d = DType::BF16) const { return 2.0 * macs_per_cycle_per_sm(d) * sms * clock_ghz * 1e9; }
  /// Sum of the slices' data bandwidth.
  double l2_peak_bytes_per_s() const {
    return static_cast<double>(l2.slices) * l2.slice_bytes_per_cycle * clock_ghz * 1e9;
  }
};

/// The format the tensor cores multiply in: weight-only formats are converted to the
/// activations' format first, so the wider operand decides.
inline DType mma_dtype(DType stored, DType act) { return dtype_bits(stored) >= dtype_bits(act) ? stored : act; }

/// k-elements one tensor-core tile covers for `d` (rows × packing).
std::uint32_t k_per_tile(const TensorCoreConfig& tc, DType d);

}  // namespace decodesim::gpu
