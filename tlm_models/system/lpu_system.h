// An LPU system: chips of {MEM slices, MXM, VXM, SXM} in pipeline stages joined by C2C links,
// running a compiler-fixed static schedule.
//
// Three pieces, so a top netlist can place the LPU beside other architectures:
//  - compile_lpu(): the compiler (placement, then every token's per-stage program and its
//    predicted timeline). Pure C++.
//  - LpuNetlist: the chip builder, an sc_module whose constructor is the netlist: one LpuChip
//    per simulated chip and its two C2C link modules, then the binds. Constructed inside a
//    parent module's constructor, its chips and links are that parent's grandchildren.
//  - collect_lpu(): the record collector, from the chips' runs after sc_start.
// simulate_lpu() is the three in sequence.
#pragma once

#include <systemc>

#include <memory>
#include <string>
#include <vector>

#include "lpu/c2c_link.h"
#include "lpu/lpu_chip.h"
#include "lpu/lpu_compiler.h"
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

/// The LPU chips and their C2C links. `link` times the link modules; the compiler's model of
/// the links is req.cfg.link, and they differ only when a test perturbs the run on purpose.
class LpuNetlist : public sc_core::sc_module {
 public:
  LpuNetlist(sc_core::sc_module_name name, const LpuCompiled& compiled, const memory::LinkConfig& link,
             TraceWriter* trace = nullptr);

  /// [stage * per_stage + i]
  std::vector<std::unique_ptr<lpu::LpuChip>> chips;
  std::vector<std::unique_ptr<lpu::C2cLink>> peer_links;    ///< chip i's node-mate ports
  std::vector<std::unique_ptr<lpu::C2cLink>> global_links;  ///< chip i's global ports

  /// Throws SimulationError if a chip did not finish (watchdog) or the run left the compiled
  /// schedule (naming the first diverging instruction).
  void check(double max_simulated_s) const;
  /// The first divergence over all chips (empty: the run matched the compiler exactly).
  std::string first_violation() const;
};

/// Fills RunResult from the chips' runs.
RunResult collect_lpu(const RunRequest& req, const LpuCompiled& compiled, const LpuNetlist& net,
                      const TraceWriter& trace);

RunResult simulate_lpu(const RunRequest& req);

}  // namespace decodesim::system
