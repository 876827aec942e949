#include "gpu/gpu_config.h"

#include <algorithm>

#include "matmul/rtl_matmul_core.h"

namespace decodesim::gpu {

const config::Schema<SmConfig>& SmConfig::schema() {
  using S = config::Schema<SmConfig>;
  static const S s =
      S("one streaming multiprocessor: occupancy resources and the load/store path")
          .num("sub_partitions", &SmConfig::sub_partitions, "count", 4u, 1u, 16u,
               "warp schedulers per SM, one tensor core each")
          .num("cuda_cores", &SmConfig::cuda_cores, "lanes", 64u, 1u, 1024u, "FP32 lanes per SM (element-wise work)")
          .num("int_lanes", &SmConfig::int_lanes, "lanes", 64u, 1u, 1024u,
               "INT32 and logic lanes per SM (shifts and masks that unpack quantised weights)")
          .num("cvt_per_cycle", &SmConfig::cvt_per_cycle, "ops/cycle", 16u, 1u, 1024u,
               "type conversions per SM per cycle (int to float, fp8 to f16, f32 to bf16)")
          .num("registers", &SmConfig::registers, "regs", 65536u, 1024u, 1u << 20, "32-bit registers per SM")
          .num("shared_memory_bytes", &SmConfig::shared_memory_bytes, "B", 167936u, 0u, 1u << 22,
               "shared memory a kernel may use per SM")
          .num("max_threads", &SmConfig::max_threads, "threads", 2048u, 32u, 65536u, "resident threads per SM")
          .num("max_ctas", &SmConfig::max_ctas, "CTAs", 32u, 1u, 1024u, "resident CTAs per SM")
          .num("max_inflight_bytes", &SmConfig::max_inflight_bytes, "B", 24576u, 64u, 1u << 24,
               "load bytes one SM can have outstanding (sets bandwidth by Little's law)")
          .num("lsu_bytes_per_cycle", &SmConfig::lsu_bytes_per_cycle, "B/cycle", 128u, 1u, 4096u,
               "bytes per cycle one SM's load path can accept")
          .num("request_bytes", &SmConfig::request_bytes, "B", 4096u, 64u, 65536u,
               "modelling chunk of one SM memory request (one L2 transaction)", config::Check::PowerOfTwo)
          .num("cta_launch_cycles", &SmConfig::cta_launch_cycles, "cycles", 500u, 0u, 100000u,
               "a CTA slot's turnover: from one CTA's retirement to the next one's first load "
               "(dispatch, prologue, retire; docs/gpu.md, \"CTA turnover\")");
  return s;
}

void SmConfig::validate(const config::Node* n, const std::string& path) const {
  if (max_inflight_bytes < request_bytes)
    config::fail_at(n, path, "max_inflight_bytes", "must hold at least one request",
                    std::to_string(max_inflight_bytes) + " B", ">= sm.request_bytes = " + std::to_string(request_bytes));
}

const config::Schema<TensorCoreConfig>& TensorCoreConfig::schema() {
  using S = config::Schema<TensorCoreConfig>;
  static const S s =
      S("one tensor core as seen by the matmul slot")
          .num("rows", &TensorCoreConfig::rows, "PEs", 16u, 4u, 256u, "k-depth of one tile (16-bit lanes)",
               config::Check::PowerOfTwo)
          .num("cols", &TensorCoreConfig::cols, "PEs", 16u, 4u, 256u, "n-width of one tile", config::Check::PowerOfTwo)
          .num("weight_buffers", &TensorCoreConfig::weight_buffers, "count", 2u, 1u, 2u,
               "operand buffers; 2 overlaps the next fragment's load")
          .num("mma_m", &TensorCoreConfig::mma_m, "rows", 16u, 1u, 256u,
               "activation rows of one MMA fragment (the batch is padded up to it)")
          .num("warp_m", &TensorCoreConfig::warp_m, "rows", 16u, 1u, 4096u,
               "activation rows a warp streams through one weight fragment held in registers (its warp tile's M; "
               "decode uses min(padded batch, warp_m))")
          .flag("fp8", &TensorCoreConfig::fp8, true,
                "the tensor cores multiply fp8 operands (Hopper and later); without, a run with fp8 activations is "
                "refused (fp8 weights with bf16 activations are dequantised, as weight-only kernels do)");
  return s;
}

const config::Schema<L1Config>& L1Config::schema() {
  using S = config::Schema<L1Config>;
  static const S s = S("per-SM L1 data cache")
                         .num("capacity_bytes", &L1Config::capacity_bytes, "B", 131072u, 0u, 1u << 24,
                              "L1 capacity beside shared memory")
                         .num("latency_cycles", &L1Config::latency_cycles, "cycles", 34u, 1u, 10000u,
                              "hit latency (also paid by a miss on its way to L2)");
  return s;
}

const config::Schema<NocConfig>& NocConfig::schema() {
  using S = config::Schema<NocConfig>;
  static const S s = S("network from SMs to L2 slices")
                         .num("near_cycles", &NocConfig::near_cycles, "cycles", 100u, 0u, 100000u,
                              "round trip SM to a slice of its own L2 partition")
                         .num("far_extra_cycles", &NocConfig::far_extra_cycles, "cycles", 205u, 0u, 100000u,
                              "added round trip to a slice of the other partition");
  return s;
}

const config::Schema<L2Config>& L2Config::schema() {
  using S = config::Schema<L2Config>;
  static const S s =
      S("L2: address-hashed slices in partitions, in front of HBM")
          .num("capacity_bytes", &L2Config::capacity_bytes, "B", std::uint64_t{41943040}, std::uint64_t{4096},
               std::uint64_t{1} << 34, "total L2 capacity")
          .num("slices", &L2Config::slices, "count", 80u, 1u, 4096u, "L2 slices (addresses hashed over them)")
          .num("partitions", &L2Config::partitions, "count", 2u, 1u, 8u,
               "L2 partitions; SM i is attached to partition i mod partitions")
          .num("block_bytes", &L2Config::block_bytes, "B", 4096u, 64u, 4096u,
               "tag and hashing granule (tracked in 64 B sectors)", config::Check::PowerOfTwo)
          .num("slice_bytes_per_cycle", &L2Config::slice_bytes_per_cycle, "B/cycle", 64u, 1u, 4096u,
               "data bandwidth of one slice")
          .num("hit_cycles", &L2Config::hit_cycles, "cycles", 131u, 1u, 100000u, "slice tag + data pipeline")
          .num("miss_cycles", &L2Config::miss_cycles, "cycles", 300u, 0u, 100000u,
               "slice to memory controller and back, excluding the DRAM service itself")
          .choice("stream_policy", &L2Config::stream_policy,
                  {{"evict_first", StreamPolicy::EvictFirst},
                   {"normal", StreamPolicy::Normal},
                   {"no_allocate", StreamPolicy::NoAllocate}},
                  StreamPolicy::EvictFirst, "how weights and KV (read once per token) are held");
  return s;
}

void L2Config::validate(const config::Node* n, const std::string& path) const {
  if (slices % partitions != 0)
    config::fail_at(n, path, "slices", "must split evenly over the partitions (the hash gives each the same share)",
                    std::to_string(slices), "a multiple of l2.partitions = " + std::to_string(partitions));
  const std::uint64_t per_slice = static_cast<std::uint64_t>(slices) * block_bytes;
  if (capacity_bytes % per_slice != 0 || capacity_bytes / per_slice == 0)
    config::fail_at(n, path, "capacity_bytes", "must split into whole blocks per slice",
                    std::to_string(capacity_bytes),
                    "a multiple of slices x block_bytes = " + std::to_string(per_slice));
}

const config::Schema<LaunchConfig>& LaunchConfig::schema() {
  using S = config::Schema<LaunchConfig>;
  static const S s =
      S("kernel launch: stream of host launches, or one CUDA graph per step")
          .choice("mode", &LaunchConfig::mode, {{"stream", LaunchMode::Stream}, {"cuda_graph", LaunchMode::CudaGraph}},
                  LaunchMode::Stream, "stream: one host launch per kernel; cuda_graph: one graph launch per step")
          .num("host_issue_us", &LaunchConfig::host_issue_us, "us", 5.0, 0.0, 10000.0,
               "host time to issue one kernel launch (stream mode)")
          .num("stream_gap_us", &LaunchConfig::stream_gap_us, "us", 2.0, 0.0, 10000.0,
               "end of a kernel to the first CTA of the next one (stream mode)")
          .num("graph_gap_us", &LaunchConfig::graph_gap_us, "us", 0.8, 0.0, 10000.0,
               "the same gap between kernel nodes of a CUDA graph")
          .num("graph_launch_us", &LaunchConfig::graph_launch_us, "us", 10.0, 0.0, 100000.0,
               "host cost of one graph launch per decode step")
          .num("kernel_boundary_us", &LaunchConfig::kernel_boundary_us, "us", 0.0, 0.0, 10000.0,
               "device time every kernel pays at its boundary in either mode, beyond the launch gap "
               "(grid completion, the next grid's dispatch and warm-up; docs/gpu.md, \"Per-kernel cost\")");
  return s;
}

const config::Schema<KernelsConfig>& KernelsConfig::schema() {
  using S = config::Schema<KernelsConfig>;
  static const S s =
      S("decode kernel implementations: CTA shapes and load depth")
          .num("gemv_threads", &KernelsConfig::gemv_threads, "threads", 256u, 32u, 1024u, "threads per GEMV/GEMM CTA (int4 takes tinygemm's fixed 256)")
          .num("gemv_regs_per_thread", &KernelsConfig::gemv_regs_per_thread, "regs", 64u, 16u, 255u,
               "registers per GEMV thread (int4 takes tinygemm's 64)")
          .num("gemv_inflight_per_thread", &KernelsConfig::gemv_inflight_per_thread, "B", 64u, 4u, 4096u,
               "load bytes one GEMV thread keeps outstanding (unroll x vector width; int4 takes tinygemm's one 16 B load)")
          .num("gemv_min_k_per_split", &KernelsConfig::gemv_min_k_per_split, "elements", 512u, 16u, 1u << 20,
               "split-K never cuts the reduction below this length (tinygemm, for int4, never splits)")
          .num("gemv_max_split", &KernelsConfig::gemv_max_split, "count", 16u, 1u, 256u, "largest split-K factor")
          .num("attn_threads", &KernelsConfig::attn_threads, "threads", 128u, 32u, 1024u,
               "threads per flash-decoding CTA")
          .num("attn_regs_per_thread", &KernelsConfig::attn_regs_per_thread, "regs", 96u, 16u, 255u,
               "registers per attention thread")
          .num("attn_inflight_per_thread", &KernelsConfig::attn_inflight_per_thread, "B", 64u, 4u, 4096u,
               "load bytes one attention thread keeps outstanding")
          .num("attn_min_block", &KernelsConfig::attn_min_block, "positions", 128u, 1u, 1u << 20,
               "flash-decoding never gives a CTA fewer KV positions than this")
          .num("attn_max_split", &KernelsConfig::attn_max_split, "count", 64u, 1u, 4096u,
               "most KV splits per (sequence, KV head)")
          .num("elementwise_threads", &KernelsConfig::elementwise_threads, "threads", 256u, 32u, 1024u,
               "threads per element-wise CTA")
          .num("elementwise_elems_per_cta", &KernelsConfig::elementwise_elems_per_cta, "elements", 4096u, 32u,
               1u << 24, "elements one element-wise CTA handles");
  return s;
}

void KernelsConfig::validate(const config::Node*, const std::string&) const {}

const config::Schema<GpuConfig>& GpuConfig::schema() {
  using S = config::Schema<GpuConfig>;
  static const S s = S("GPU: SMs with tensor cores, NoC, sliced L2, kernel launch")
                         .num("clock_ghz", &GpuConfig::clock_ghz, "GHz", 1.41, 0.1, 5.0, "SM clock")
                         .num("sms", &GpuConfig::sms, "count", 108u, 1u, 1024u, "streaming multiprocessors")
                         .section("sm", &GpuConfig::sm)
                         .section("tensor_core", &GpuConfig::tensor_core)
                         .section("matmul", &GpuConfig::matmul)
                         .section("l1", &GpuConfig::l1)
                         .section("noc", &GpuConfig::noc)
                         .section("l2", &GpuConfig::l2)
                         .section("launch", &GpuConfig::launch)
                         .section("kernels", &GpuConfig::kernels);
  return s;
}

namespace {
/// One CTA's registers, threads and shared memory must fit an SM, or the kernel cannot launch.
void check_cta_fits(const GpuConfig& g, const config::Node* gpu_node, const std::string& path, const char* key,
                    std::uint32_t threads, std::uint32_t regs_per_thread) {
  const config::Node* kn = gpu_node ? gpu_node->find("kernels") : nullptr;
  const std::string kpath = config::detail::join_path(path, "kernels");
  if (threads > g.sm.max_threads)
    config::fail_at(kn, kpath, key, "a CTA does not fit an SM: too many threads", std::to_string(threads),
                    "at most gpu.sm.max_threads = " + std::to_string(g.sm.max_threads));
  const std::uint64_t regs = std::uint64_t{threads} * regs_per_thread;
  if (regs > g.sm.registers)
    config::fail_at(kn, kpath, key, "a CTA does not fit an SM: registers",
                    std::to_string(threads) + " threads x " + std::to_string(regs_per_thread) + " = " +
                        std::to_string(regs) + " regs",
                    "at most gpu.sm.registers = " + std::to_string(g.sm.registers));
}
}  // namespace

void GpuConfig::validate(const config::Node* n, const std::string& path) const {
  // Checked here, not when the tile is built, so the error can point at the config line.
  if (matmul.impl != matmul::MatmulImpl::Tlm && !matmul::rtl_can_build(matmul, geometry()))
    config::fail_at(n ? n->find("matmul") : nullptr, path + ".matmul", "impl",
                    "our RTL core (rtl/) has no such size for this tensor-core array",
                    std::to_string(tensor_core.rows) + "x" + std::to_string(tensor_core.cols) + " with weight_buffers " +
                        std::to_string(tensor_core.weight_buffers),
                    matmul::rtl_buildable_sizes(matmul.impl));
  check_cta_fits(*this, n, path, "gemv_threads", kernels.gemv_threads, kernels.gemv_regs_per_thread);
  check_cta_fits(*this, n, path, "attn_threads", kernels.attn_threads, kernels.attn_regs_per_thread);
  check_cta_fits(*this, n, path, "elementwise_threads", kernels.elementwise_threads, 32);
  if (sm.request_bytes > l2.block_bytes) {
    const config::Node* sn = n ? n->find("sm") : nullptr;
    config::fail_at(sn, config::detail::join_path(path, "sm"), "request_bytes",
                    "a request may not span L2 blocks (it goes to one slice)", std::to_string(sm.request_bytes),
                    "at most gpu.l2.block_bytes = " + std::to_string(l2.block_bytes));
  }
  if (sms % l2.partitions != 0 && sms < l2.partitions) {
    config::fail_at(n, path, "sms", "every L2 partition needs SMs attached", std::to_string(sms),
                    "at least gpu.l2.partitions = " + std::to_string(l2.partitions));
  }
}

std::uint32_t k_per_tile(const TensorCoreConfig& tc, DType d) {
  // Narrow operands pack into the 16-bit lanes: int8/fp8 twice, int4 four times (A100 dense
  // int8 = 2x bf16, int4 = 4x; NVIDIA A100 whitepaper ratios).
  return tc.rows * (16 / dtype_bits(d));
}

double GpuConfig::macs_per_cycle_per_sm(DType d) const {
  // Steady state of a long GEMM: each fragment streams the warp tile's rows (warp_m, at least mma_m).
  const double m = std::max(tensor_core.mma_m, tensor_core.warp_m);
  const double per_tile = m * k_per_tile(tensor_core, d) * tensor_core.cols;
  const double cycles = std::max<double>(tensor_core.rows, m);
  return per_tile / cycles * sm.sub_partitions;
}

}  // namespace decodesim::gpu
