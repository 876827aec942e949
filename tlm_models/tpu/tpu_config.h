// `tpu:` section — one TPU chip: tensor cores with MXUs, VMEM, vector unit, DMA.
#pragma once

#include <memory>
#include <string>

#include "common/config/schema.h"
#include "matmul/matmul_core.h"
#include "memory/dma/dma_engine.h"
#include "memory/sram/sram.h"

namespace decodesim::tpu {

/// What a tensor core's matrix unit is: a weight-stationary systolic array (TPU, Trainium) or a
/// Da Vinci cube (Ascend: a depth×k by k×n fractal product per cycle; matmul/cube_core.h).
enum class MatrixUnit { Systolic, Cube };

struct MxuConfig {
  MatrixUnit kind = MatrixUnit::Systolic;
  std::uint32_t count = 4;           ///< MXUs per tensor core
  std::uint32_t rows = 128;
  std::uint32_t cols = 128;
  std::uint32_t weight_buffers = 2;
  std::uint32_t depth = 16;          ///< cube: activation rows per cycle (M of the fractal)
  std::uint32_t latency_cycles = 16; ///< cube: pipeline latency from the last fractal to L0C
  /// Activation rows one array consumes per cycle: 1 for a systolic array, depth for a cube.
  std::uint32_t rows_per_cycle() const { return kind == MatrixUnit::Cube ? depth : 1; }
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
  double peak_flops() const {
    return 2.0 * mxu.rows * mxu.cols * mxu.rows_per_cycle() * mxu_total() * clock_ghz * 1e9;
  }
  matmul::ArrayGeometry geometry() const { return {mxu.rows, mxu.cols, mxu.weight_buffers}; }
  /// The matrix unit behind the tile's matmul slot (the cube, or matmul.impl's systolic core).
  std::unique_ptr<matmul::MatmulCore> make_core() const;
};

}  // namespace decodesim::tpu
