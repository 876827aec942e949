// An LPU system: chips of {MEM slices, MXM, VXM, SXM} in pipeline stages joined by C2C links,
// running a compiler-fixed static schedule.
//
// The LPU is the third ArchBuilder of the system netlist (netlist.h), beside the TPU and GPU:
//  - compile_lpu(): the compiler (placement, then every token's per-stage program and its
//    predicted timeline). Pure C++; LpuArch runs it in its constructor.
//  - LpuArch: the chips (LpuNode) and their C2C links (LinkSpecs whose far ends are the
//    receiving chips), built and bound by SystemTop, and the record collector.
#pragma once

#include <systemc>

#include <memory>
#include <string>
#include <vector>

#include "lpu/lpu_chip.h"
#include "lpu/lpu_compiler.h"
#include "system/netlist.h"
#include "system/run.h"

namespace decodesim::system {

/// The compiler's output for a whole LPU system.
struct LpuCompiled {
  lpu::Placement placement;
  std::vector<std::shared_ptr<lpu::ChipPlan>> plans;  ///< per stage (every chip of a stage runs the same program)
  bool reuse = true;                 ///< elaborate one chip per stage (tensor shards are symmetric)
  std::uint32_t node_chips = 1;      ///< chips per fully linked node (lpu.c2c.node_chips)
  std::uint32_t per_stage() const { return reuse ? 1 : placement.group; }
};

/// Places the model and compiles every token's static schedule (throws config::InputError when
/// the model does not fit).
LpuCompiled compile_lpu(const RunRequest& req);

/// Lower bound of the steps on the stage pipeline, from each stage's bound per step
/// (roof[t][s]). A step after an inner prefill chunk overlaps it (host_input): a prompt's run of
/// chunks is a flow shop, bounded for each stage s by what the first chunk needs before s, the
/// stage's own work on every chunk, and what the last chunk needs after s. A step that waits for
/// its predecessor's sampled token adds its whole path.
/// Shared by the pipelined SRAM machines (LPU stages, WSE wafers).
Picos pipeline_roofline(const std::vector<std::vector<Picos>>& roof, const std::vector<bool>& host_input);

/// One LPU chip as the netlist sees it: the TSP, whose node-mate and global C2C ports are its
/// two outgoing links ("peer", "global") and whose receive socket takes every incoming one.
class LpuNode : public Chip {
 public:
  lpu::LpuChip tsp;

  LpuNode(sc_core::sc_module_name name, std::uint32_t chip, std::shared_ptr<const lpu::ChipPlan> plan,
          lpu::ChipRoutes routes, const SystemConfig& cfg);
  tlm::tlm_initiator_socket<>& link_out(const std::string& port) override;
  tlm::tlm_base_target_socket_b<>& link_in(const std::string&) override { return tsp.rx; }
};

/// The LPU's part of the netlist: the compile (in the constructor), one LpuNode per simulated
/// chip (all chips with sim.reuse off), each with a node-mate and a global C2C link module, and
/// the record collector. `run_link` times the link modules; the compiler's model of the links
/// is req.cfg.link, and they differ only when a test perturbs the run on purpose.
class LpuArch : public ArchBuilder {
 public:
  explicit LpuArch(const RunRequest& req);
  LpuArch(const RunRequest& req, const memory::LinkConfig& run_link);

  std::uint32_t elaborated_chips() const override;
  std::unique_ptr<Chip> make_chip(std::uint32_t index) override;
  std::vector<LinkSpec> links(std::uint32_t chip) const override;
  void connected(SystemTop& top) override;
  /// Throws SimulationError if a chip did not finish (watchdog) or the run left the compiled
  /// schedule (naming the first diverging instruction).
  RunResult collect(SystemTop& top) override;

  const LpuCompiled& compiled() const { return m_compiled; }
  /// Chip `index` of `top` (stage * per_stage + i).
  static const lpu::LpuChip& tsp(SystemTop& top, std::uint32_t index);
  /// The first divergence over all chips (empty: the run matched the compiler exactly).
  static std::string first_violation(SystemTop& top);

 private:
  const RunRequest& m_req;
  LpuCompiled m_compiled;
  memory::LinkConfig m_run_link;
};

std::unique_ptr<ArchBuilder> make_lpu_arch(const RunRequest& req);

}  // namespace decodesim::system
