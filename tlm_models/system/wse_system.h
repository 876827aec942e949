// A WSE system: wafers (Cerebras-WSE-like, tlm_models/wse/) in a pipeline, each holding a
// contiguous run of the model's layers on rectangular regions of its PE mesh, joined by
// inter-wafer links. The fourth family of the system netlist (netlist.h):
//  - compile_wse(): the placement (wafers, then regions on each) and every wafer's per-step
//    program. Pure C++; WseArch runs it in its constructor, so a model that does not fit is
//    refused before anything is elaborated.
//  - WseArch: one WseNode per wafer, each with one outgoing link ("next") to the following
//    wafer (the last one's back to wafer 0: the sampled token), and the record collector.
#pragma once

#include <memory>
#include <vector>

#include "system/netlist.h"
#include "system/run.h"
#include "wse/wse_placement.h"
#include "wse/wse_wafer.h"

namespace decodesim::system {

struct WseCompiled {
  wse::Placement placement;
  std::vector<std::shared_ptr<const wse::WaferProgram>> programs;  ///< per wafer
  std::vector<bool> host_input;  ///< per step: wafer 0's input comes from the host (an inner prompt chunk followed)
};

/// Places the model and builds every wafer's program (throws config::InputError when the
/// model does not fit).
WseCompiled compile_wse(const RunRequest& req);

class WseArch : public ArchBuilder {
 public:
  explicit WseArch(const RunRequest& req);
  std::uint32_t elaborated_chips() const override;
  std::unique_ptr<Chip> make_chip(std::uint32_t index) override;
  std::vector<LinkSpec> links(std::uint32_t chip) const override;
  void connected(SystemTop& top) override;
  RunResult collect(SystemTop& top) override;
  const WseCompiled& compiled() const { return m_compiled; }

 private:
  const RunRequest& m_req;
  WseCompiled m_compiled;
};

std::unique_ptr<ArchBuilder> make_wse_arch(const RunRequest& req);

}  // namespace decodesim::system
