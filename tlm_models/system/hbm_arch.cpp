#include "system/hbm_arch.h"

#include <stdexcept>

#include "system/memory_edge.h"

namespace decodesim::system {

HbmChip::HbmChip(sc_core::sc_module_name name, const SystemConfig& cfg)
    : Chip(name), hbm(make_memory("hbm", cfg)), link_x("link_x") {
  if (cfg.system.topology == Topology::Torus2d) link_y = std::make_unique<memory::LinkPort>("link_y");
}

memory::LinkPort& HbmChip::link_port(const std::string& port) {
  if (port == "link_x") return link_x;
  if (port == "link_y" && link_y) return *link_y;
  throw std::logic_error(std::string(name()) + ": no link port " + port);
}

HbmArch::HbmArch(const RunRequest& req, Traits traits)
    : m_req(req),
      m_cfg(req.cfg),
      m_traits(std::move(traits)),
      m_simulated(req.cfg.sim.reuse ? 1 : req.cfg.system.chips),
      m_barrier(m_simulated) {
  // Sharding errors point at system.chips, where the user chose the degree.
  if (req.graphs.empty())
    workload::shard_model(req.model, m_cfg.system.chips, config::loc_of(m_cfg.tree.find("system"), "chips"),
                          "system.chips");
  m_tokens = token_graphs(req, m_cfg.system.chips);
  m_plans.push_back(plan_memory(plan_graph(m_tokens), req.scenario.max_context() + 1));
  // A draft model on the same chips keeps its own weights and KV cache above the target's.
  std::vector<KernelGraph> draft;
  for (const auto& g : m_tokens)
    if (g.phase == Phase::Draft) draft.push_back(g);
  if (!draft.empty())
    m_plans.push_back(plan_memory(plan_graph(draft), req.scenario.max_context() + 1, m_plans.front().total_bytes));
}

Bytes resident_bytes_per_chip(const RunRequest& req, std::uint32_t chips) {
  Bytes b = workload::resident_bytes_per_chip(req.model, req.scenario, chips);
  if (in_run_draft(req)) b += workload::resident_bytes_per_chip(req.draft, req.scenario, chips);
  return b;
}

Bytes HbmArch::resident_bytes(std::uint32_t chips) const { return resident_bytes_per_chip(m_req, chips); }

std::unique_ptr<Chip> HbmArch::make_chip(std::uint32_t index) {
  return make_hbm_chip((m_traits.chip_prefix + std::to_string(index)).c_str(), index);
}

std::vector<LinkSpec> HbmArch::links(std::uint32_t) const {
  std::vector<LinkSpec> out{{"link_x", m_cfg.link, {}}};
  if (m_cfg.system.topology == Topology::Torus2d) out.push_back({"link_y", m_cfg.link, {}});
  return out;
}

void HbmArch::connected(SystemTop& top) {
  // Links' tracks first, then each chip's: the trace's track order.
  if (TraceWriter* trace = top.trace())
    for (std::uint32_t c = 0; c < top.chips(); ++c)
      for (const LinkSpec& l : links(c)) top.link(c, l.port).set_trace(trace, static_cast<int>(c), l.port);
  for (std::uint32_t c = 0; c < top.chips(); ++c) {
    auto& chip = static_cast<HbmChip&>(top.chip(c));
    chip.load(m_tokens, m_plans, m_cfg.sim.reuse);
    if (TraceWriter* trace = top.trace()) chip.set_trace(trace, static_cast<int>(c));
    chip.set_collective([this, &chip](const Kernel& k, Picos ready, Bytes* sent) {
      return chip_all_reduce(m_cfg, m_barrier, chip.link_x, chip.link_y.get(), k, ready, sent);
    });
  }
}

RunResult HbmArch::collect(SystemTop& top) {
  RunResult res;
  res.chips = m_cfg.system.chips;
  res.simulated_chips = m_simulated;
  auto& chip0 = static_cast<HbmChip&>(top.chip(0));
  res.peak_mem_bytes_per_s = chip0.hbm->peak_bytes_per_s();
  res.peak_flops = m_traits.peak_flops;
  res.link_bytes_per_s = m_cfg.link.bandwidth_gbytes_per_s * 1e9;
  for (std::uint32_t c = 0; c < top.chips(); ++c) {
    const auto& chip = static_cast<const HbmChip&>(top.chip(c));
    if (!chip.finished()) throw_unfinished(m_cfg, chip.tile_name(), chip.records().size());
  }
  ChipTotals totals;
  for (std::uint32_t c = 0; c < top.chips(); ++c) {
    const auto& chip = static_cast<const HbmChip&>(top.chip(c));
    collect_records(m_cfg, m_tokens, c, chip.records(), res, totals);
    chip.add_energy_counts(totals);
    chip.fill_stats(res.stats.group(chip.basename()), top, c);
  }
  res.reused_layers = chip0.reused_layers();
  res.memory_served_bytes = chip0.hbm->bytes_served();
  finish_hbm_run(m_req, m_tokens, totals, m_traits.chip_word, res);
  add_notes(chip0, res);
  return res;
}

}  // namespace decodesim::system
