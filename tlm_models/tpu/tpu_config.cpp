#include "tpu/tpu_config.h"

#include "matmul/cube_core.h"
#include "matmul/rtl_matmul_core.h"

namespace decodesim::tpu {

const config::Schema<MxuConfig>& MxuConfig::schema() {
  using S = config::Schema<MxuConfig>;
  static const S s = S("matrix units (weight-stationary systolic arrays, or Da Vinci cubes)")
                         .num("count", &MxuConfig::count, "count", 4u, 1u, 64u, "MXUs per tensor core")
                         .num("rows", &MxuConfig::rows, "PEs", 128u, 4u, 1024u, "array rows (K held in the array)",
                              config::Check::PowerOfTwo)
                         .num("cols", &MxuConfig::cols, "PEs", 128u, 4u, 1024u, "array columns (N held in the array)",
                              config::Check::PowerOfTwo)
                         .num("weight_buffers", &MxuConfig::weight_buffers, "count", 2u, 1u, 2u,
                              "weight registers per PE; 2 hides the next tile's weight load")
                         .choice("kind", &MxuConfig::kind,
                                 {{"systolic", MatrixUnit::Systolic}, {"cube", MatrixUnit::Cube}},
                                 MatrixUnit::Systolic,
                                 "systolic: weight-stationary array (rows x cols); cube: a depth x rows by rows x "
                                 "cols fractal product per cycle, weights read from L0B (Ascend Da Vinci)")
                         .num("depth", &MxuConfig::depth, "rows", 16u, 1u, 1024u,
                              "cube: activation rows multiplied per cycle (M of the fractal)")
                         .num("latency_cycles", &MxuConfig::latency_cycles, "cycles", 16u, 0u, 10000u,
                              "cube: cycles from the last fractal's issue to its result in L0C");
  return s;
}

const config::Schema<VectorConfig>& VectorConfig::schema() {
  using S = config::Schema<VectorConfig>;
  static const S s = S("vector unit (norms, softmax, element-wise)")
                         .num("sublanes", &VectorConfig::sublanes, "count", 8u, 1u, 256u, "sublanes")
                         .num("lanes", &VectorConfig::lanes, "count", 128u, 1u, 4096u, "lanes per sublane")
                         .num("alus", &VectorConfig::alus, "ops/lane/cycle", 2u, 1u, 16u,
                              "element operations per lane per cycle")
                         .num("latency_cycles", &VectorConfig::latency_cycles, "cycles", 16u, 0u, 10000u,
                              "pipeline latency paid once per vector phase");
  return s;
}

const config::Schema<TpuConfig>& TpuConfig::schema() {
  using S = config::Schema<TpuConfig>;
  static const S s =
      S("TPU chip: tensor cores with MXUs, VMEM, vector unit and DMA from HBM")
          .num("clock_ghz", &TpuConfig::clock_ghz, "GHz", 1.5, 0.1, 5.0, "core clock (MXU, vector unit)")
          .num("tensor_cores", &TpuConfig::tensor_cores, "count", 1u, 1u, 4096u, "tensor cores per chip (a dataflow chip's compute units: up to 4096)")
          .section("mxu", &TpuConfig::mxu)
          .section("matmul", &TpuConfig::matmul)
          .section("vector", &TpuConfig::vector)
          .section("vmem", &TpuConfig::vmem)
          .num("dma_block_bytes", &TpuConfig::dma_block_bytes, "bytes", std::uint64_t{512 * 1024},
               std::uint64_t{4096}, std::uint64_t{1} << 30, "weight block streamed into one VMEM buffer")
          .num("vmem_buffers", &TpuConfig::vmem_buffers, "count", 2u, 1u, 8u,
               "VMEM weight buffers in the DMA-to-MXU ring (2 = double buffering)")
          .flag("prefetch_across_kernels", &TpuConfig::prefetch_across_kernels, true,
                "let the next kernel's weights stream while the current kernel computes")
          .num("kernel_overhead_cycles", &TpuConfig::kernel_overhead_cycles, "cycles", 0u, 0u, 1000000u,
               "fixed issue cost per kernel");
  return s;
}

std::unique_ptr<matmul::MatmulCore> TpuConfig::make_core() const {
  if (mxu.kind == MatrixUnit::Cube)
    return std::make_unique<matmul::TlmCubeCore>(
        matmul::CubeGeometry{mxu.depth, mxu.rows, mxu.cols, mxu.latency_cycles});
  return matmul::make_matmul_core(matmul, geometry(), "tpu.matmul.impl", clock_ghz);
}

void TpuConfig::validate(const config::Node* n, const std::string& path) const {
  if (mxu.kind == MatrixUnit::Cube && matmul.impl != matmul::MatmulImpl::Tlm)
    config::fail_at(n ? n->find("matmul") : nullptr, path + ".matmul", "impl",
                    "there is no RTL of the cube unit (rtl/ is a systolic array)", "rtl",
                    "tlm with tpu.mxu.kind: cube");
  // Checked here, not when the tile is built, so the error can point at the config line.
  if (matmul.impl != matmul::MatmulImpl::Tlm && !matmul::rtl_can_build(matmul, geometry()))
    config::fail_at(n ? n->find("matmul") : nullptr, path + ".matmul", "impl",
                    "our RTL core (rtl/) has no such size for this array",
                    std::to_string(mxu.rows) + "x" + std::to_string(mxu.cols) + " with weight_buffers " +
                        std::to_string(mxu.weight_buffers),
                    matmul::rtl_buildable_sizes(matmul.impl));
  const std::uint64_t need = dma_block_bytes * vmem_buffers;
  if (need > vmem.capacity_bytes)
    config::fail_at(n, path, "dma_block_bytes", "weight buffers do not fit in VMEM",
                    std::to_string(vmem_buffers) + " x " + std::to_string(dma_block_bytes) + " B",
                    "at most vmem capacity " + std::to_string(vmem.capacity_bytes) + " B");
}

}  // namespace decodesim::tpu
