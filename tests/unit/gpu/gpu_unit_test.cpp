// GPU model pieces that need no simulation: config arithmetic and validation, the L2 tag store,
// and the kernel mapper's choices (occupancy, split-K, flash-decoding split, byte coverage).
#include <gtest/gtest.h>

#include <set>

#include "gpu/block_cache.h"
#include "gpu/kernel_mapper.h"
#include "system/system_config.h"
#include "workload/lowering.h"

using namespace decodesim;

namespace {

system::SystemConfig load(const std::string& sys, std::vector<std::string> sets = {}) {
  return system::load_system(sys, std::string(DECODESIM_SOURCE_DIR) + "/configs", sets);
}

KernelGraph llama7b(std::uint64_t context, DType weights = DType::BF16) {
  const auto m = workload::load_model("llama2_7b", std::string(DECODESIM_SOURCE_DIR) + "/workloads");
  workload::Scenario sc;
  sc.context = context;
  sc.weight_dtype = weights;
  return workload::lower(m, sc, 0, 1);
}

const Kernel& find(const KernelGraph& g, const std::string& name) {
  for (const auto& k : g.kernels)
    if (k.name == name) return k;
  throw std::runtime_error("no kernel " + name);
}

}  // namespace

TEST(GpuConfig, TensorPeaksMatchReference) {
  // Dense bf16: A100 312 TFLOPS (NVIDIA A100 Tensor Core GPU Architecture whitepaper, 1024
  // FMA/clk/SM), H100 SXM 989.4 TFLOPS (NVIDIA H100 Tensor Core GPU Architecture whitepaper,
  // 4096 FLOP/clk/SM), B200 2.25 PFLOPS (HGX B200 page: 36 PFLOPS sparse for 8 GPUs, halved).
  EXPECT_NEAR(load("gpu_a100").gpu.peak_flops() / 1e12, 311.9, 0.1);
  EXPECT_NEAR(load("gpu_h100").gpu.peak_flops() / 1e12, 989.4, 0.1);
  EXPECT_NEAR(load("gpu_b200").gpu.peak_flops() / 1e12, 2255.1, 0.1);
  // Narrow operands pack twice as many k-elements per tile: int8 = 2x bf16.
  const auto a = load("gpu_a100").gpu;
  EXPECT_DOUBLE_EQ(a.peak_flops(DType::INT8), 2 * a.peak_flops(DType::BF16));
}

TEST(GpuConfig, HbmPeaksMatchReference) {
  EXPECT_NEAR(load("gpu_a100").hbm.peak_bytes_per_s() / 1e9, 2039.0, 1.0);
  EXPECT_NEAR(load("gpu_h100").hbm.peak_bytes_per_s() / 1e9, 3347.2, 0.1);
}

TEST(GpuConfig, RejectsSlicesThatDoNotSplitOverPartitions) {
  try {
    load("gpu_a100", {"gpu.l2.slices=81"});
    FAIL() << "accepted 81 slices over 2 partitions";
  } catch (const config::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("gpu.l2.slices: must split evenly over the partitions"), std::string::npos)
        << e.what();
  }
}

TEST(GpuConfig, RejectsACtaThatDoesNotFitAnSm) {
  try {
    load("gpu_a100", {"gpu.kernels.gemv_threads=1024", "gpu.kernels.gemv_regs_per_thread=128"});
    FAIL() << "accepted 1024 x 128 registers";
  } catch (const config::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("gpu.kernels.gemv_threads: a CTA does not fit an SM: registers"),
              std::string::npos)
        << e.what();
  }
}

TEST(BlockCache, EvictsStreamBlocksBeforeNormalOnes) {
  gpu::BlockCache c(4);
  std::uint64_t v = 0, d = 0;
  c.fill(1, ~0ull, gpu::LineClass::Normal, false, &v, &d);
  c.fill(2, ~0ull, gpu::LineClass::Normal, false, &v, &d);
  for (std::uint64_t b = 10; b < 30; ++b) c.fill(b, ~0ull, gpu::LineClass::Stream, false, &v, &d);
  // Twenty streamed blocks went through a 4-block cache: the two normal blocks survived.
  EXPECT_EQ(c.lookup(1), ~0ull);
  EXPECT_EQ(c.lookup(2), ~0ull);
  EXPECT_EQ(c.lookup(10), 0u);
  EXPECT_EQ(c.lookup(29), ~0ull);
  EXPECT_EQ(c.size(), 4u);
}

TEST(BlockCache, ReportsDirtyVictimsAndTracksSectors) {
  gpu::BlockCache c(1);
  std::uint64_t v = 0, d = 0;
  EXPECT_FALSE(c.fill(7, 0b0110, gpu::LineClass::Normal, true, &v, &d));
  EXPECT_EQ(c.lookup(7), 0b0110u);
  EXPECT_TRUE(c.fill(8, 0b1, gpu::LineClass::Normal, false, &v, &d));
  EXPECT_EQ(v, 7u);
  EXPECT_EQ(d, 0b0110u);
  c.invalidate(8, 0b1);
  EXPECT_EQ(c.size(), 0u);
}

TEST(BlockCache, StaysCorrectUnderChurn) {
  // Open addressing with backward-shift deletion: thousands of evictions keep every resident
  // block findable and the count exact.
  gpu::BlockCache c(100);
  std::uint64_t v = 0, d = 0;
  for (std::uint64_t b = 0; b < 5000; ++b) c.fill(b * 7919, 1, gpu::LineClass::Stream, false, &v, &d);
  EXPECT_EQ(c.size(), 100u);
  for (std::uint64_t b = 4900; b < 5000; ++b) EXPECT_EQ(c.lookup(b * 7919), 1u) << b;
  EXPECT_EQ(c.lookup(4899 * 7919), 0u);
}

TEST(KernelMapper, OccupancyIsTheTightestResource) {
  const auto g = load("gpu_a100").gpu;
  gpu::Grid grid;
  grid.threads = 256;
  grid.regs_per_thread = 64;  // 16 K registers of 64 K: 4 CTAs
  EXPECT_EQ(gpu::occupancy(g, grid), 4u);
  grid.regs_per_thread = 32;  // threads bind: 2048 / 256 = 8
  EXPECT_EQ(gpu::occupancy(g, grid), 8u);
  grid.smem_bytes = 100000;   // one CTA's shared memory
  EXPECT_EQ(gpu::occupancy(g, grid), 1u);
}

TEST(KernelMapper, SplitKOnlyWhenTooFewTilesFillTheSms) {
  const auto g = load("gpu_a100").gpu;
  // A short wide matrix has tiles to spare; a narrow, deep one needs split-K to reach the SMs.
  const auto wide = gpu::choose_gemm_tiling(g, 1, 32000, 512, 1, DType::BF16, DType::BF16);
  EXPECT_EQ(wide.second, 1u);
  const auto deep = gpu::choose_gemm_tiling(g, 1, 256, 16384, 1, DType::BF16, DType::BF16);
  EXPECT_GT(deep.second, 1u);
}

TEST(KernelMapper, FlashDecodingSplitsLongContextsOnly) {
  const auto g = load("gpu_a100").gpu;
  EXPECT_EQ(gpu::choose_kv_split(g, 32, 128, 256), 1u);  // one block per group already
  EXPECT_GT(gpu::choose_kv_split(g, 32, 4096, 256), 1u);  // 32 groups cannot fill 108 SMs
}

TEST(KernelMapper, GemmCtasReadEveryWeightByteExactlyOnce) {
  // Quantisation scales included: the lowering's weight_bytes count them, and the CTAs' ranges
  // must tile exactly those bytes.
  const auto cfg = load("gpu_a100").gpu;
  for (DType d : {DType::BF16, DType::INT8, DType::INT4_G32, DType::INT4_G128}) {
  const KernelGraph graph = llama7b(128, d);
  for (const char* name : {"L0.qkv", "L0.o", "L0.gate_up", "L0.down", "lm_head"}) {
    const Kernel& k = find(graph, name);
    gpu::KernelAddresses a;
    a.weights = 1 << 30;
    a.act_in = 1ull << 40;
    const auto plan = gpu::map_kernel(cfg, k, a);
    ASSERT_EQ(plan.grids.size(), 1u);
    std::vector<std::pair<Bytes, Bytes>> ranges;
    for (std::uint64_t i = 0; i < plan.grids[0].ctas; ++i) {
      std::vector<gpu::MemAccess> rd, wr;
      plan.grids[0].accesses(i, rd, wr);
      for (const auto& r : rd)
        if (r.traffic == gpu::Traffic::Weights) ranges.emplace_back(r.addr, r.addr + r.len);
    }
    std::sort(ranges.begin(), ranges.end());
    Bytes at = a.weights;
    for (const auto& [lo, hi] : ranges) {
      EXPECT_EQ(lo, at) << name << ": gap or overlap";
      at = hi;
    }
    EXPECT_EQ(at - a.weights, k.weight_bytes) << name << " " << dtype_name(d);
  }
  }
}

TEST(KernelMapper, WeightFragmentsServeTheWarpTile) {
  // A100 (warp_m 64): a large GEMM streams 64 rows through each loaded fragment; decode's batch
  // of 1 is padded to one m16 fragment. Weight-only int4 multiplies in bf16 (k 16 per tile).
  const auto cfg = load("gpu_a100").gpu;
  const gpu::CtaCompute big = gpu::mma_work(cfg, 128, 1024, 256, DType::BF16, DType::BF16);
  EXPECT_EQ(big.tc_rows, 64u);
  EXPECT_EQ(big.tc_tiles, 2u * 64 * 16);
  const gpu::CtaCompute one = gpu::mma_work(cfg, 1, 1024, 256, DType::INT4_G32, DType::BF16);
  EXPECT_EQ(one.tc_rows, 16u);
  EXPECT_EQ(one.tc_tiles, 64u * 16);
  // Narrow weights keep proportionally fewer bytes in flight (at least one 16 B load).
  EXPECT_EQ(gpu::gemv_inflight_per_thread(cfg, DType::BF16), 64u);
  EXPECT_EQ(gpu::gemv_inflight_per_thread(cfg, DType::INT8), 32u);
  EXPECT_EQ(gpu::gemv_inflight_per_thread(cfg, DType::INT4_G32), 16u);
}

TEST(KernelMapper, AttentionCtasCoverTheKvCacheOnce) {
  const auto cfg = load("gpu_a100").gpu;
  const KernelGraph graph = llama7b(2048);
  const Kernel& k = find(graph, "L0.attn");
  gpu::KernelAddresses a;
  a.kv = 0;
  a.kv_row_bytes = 256;
  a.kv_group_stride = 2048 * 256;
  a.kv_v_offset = a.kv_group_stride * k.groups;
  const auto plan = gpu::map_kernel(cfg, k, a);
  ASSERT_EQ(plan.grids.size(), plan.split > 1 ? 2u : 1u);
  Bytes kv = 0;
  for (std::uint64_t i = 0; i < plan.grids[0].ctas; ++i) {
    std::vector<gpu::MemAccess> rd, wr;
    plan.grids[0].accesses(i, rd, wr);
    for (const auto& r : rd)
      if (r.traffic == gpu::Traffic::Kv) kv += r.len;
  }
  EXPECT_EQ(kv, k.kv_read_bytes);
}

TEST(KernelMapper, ConversionBoundGemvGridsAreBalanced) {
  // A100 Llama-2-70B int8: unpacking (1.5 conversions per weight at 16 per SM clock) outlasts
  // streaming, so the busiest SM's share of the unpacking sets the kernel: the tiler's grids
  // must spread it evenly over the SMs.
  const auto cfg = load("gpu_a100").gpu;
  for (auto [n, k] : {std::pair<std::uint64_t, std::uint64_t>{57344, 8192}, {8192, 28672}, {10240, 8192}}) {
    const auto [tile, split] = gpu::choose_gemm_tiling(cfg, 1, n, k, 1, DType::INT8, DType::BF16);
    const std::uint64_t ctas = (n + tile - 1) / tile * split;
    const double busiest = static_cast<double>((ctas + cfg.sms - 1) / cfg.sms);
    const double mean = static_cast<double>(ctas) / cfg.sms;
    EXPECT_LE(busiest / mean, 1.1) << n << "x" << k << ": " << ctas << " CTAs (tile " << tile << ", split " << split << ")";
  }
}

TEST(KernelMapper, Int4TakesTinygemmsFixedLaunch) {
  // tinygemm is not autotuned: every int4 product is 8 output columns per CTA over the whole
  // k (no split-K), 8 warps, 4 CTAs resident per SM at its 64 registers, whatever the shape
  // and whatever the config's own GEMV shape says.
  auto cfg = load("gpu_a100").gpu;
  cfg.kernels.gemv_threads = 128;
  cfg.kernels.gemv_max_split = 16;
  for (DType d : {DType::INT4_G32, DType::INT4_G64, DType::INT4_G128}) {
    for (auto [n, k] : {std::pair<std::uint64_t, std::uint64_t>{4096, 4096}, {4096, 14336}, {32000, 4096}}) {
      const auto tiling = gpu::choose_gemm_tiling(cfg, 1, n, k, 1, d, DType::BF16);
      EXPECT_EQ(tiling, (std::pair<std::uint32_t, std::uint32_t>{8, 1})) << dtype_name(d) << " " << n << "x" << k;
    }
    Kernel kern = find(llama7b(128, d), "L0.o");
    gpu::KernelAddresses a;
    a.weights = 1 << 30;
    a.act_in = 1ull << 40;
    const auto plan = gpu::map_kernel(cfg, kern, a);
    ASSERT_EQ(plan.grids.size(), 1u);
    const auto& g = plan.grids[0];
    EXPECT_EQ(g.ctas, kern.n / 8) << dtype_name(d);
    EXPECT_EQ(g.threads, 256u);
    EXPECT_EQ(gpu::occupancy(cfg, g), 4u);
    std::vector<gpu::MemAccess> rd, wr;
    g.accesses(0, rd, wr);
    Bytes weights = 0;
    for (const auto& r : rd)
      if (r.traffic == gpu::Traffic::Weights) weights += r.len;
    EXPECT_GE(weights, 8 * kern.k / 2) << "CTA 0 streams its 8 columns over the whole k";
  }
}

TEST(KernelMapper, OneRowGemvsAreCudaCoreReductionsExceptTinygemm) {
  // Batch 1: torch.compile's mm decomposition makes the product a broadcast multiply and a sum
  // (FP32 FMAs), so no tensor-core tiles, one FMA per weight beside the unpacking. Two rows and
  // tinygemm's grouped int4 stay on the tensor cores.
  const auto cfg = load("gpu_a100").gpu;
  auto cta0 = [&](std::uint64_t batch, DType d) {
    Kernel k = find(llama7b(128, d), "L0.o");
    k.m = batch;
    gpu::KernelAddresses a;
    a.weights = 1 << 30;
    a.act_in = 1ull << 40;
    const auto plan = gpu::map_kernel(cfg, k, a);
    std::vector<gpu::MemAccess> rd, wr;
    plan.grids[0].accesses(0, rd, wr);
    Bytes weights = 0;
    for (const auto& r : rd)
      if (r.traffic == gpu::Traffic::Weights) weights += r.len;
    return std::make_pair(plan.grids[0].compute(0), weights);
  };
  for (DType d : {DType::BF16, DType::INT8, DType::FP8}) {
    const auto [one, bytes] = cta0(1, d);
    EXPECT_EQ(one.tc_tiles, 0u) << dtype_name(d);
    const double weights = static_cast<double>(bytes - bytes % 64) * 8 / dtype_bits(d);  // scales are a few bytes
    EXPECT_NEAR(static_cast<double>(one.cuda_ops), weights * (1 + gpu::dequant_ops(d).fp_ops), weights * 0.01)
        << dtype_name(d);
    EXPECT_GT(cta0(2, d).first.tc_tiles, 0u) << dtype_name(d);
    EXPECT_TRUE(gpu::gemv_on_cuda_cores(1, d));
    EXPECT_FALSE(gpu::gemv_on_cuda_cores(2, d));
  }
  EXPECT_GT(cta0(1, DType::INT4_G32).first.tc_tiles, 0u);
  EXPECT_FALSE(gpu::gemv_on_cuda_cores(1, DType::INT4_G32));
}
