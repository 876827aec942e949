// The TPU tile on single kernels: which mechanism binds, and the bookkeeping behind it.
#include <gtest/gtest.h>

#include <systemc>

#include "common/config/node.h"
#include "memory/hbm/hbm.h"
#include "system/system_config.h"
#include "tpu/tpu_tile.h"

using namespace decodesim;

namespace {

system::SystemConfig v5e(const std::vector<std::string>& sets = {}) {
  return system::load_system("tpu_v5e", std::string(DECODESIM_SOURCE_DIR) + "/configs", sets);
}

Kernel gemm(std::uint64_t m, std::uint64_t k, std::uint64_t n) {
  Kernel g;
  g.name = "gemm";
  g.op = "gemm";
  g.kind = KernelKind::Gemm;
  g.m = m;
  g.k = k;
  g.n = n;
  g.weight_bytes = k * n * 2;
  g.flops = 2 * m * k * n;
  return g;
}

/// One chip (HBM + tile) running one graph; returns the tile's records.
std::vector<KernelRecord> run_graph(const system::SystemConfig& cfg, KernelGraph g, Bytes* served = nullptr) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  memory::Hbm hbm("hbm", cfg.hbm);
  tpu::TpuTile tile("tile", cfg.tpu, cfg.dma, memory::TlmSettings{}, 0);
  memory::bind_memory(tile.dma, hbm);
  const auto plan = plan_memory(g, 1);
  tile.load({g}, {plan});
  sc_core::sc_start();
  EXPECT_TRUE(tile.finished());
  if (served) *served = hbm.bytes_read() + hbm.bytes_written();
  return tile.records();
}

}  // namespace

TEST(TpuConfig, PeakFlopsComeFromTheArrays) {
  const auto cfg = v5e();
  EXPECT_DOUBLE_EQ(cfg.tpu.peak_flops(), 2.0 * 128 * 128 * 4 * 1.5e9);  // 196.6 TFLOP/s
  EXPECT_DOUBLE_EQ(cfg.hbm.peak_bytes_per_s(), 819.2e9);
}

TEST(TpuConfig, WeightBuffersMustFitInVmem) {
  try {
    v5e({"tpu.vmem.capacity_bytes=65536"});
    FAIL() << "expected an error";
  } catch (const config::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tpu.dma_block_bytes: weight buffers do not fit in VMEM"),
              std::string::npos)
        << e.what();
  }
}

TEST(TpuMemoryPlan, LayersStartOnTheSameInterleavePhaseAndKvFollowsWeights) {
  KernelGraph g;
  g.layers = 2;
  for (int l = 0; l < 2; ++l) {
    Kernel k = gemm(1, 4096, 4096 + 128 * l);
    k.layer = l;
    g.kernels.push_back(k);
    Kernel a;
    a.kind = KernelKind::Attention;
    a.layer = l;
    a.groups = 32;
    a.m = 1;
    a.k = 128;
    a.n = 100;
    g.kernels.push_back(a);
  }
  const auto p = plan_memory(g, 100);
  EXPECT_EQ(p.weight_base[0] % (1 << 20), 0u);
  EXPECT_EQ(p.weight_base[2] % (1 << 20), 0u);
  EXPECT_GE(p.weight_base[2], p.weight_base[0] + g.kernels[0].weight_bytes);
  EXPECT_GE(p.kv_base[1], p.weight_base[2] + g.kernels[2].weight_bytes);
  EXPECT_EQ(p.kv_row_bytes, 128u * 2);
  EXPECT_GE(p.kv_base[3], p.kv_base[1] + 2 * 32 * p.kv_group_stride);
}

TEST(TpuTile, Batch1GemmIsHbmBoundOnV5e) {
  KernelGraph g;
  g.kernels.push_back(gemm(1, 4096, 11008));
  Bytes served = 0;
  const auto recs = run_graph(v5e(), g, &served);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].bound, "memory");
  EXPECT_EQ(served, g.kernels[0].weight_bytes);
  EXPECT_EQ(recs[0].mem_bytes, g.kernels[0].weight_bytes);
  EXPECT_GE(recs[0].duration(), recs[0].roofline);
  // Streaming at 90% of peak (docs/memory.md), so within 15% of the roofline.
  EXPECT_LT(recs[0].duration(), recs[0].roofline * 115 / 100);
}

TEST(TpuTile, OneSlowMxuMakesWeightLoadingTheBound) {
  // One MXU at 0.5 GHz loads 32 KiB per 128 cycles = 128 GB/s, far below HBM's 819 GB/s.
  KernelGraph g;
  g.kernels.push_back(gemm(1, 4096, 4096));
  const auto recs = run_graph(v5e({"tpu.mxu.count=1", "tpu.clock_ghz=0.5", "tpu.vmem.clock_ghz=0.5"}), g);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].bound, "weight_load");
  const double expect_s = 4096.0 / 128 * 4096 / 128 * 128 / 0.5e9;  // tiles x R cycles
  EXPECT_NEAR(picos_to_seconds(recs[0].duration()) / expect_s, 1.0, 0.02);
}

TEST(TpuTile, LargeBatchGemmIsComputeBound) {
  KernelGraph g;
  g.kernels.push_back(gemm(2048, 4096, 4096));
  const auto recs = run_graph(v5e(), g);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].bound, "compute");
  EXPECT_GE(recs[0].duration(), recs[0].roofline);
}

TEST(TpuTile, PartialTilesMoveExactBytes) {
  KernelGraph g;
  g.kernels.push_back(gemm(3, 200, 333));  // neither dimension a multiple of 128
  Bytes served = 0;
  const auto recs = run_graph(v5e(), g, &served);
  EXPECT_EQ(served, 200u * 333 * 2);
}
