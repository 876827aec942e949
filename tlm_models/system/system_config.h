// The resolved configuration of one simulated system: what configs/systems/<name>.yaml
// (plus includes and --set overrides) says, typed and validated in one place.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/config/schema.h"
#include "common/energy/energy.h"
#include "memory/dma/dma_engine.h"
#include "memory/hbm/hbm_config.h"
#include "memory/link/link.h"
#include "memory/tlm/target_registry.h"
#include "memory/tlm/tlm_settings.h"
#include "lpu/lpu_config.h"
#include "gpu/gpu_config.h"
#include "tiers/tiers_config.h"
#include "tpu/tpu_config.h"
#include "wse/wse_config.h"

namespace decodesim::system {

/// Rdu: a reconfigurable-dataflow chip with three memory tiers (SambaNova SN40L-like): its
/// compute is the TPU tile (PCUs in systolic mode), its memory HBM plus a DDR tier (`tiers:`).
/// Wse: a wafer-scale engine (Cerebras WSE-like): a PE mesh per wafer, layers on regions of it.
enum class Arch { Tpu, Lpu, Gpu, Rdu, Wse };
enum class Topology { Ring, Torus2d, Mesh };
/// How a tensor-parallel all-reduce runs: the topology's bandwidth-optimal schedule (NCCL,
/// XLA), or PyTorch's intra-node one-shot (docs/memory.md, "SRAM, links, collectives").
enum class AllReduceAlgo { Schedule, OneShot };
const char* arch_name(Arch a);

/// `system:` section.
struct SystemSection {
  std::string name;
  Arch arch = Arch::Tpu;
  std::uint32_t chips = 1;
  Topology topology = Topology::Ring;
  AllReduceAlgo all_reduce = AllReduceAlgo::Schedule;
  std::vector<std::uint32_t> torus_dims;  ///< Torus2d: [x, y] with x*y == chips
  static const config::Schema<SystemSection>& schema();
  void validate(const config::Node* n, const std::string& path) const;
};

/// `sim:` section: how the simulation itself runs.
struct SimConfig {
  std::uint64_t seed = 1;
  bool reuse = true;  ///< replay identical layers and symmetric tensor-parallel shards
  double max_simulated_s = 60;  ///< watchdog: a run that has not finished by then failed
  memory::TlmMode tlm_mode = memory::TlmMode::Lt;  ///< how initiators talk to memory
  double quantum_ns = 100000;   ///< LT global quantum
  bool check_protocol = false;  ///< a base-protocol checker on every memory socket binding
  static const config::Schema<SimConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

struct SystemConfig {
  SystemSection system;
  memory::MemorySection memory;
  memory::HbmConfig hbm;
  memory::DmaConfig dma;
  memory::LinkConfig link;
  tpu::TpuConfig tpu;
  lpu::LpuConfig lpu;
  gpu::GpuConfig gpu;
  tiers::TiersConfig tiers;
  wse::WseConfig wse;
  EnergyConfig energy;
  SimConfig sim;

  std::string source_file;  ///< the system file as given
  config::Node tree;        ///< the merged YAML tree, for locating later errors

  static const config::Schema<SystemConfig>& schema();
  void validate(const config::Node* n, const std::string& path) const;
  /// The fully resolved config, every key with its value (embedded in result.json).
  nlohmann::json resolved() const;
  /// The same, only the sections of this system's architecture, in schema order: what
  /// `config show` prints for saving and editing.
  nlohmann::json resolved_own() const;
};

/// The top-level sections a system of architecture `a` reads; any other is an error.
std::vector<std::string> applicable_sections(Arch a);

/// Resolves `name_or_path` (a name → <configs_dir>/systems/<name>.yaml), applies `sets`
/// ("a.b=v") in order, and validates. Throws config::InputError.
SystemConfig load_system(const std::string& name_or_path, const std::string& configs_dir,
                         const std::vector<std::string>& sets);

/// `loaded` (from load_system() without sets) with `sets` applied and re-validated: what
/// load_system(file, dir, sets) returns, without reading the files again (sweeps resolve
/// every point this way).
SystemConfig with_sets(const SystemConfig& loaded, const std::vector<std::string>& sets);

/// Names of the shipped systems (for error messages and `compare`).
std::vector<std::string> list_systems(const std::string& configs_dir);

}  // namespace decodesim::system
