// `wse:` section — one Cerebras-WSE-like wafer: a 2D mesh of processing elements (PEs), each
// with its own SRAM, joined to its four neighbours by the on-wafer fabric. Weights stay in the
// PEs' SRAM (weight-stationary); activations flow across the mesh. Wafers of a multi-wafer
// system are joined by the `link:` section's links (the CS-3's Ethernet I/O).
#pragma once

#include <cstdint>
#include <string>

#include "common/base/kernel_graph.h"
#include "common/config/schema.h"

namespace decodesim::wse {

/// The PE grid.
struct MeshConfig {
  std::uint32_t cols = 1000;  ///< PEs along x
  std::uint32_t rows = 900;   ///< PEs along y
  static const config::Schema<MeshConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

/// One processing element: its SRAM and its datapath.
struct PeConfig {
  Bytes sram_bytes = 49152;                  ///< SRAM per PE
  Bytes reserved_bytes = 4096;               ///< per PE, held by code and activation buffers (not placeable)
  std::uint32_t sram_read_bytes_per_cycle = 16;
  std::uint32_t sram_write_bytes_per_cycle = 8;
  std::uint32_t fp16_flops_per_cycle = 16;   ///< 16-bit operands (2 per FMAC)
  std::uint32_t int8_flops_per_cycle = 32;   ///< 8-bit (and narrower) operands
  std::uint32_t vector_ops_per_cycle = 8;    ///< element ops (norms, SiLU, residuals, softmax)
  static const config::Schema<PeConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const;
};

/// The on-wafer fabric: a router per PE, links to the four neighbours.
struct FabricConfig {
  std::uint32_t hop_cycles = 1;           ///< router + wire, per hop
  std::uint32_t link_bytes_per_cycle = 4; ///< one direction of one neighbour link
  static const config::Schema<FabricConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

struct WseConfig {
  double clock_ghz = 1.1;
  MeshConfig mesh;
  PeConfig pe;
  FabricConfig fabric;

  static const config::Schema<WseConfig>& schema();
  void validate(const config::Node* section, const std::string& path) const;

  std::uint64_t pes() const { return std::uint64_t{mesh.cols} * mesh.rows; }
  /// What placement may fill per PE and per wafer.
  Bytes placeable_per_pe() const { return pe.sram_bytes - pe.reserved_bytes; }
  Bytes placeable_bytes() const { return placeable_per_pe() * pes(); }
  /// Whole-wafer SRAM read peak (every PE reading at once).
  double sram_peak_bytes_per_s() const { return static_cast<double>(pes()) * pe.sram_read_bytes_per_cycle * clock_ghz * 1e9; }
  std::uint32_t flops_per_cycle(DType operand) const;
  /// Whole-wafer dense peak for `operand` weights.
  double peak_flops(DType operand) const {
    return static_cast<double>(pes()) * flops_per_cycle(operand) * clock_ghz * 1e9;
  }
};

}  // namespace decodesim::wse
