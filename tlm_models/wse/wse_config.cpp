#include "wse/wse_config.h"

namespace decodesim::wse {

const config::Schema<MeshConfig>& MeshConfig::schema() {
  using S = config::Schema<MeshConfig>;
  static const S s = S("the PE grid (a 2D mesh, each PE linked to its four neighbours)")
                         .num("cols", &MeshConfig::cols, "PEs", 1000u, 1u, 1u << 16, "PEs along x")
                         .num("rows", &MeshConfig::rows, "PEs", 900u, 1u, 1u << 16, "PEs along y");
  return s;
}

const config::Schema<PeConfig>& PeConfig::schema() {
  using S = config::Schema<PeConfig>;
  static const S s =
      S("one processing element: its SRAM and datapath")
          .num("sram_bytes", &PeConfig::sram_bytes, "B", Bytes{49152}, Bytes{1024}, Bytes{1} << 30, "SRAM per PE")
          .num("reserved_bytes", &PeConfig::reserved_bytes, "B", Bytes{4096}, Bytes{0}, Bytes{1} << 30,
               "per PE, held by code and activation buffers; placement fills only the rest")
          .num("sram_read_bytes_per_cycle", &PeConfig::sram_read_bytes_per_cycle, "B/cycle", 16u, 1u, 4096u,
               "SRAM read bandwidth of one PE")
          .num("sram_write_bytes_per_cycle", &PeConfig::sram_write_bytes_per_cycle, "B/cycle", 8u, 1u, 4096u,
               "SRAM write bandwidth of one PE (KV-cache appends)")
          .num("fp16_flops_per_cycle", &PeConfig::fp16_flops_per_cycle, "FLOP/cycle", 16u, 1u, 4096u,
               "dense 16-bit FLOPs of one PE (2 per FMAC)")
          .num("int8_flops_per_cycle", &PeConfig::int8_flops_per_cycle, "FLOP/cycle", 32u, 1u, 8192u,
               "dense FLOPs of one PE on 8-bit and narrower weights")
          .num("vector_ops_per_cycle", &PeConfig::vector_ops_per_cycle, "ops/cycle", 8u, 1u, 4096u,
               "element-wise ops of one PE (norms, softmax, SiLU, residual adds)");
  return s;
}

void PeConfig::validate(const config::Node* n, const std::string& path) const {
  if (reserved_bytes >= sram_bytes)
    config::fail_at(n, path, "reserved_bytes", "must leave SRAM for weights", std::to_string(reserved_bytes),
                    "less than sram_bytes = " + std::to_string(sram_bytes));
}

const config::Schema<FabricConfig>& FabricConfig::schema() {
  using S = config::Schema<FabricConfig>;
  static const S s = S("the on-wafer fabric: one router per PE, a link to each neighbour")
                         .num("hop_cycles", &FabricConfig::hop_cycles, "cycles", 1u, 1u, 1000u,
                              "cycles a message takes per PE-to-PE hop (router + wire)")
                         .num("link_bytes_per_cycle", &FabricConfig::link_bytes_per_cycle, "B/cycle", 4u, 1u, 1024u,
                              "one direction of one neighbour link");
  return s;
}

const config::Schema<WseConfig>& WseConfig::schema() {
  using S = config::Schema<WseConfig>;
  static const S s = S("wafer-scale engine (Cerebras-WSE-like): a PE mesh with weights resident in PE SRAM")
                         .num("clock_ghz", &WseConfig::clock_ghz, "GHz", 1.1, 0.1, 5.0, "PE and fabric clock")
                         .section("mesh", &WseConfig::mesh)
                         .section("pe", &WseConfig::pe)
                         .section("fabric", &WseConfig::fabric);
  return s;
}

void WseConfig::validate(const config::Node*, const std::string&) const {}

std::uint32_t WseConfig::flops_per_cycle(DType operand) const {
  return operand == DType::BF16 ? pe.fp16_flops_per_cycle : pe.int8_flops_per_cycle;
}

}  // namespace decodesim::wse
