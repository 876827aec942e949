#include "lpu/lpu_config.h"

#include <algorithm>

#include "matmul/rtl_matmul_core.h"

namespace decodesim::lpu {

const char* partition_name(Partition p) { return p == Partition::Tensor ? "tensor" : "pipeline"; }

const config::Schema<MemConfig>& MemConfig::schema() {
  using S = config::Schema<MemConfig>;
  static const S s = S("MEM slices: the chip's only memory (weights and KV cache)")
                         .num("capacity_bytes", &MemConfig::capacity_bytes, "B", Bytes{230686720}, Bytes{4096},
                              Bytes{1} << 40, "SRAM per chip")
                         .num("slices", &MemConfig::slices, "count", 88u, 2u, 4096u,
                              "MEM slices, split evenly between the two hemispheres")
                         .num("vectors_per_cycle", &MemConfig::vectors_per_cycle, "vectors/cycle", 1u, 1u, 16u,
                              "vectors one slice reads or writes per cycle");
  return s;
}

const config::Schema<StreamConfig>& StreamConfig::schema() {
  using S = config::Schema<StreamConfig>;
  static const S s = S("stream registers (vectors move one slice per cycle, east or west)")
                         .num("per_direction", &StreamConfig::per_direction, "count", 32u, 1u, 1024u,
                              "streams flowing in each direction");
  return s;
}

const config::Schema<MxmConfig>& MxmConfig::schema() {
  using S = config::Schema<MxmConfig>;
  static const S s = S("MXM matrix planes (weight-stationary; each plane is one matmul-core slot)")
                         .num("planes", &MxmConfig::planes, "count", 4u, 1u, 64u, "independent matrix planes")
                         .num("rows", &MxmConfig::rows, "MACCs", 320u, 4u, 1024u,
                              "plane rows (K held); the slot installs one row per cycle per install stream")
                         .num("cols", &MxmConfig::cols, "MACCs", 320u, 4u, 1024u, "plane columns (N held)")
                         .num("weight_buffers", &MxmConfig::weight_buffers, "count", 2u, 1u, 2u,
                              "weight registers per MACC; 2 installs the next tile while the current one streams")
                         .num("install_streams", &MxmConfig::install_streams, "streams", 1u, 1u, 64u,
                              "streams installing one plane's weights at once (rows / this = rows per slot band)");
  return s;
}

const config::Schema<VxmConfig>& VxmConfig::schema() {
  using S = config::Schema<VxmConfig>;
  static const S s = S("VXM vector ALUs (norms, softmax, SiLU, residual adds, RoPE arithmetic)")
                         .num("alus_per_lane", &VxmConfig::alus_per_lane, "ALUs", 16u, 1u, 256u,
                              "ALUs per byte-lane; element ops per cycle = lanes x this")
                         .num("latency_cycles", &VxmConfig::latency_cycles, "cycles", 4u, 0u, 10000u,
                              "pipeline latency paid once per vector phase");
  return s;
}

const config::Schema<SxmConfig>& SxmConfig::schema() {
  using S = config::Schema<SxmConfig>;
  static const S s = S("SXM switch units: shifts, permutes, transposes")
                         .num("vectors_per_cycle", &SxmConfig::vectors_per_cycle, "vectors/cycle", 2u, 1u, 64u,
                              "vectors permuted per cycle (all SXMs together)")
                         .num("latency_cycles", &SxmConfig::latency_cycles, "cycles", 4u, 0u, 10000u,
                              "pipeline latency paid once per permute phase");
  return s;
}

const config::Schema<C2cConfig>& C2cConfig::schema() {
  using S = config::Schema<C2cConfig>;
  static const S s = S("chip-to-chip wiring of the link.links_per_chip ports")
                         .num("node_chips", &C2cConfig::node_chips, "chips", 8u, 1u, 64u,
                              "chips per node, every pair directly linked")
                         .num("links_per_peer", &C2cConfig::links_per_peer, "links", 1u, 1u, 64u,
                              "ports joining each pair of node-mates")
                         .num("global_links", &C2cConfig::global_links, "links", 4u, 1u, 64u,
                              "ports leaving the node; they carry pipeline stage hand-offs");
  return s;
}

const config::Schema<LpuConfig>& LpuConfig::schema() {
  using S = config::Schema<LpuConfig>;
  static const S s =
      S("LPU chip (Groq-TSP-like): SRAM-only, statically scheduled, pipelined over chips")
          .num("clock_ghz", &LpuConfig::clock_ghz, "GHz", 0.9, 0.1, 5.0, "chip clock (every unit)")
          .num("superlanes", &LpuConfig::superlanes, "count", 20u, 1u, 256u, "superlanes stacked on the chip")
          .num("lanes_per_superlane", &LpuConfig::lanes_per_superlane, "byte-lanes", 16u, 1u, 256u,
               "byte-lanes per superlane; vector bytes = superlanes x this")
          .section("mem", &LpuConfig::mem)
          .section("streams", &LpuConfig::streams)
          .section("mxm", &LpuConfig::mxm)
          .section("matmul", &LpuConfig::matmul)
          .section("vxm", &LpuConfig::vxm)
          .section("sxm", &LpuConfig::sxm)
          .section("c2c", &LpuConfig::c2c)
          .choice("partition", &LpuConfig::partition,
                  {{"pipeline", Partition::Pipeline}, {"tensor", Partition::Tensor}}, Partition::Pipeline,
                  "pipeline: consecutive layers per chip; tensor: each layer group shared by tensor_parallel chips")
          .num("tensor_parallel", &LpuConfig::tensor_parallel, "chips", 1u, 1u, 64u,
               "partition tensor: chips per layer group (a divisor of system.chips; one node, or whole nodes up to "
               "(c2c.global_links + 1) x c2c.node_chips)");
  return s;
}

std::uint64_t LpuConfig::stream_bytes_per_cycle() const {
  const std::uint64_t mem_bw = std::uint64_t{mem.slices} * mem.vectors_per_cycle;
  const std::uint64_t streams_bw = std::uint64_t{streams.per_direction} * 2;
  return std::min(mem_bw, streams_bw) * vector_bytes();
}

namespace {
// A sub-section for locating an error, or the section itself when the file left it out.
const config::Node* sub(const config::Node* n, const char* key) {
  const config::Node* c = n ? n->find(key) : nullptr;
  return c ? c : n;
}
}  // namespace

void LpuConfig::validate(const config::Node* n, const std::string& path) const {
  // Checked here, not when a chip is built, so the error can point at the config line.
  if (matmul.impl != matmul::MatmulImpl::Tlm && !matmul::rtl_can_build(matmul, geometry()))
    config::fail_at(n ? n->find("matmul") : nullptr, config::detail::join_path(path, "matmul"), "impl",
                    "our RTL core (rtl/) has no such size for this MXM slot",
                    std::to_string(geometry().rows) + "x" + std::to_string(geometry().cols) + " with weight_buffers " +
                        std::to_string(mxm.weight_buffers) + " (mxm.rows / mxm.install_streams x mxm.cols)",
                    matmul::rtl_buildable_sizes(matmul.impl));
  const Bytes slice_set = Bytes{mem.slices} * vector_bytes();
  if (mem.capacity_bytes % slice_set != 0)
    config::fail_at(sub(n, "mem"), config::detail::join_path(path, "mem"), "capacity_bytes",
                    "must fill every slice with whole vectors", std::to_string(mem.capacity_bytes),
                    "a multiple of slices x vector bytes = " + std::to_string(slice_set));
  if (mem.slices % 2 != 0)
    config::fail_at(sub(n, "mem"), config::detail::join_path(path, "mem"), "slices",
                    "slices split evenly between two hemispheres", std::to_string(mem.slices), "an even count");
  if (mxm.planes * mxm.install_streams > 2 * streams.per_direction)
    config::fail_at(sub(n, "mxm"), config::detail::join_path(path, "mxm"), "install_streams",
                    "each plane installs from install_streams streams of its own: planes x install_streams = " +
                        std::to_string(mxm.planes * mxm.install_streams),
                    std::to_string(mxm.install_streams),
                    "planes x install_streams at most 2 x streams.per_direction = " +
                        std::to_string(2 * streams.per_direction));
  if (mxm.rows % mxm.install_streams != 0 || mxm.rows / mxm.install_streams < 4)
    config::fail_at(sub(n, "mxm"), config::detail::join_path(path, "mxm"), "install_streams",
                    "must split the plane's rows into equal bands of at least 4", std::to_string(mxm.install_streams),
                    "a divisor of rows = " + std::to_string(mxm.rows) + " leaving >= 4 rows per band");
  if (partition == Partition::Pipeline && tensor_parallel != 1)
    config::fail_at(n, path, "tensor_parallel", "pipeline partitioning puts each layer on one chip",
                    std::to_string(tensor_parallel), "1, or partition: tensor");
}

}  // namespace decodesim::lpu
