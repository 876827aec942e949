// `tpu:` section — one TPU chip: tensor cores with MXUs, VMEM, vector unit, DMA.
#pragma once

#include <string>

#include "common/config/schema.h"
#include "matmul/matmul_core.h"
#include "memory/dma/dma_engine.h"
#include "memory/sram/sram.h"

namespace decodesim::tpu {

struct MxuConfig {
  std::uint32_t count = 4;           ///< MXUs per tensor core
  std::uint32_t rows = 128;
  std::uint32_t cols = 128;
  std::uint32_t weight_buffers = 2;
  static const config::Schema<MxuConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

struct VectorConfig {
  std::uint32_t sublanes = 8;
  std::uint32_t lanes = 128;
  std::uint32_t alus = 2;            ///< element ops per lane per cycle
  std::uint32_t latency_cycles = 16; ///< pipeline depth paid once per kernel phase
  static const config::Schema<VectorConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

struct TpuConfig {
  double clock_ghz = 1.5;
  std::uint32_t tensor_cores = 1;
  MxuConfig mxu;
  matmul::MatmulConfig matmul;
  VectorConfig vector;
  memory::SramConfig vmem;
  std::uint64_t dma_block_bytes = 512 * 1024;  ///< weight block streamed into one VMEM buffer
  std::uint32_t vmem_buffers = 2;               ///< VMEM weight buffers in the DMA→MXU ring
  bool prefetch_across_kernels = true;          ///< next kernel's weights may stream before it starts
  std::uint32_t kernel_overhead_cycles = 0;     ///< fixed issue cost per kernel (fused XLA programs ≈ 0)

  static const config::Schema<TpuConfig>& schema();
  void validate(const config::Node* section, const std::string& path) const;

  std::uint32_t mxu_total() const { return mxu.count * tensor_cores; }
  /// Dense MXU peak: 2 FLOP per PE per cycle.
  double peak_flops() const { return 2.0 * mxu.rows * mxu.cols * mxu_total() * clock_ghz * 1e9; }
  matmul::ArrayGeometry geometry() const { return {mxu.rows, mxu.cols, mxu.weight_buffers}; }
};

}  // namespace decodesim::tpu
