// `lpu:` section — one Groq-TSP-like chip: superlanes × lanes, MEM slices, stream registers,
// MXM planes (behind the matmul-core slot), VXM, SXM, chip-to-chip ports, and how the compiler
// partitions a model over chips.
#pragma once

#include <cstdint>
#include <string>

#include "common/config/schema.h"
#include "matmul/matmul_core.h"

namespace decodesim::lpu {

/// MEM: the SRAM slices that hold weights and the KV cache. There is no other memory.
struct MemConfig {
  Bytes capacity_bytes = 230686720;      ///< 220 MiB per chip
  std::uint32_t slices = 88;             ///< MEM slices, half in each hemisphere
  std::uint32_t vectors_per_cycle = 1;   ///< vectors one slice reads or writes per cycle
  static const config::Schema<MemConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

/// Stream registers: vectors flow east and west one slice per cycle.
struct StreamConfig {
  std::uint32_t per_direction = 32;  ///< streams flowing east (and as many west)
  static const config::Schema<StreamConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

/// MXM: weight-stationary matrix planes; each is one matmul-core slot instance's geometry.
struct MxmConfig {
  std::uint32_t planes = 4;
  std::uint32_t rows = 320;          ///< K held in a plane
  std::uint32_t cols = 320;          ///< N held in a plane
  std::uint32_t weight_buffers = 2;  ///< weight registers per MACC; 2 installs the next tile while one streams
  /// Streams feeding one plane's weight install at once. The slot installs one row per cycle, so
  /// a plane fed by s streams is timed as s bands of rows/s rows installing side by side.
  std::uint32_t install_streams = 1;
  static const config::Schema<MxmConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

/// VXM: element-wise ALUs, `alus_per_lane` on each of the chip's byte-lanes.
struct VxmConfig {
  std::uint32_t alus_per_lane = 16;
  std::uint32_t latency_cycles = 4;  ///< pipeline depth paid once per vector phase
  static const config::Schema<VxmConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

/// SXM: shifts, permutes and transposes of whole vectors (RoPE's pair rotation here).
struct SxmConfig {
  std::uint32_t vectors_per_cycle = 2;  ///< one SXM per hemisphere
  std::uint32_t latency_cycles = 4;
  static const config::Schema<SxmConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

/// How the chip's C2C ports (link.links_per_chip of them) are wired: nodes of `node_chips`
/// fully connected chips, plus global ports between nodes (pipeline stage hand-offs).
struct C2cConfig {
  std::uint32_t node_chips = 8;      ///< chips per fully connected node
  std::uint32_t links_per_peer = 1;  ///< ports joining each pair of node-mates
  std::uint32_t global_links = 4;    ///< ports leaving the node (stage-to-stage traffic)
  static const config::Schema<C2cConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

enum class Partition { Pipeline, Tensor };
const char* partition_name(Partition p);

struct LpuConfig {
  double clock_ghz = 0.9;
  std::uint32_t superlanes = 20;
  std::uint32_t lanes_per_superlane = 16;  ///< byte-lanes; a vector is superlanes × lanes bytes
  MemConfig mem;
  StreamConfig streams;
  MxmConfig mxm;
  matmul::MatmulConfig matmul;
  VxmConfig vxm;
  SxmConfig sxm;
  C2cConfig c2c;
  Partition partition = Partition::Pipeline;
  std::uint32_t tensor_parallel = 1;  ///< chips sharing each layer group (partition: tensor)

  static const config::Schema<LpuConfig>& schema();
  void validate(const config::Node* section, const std::string& path) const;

  std::uint32_t vector_bytes() const { return superlanes * lanes_per_superlane; }
  /// Chips per pipeline stage: 1 for pipeline partitioning, tensor_parallel for tensor.
  std::uint32_t group_chips() const { return partition == Partition::Tensor ? tensor_parallel : 1; }
  /// MEM read peak: slices × vectors_per_cycle × vector bytes × clock.
  double sram_peak_bytes_per_s() const {
    return static_cast<double>(mem.slices) * mem.vectors_per_cycle * vector_bytes() * clock_ghz * 1e9;
  }
  /// Bytes per cycle that MEM can put on the streams (whichever of slices and streams is narrower).
  std::uint64_t stream_bytes_per_cycle() const;
  /// Dense MXM peak: 2 FLOP per MACC per cycle.
  double peak_flops() const { return 2.0 * mxm.rows * mxm.cols * mxm.planes * clock_ghz * 1e9; }
  /// Cycles for a vector to cross from one end of a hemisphere to the other (slice hops).
  std::uint32_t hemisphere_transit_cycles() const { return mem.slices / 2 + 2; }
  /// One matmul-core slot: a band of rows/install_streams rows of one plane.
  matmul::ArrayGeometry geometry() const { return {mxm.rows / mxm.install_streams, mxm.cols, mxm.weight_buffers}; }
  /// Slot instances on the chip: planes × bands.
  std::uint32_t arrays() const { return mxm.planes * mxm.install_streams; }
};

}  // namespace decodesim::lpu
