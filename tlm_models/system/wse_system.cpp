#include "system/wse_system.h"

#include <systemc>

#include <algorithm>
#include <stdexcept>

#include "common/base/sc_time_conv.h"
#include "lpu/lpu_compiler.h"
#include "system/lpu_system.h"
#include "system/tensor_parallel.h"
#include "workload/scenario.h"

namespace decodesim::system {
namespace {

constexpr Bytes kTokenIdBytes = 4;  // the sampled token id sent back to wafer 0, per sequence

/// One wafer as the netlist sees it: its outgoing link is "next".
class WseNode : public Chip {
 public:
  wse::WseWafer wafer;
  WseNode(sc_core::sc_module_name name, std::uint32_t index, const wse::WseConfig& cfg,
          std::shared_ptr<const wse::WaferProgram> program)
      : Chip(name), wafer("wafer", index, cfg, std::move(program)) {}
  tlm::tlm_initiator_socket<>& link_out(const std::string& port) override {
    if (port == "next") return wafer.tx.socket;
    throw std::logic_error(std::string(name()) + ": no link port " + port);
  }
  tlm::tlm_base_target_socket_b<>& link_in(const std::string&) override { return wafer.rx; }
};

const wse::WseWafer& wafer_of(SystemTop& top, std::uint32_t i) { return static_cast<WseNode&>(top.chip(i)).wafer; }

}  // namespace

WseCompiled compile_wse(const RunRequest& req) {
  const SystemConfig& cfg = req.cfg;
  WseCompiled out;
  out.placement = wse::place(req.model, req.scenario, cfg.wse, cfg.system.chips,
                             config::loc_of(cfg.tree.find("system"), "chips"));
  const std::uint32_t wafers = out.placement.wafers;
  const std::vector<KernelGraph> steps = token_graphs(req, 1);
  std::vector<wse::WaferProgram> progs(wafers);
  for (std::uint32_t w = 0; w < wafers; ++w) {
    progs[w].wafers = wafers;
    progs[w].plan = out.placement.wafer[w];
  }
  for (std::size_t t = 0; t < steps.size(); ++t) {
    const KernelGraph& g = steps[t];
    const Bytes rows = g.rows ? g.rows : std::uint64_t{req.scenario.batch} * g.seq_tokens;
    const Bytes hidden = workload::bytes_of(rows * req.model.hidden, req.scenario.act_dtype);
    // After an inner prompt chunk the next chunk comes from the host: wafer 0 takes it as soon
    // as it is done with the previous one (the chunks stream through the wafers).
    const bool from_host = t > 0 && !steps[t - 1].feeds_back;
    out.host_input.push_back(from_host);
    for (std::uint32_t w = 0; w < wafers; ++w) {
      progs[w].steps.push_back(lpu::stage_program(g, out.placement.wafer[w].stage, 1));
      progs[w].handoff.push_back(hidden);
      const bool last = w + 1 == wafers;
      progs[w].send.push_back(wafers == 1 ? 0 : !last ? hidden : g.feeds_back ? Bytes{req.scenario.batch} * kTokenIdBytes : 0);
      progs[w].receives.push_back(w > 0 || (wafers > 1 && t > 0 && !from_host));
    }
  }
  for (auto& p : progs) out.programs.push_back(std::make_shared<const wse::WaferProgram>(std::move(p)));
  return out;
}

WseArch::WseArch(const RunRequest& req) : m_req(req), m_compiled(compile_wse(req)) {}

std::uint32_t WseArch::elaborated_chips() const { return m_compiled.placement.wafers; }

std::unique_ptr<Chip> WseArch::make_chip(std::uint32_t index) {
  return std::make_unique<WseNode>(("wafer" + std::to_string(index)).c_str(), index, m_req.cfg.wse,
                                   m_compiled.programs[index]);
}

std::vector<LinkSpec> WseArch::links(std::uint32_t chip) const {
  const std::uint32_t wafers = m_compiled.placement.wafers;
  // One wafer's link loops back to itself and carries nothing (it feeds itself).
  return {{"next", m_req.cfg.link, {(chip + 1) % wafers}}};
}

void WseArch::connected(SystemTop& top) {
  if (TraceWriter* trace = top.trace())
    for (std::uint32_t w = 0; w < top.chips(); ++w) {
      static_cast<WseNode&>(top.chip(w)).wafer.set_trace(trace);
      if (m_compiled.placement.wafers > 1) top.link(w, "next").set_trace(trace, static_cast<int>(w), "link");
    }
}

RunResult WseArch::collect(SystemTop& top) {
  const RunRequest& req = m_req;
  const SystemConfig& cfg = req.cfg;
  const wse::WseConfig& wc = cfg.wse;
  const std::uint32_t wafers = m_compiled.placement.wafers;
  for (std::uint32_t w = 0; w < wafers; ++w)
    if (!wafer_of(top, w).finished())
      throw_unfinished(cfg, wafer_of(top, w).name(), wafer_of(top, w).runs().size(), "steps");

  RunResult res;
  res.chips = wafers;
  res.simulated_chips = wafers;
  res.peak_mem_bytes_per_s = wc.sram_peak_bytes_per_s();
  res.peak_flops = wc.peak_flops(req.scenario.weight_dtype);
  res.link_bytes_per_s = cfg.link.bandwidth_gbytes_per_s * 1e9;
  const std::size_t steps = m_compiled.programs.front()->steps.size();
  std::vector<std::vector<Picos>> roof(steps, std::vector<Picos>(wafers, 0));
  double sram_bytes = 0, link_bytes = 0, macs = 0, vector_ops = 0;
  Picos region = 0, fabric = 0, link = 0;
  std::vector<Picos> busy_compute(wafers, 0), busy_sram(wafers, 0), busy_fabric(wafers, 0), busy_link(wafers, 0);
  std::vector<Bytes> wafer_sram(wafers, 0);
  for (std::size_t t = 0; t < steps; ++t)
    for (std::uint32_t w = 0; w < wafers; ++w) {
      const wse::StepRun& r = wafer_of(top, w).runs()[t];
      res.records.insert(res.records.end(), r.records.begin(), r.records.end());
      sram_bytes += static_cast<double>(r.sram_bytes);
      wafer_sram[w] += r.sram_bytes;
      link_bytes += static_cast<double>(r.link_bytes);
      macs += r.macs;
      vector_ops += r.vector_ops;
      region += r.region;
      fabric += r.fabric;
      link += r.link;
      busy_compute[w] += r.compute_busy;
      busy_sram[w] += r.sram_busy;
      busy_fabric[w] += r.fabric;
      busy_link[w] += r.link;
      roof[t][w] = r.roofline;
      res.memory_served_bytes += r.sram_bytes;
    }
  for (const auto& prog : m_compiled.programs)
    for (const auto& step : prog->steps)
      for (const Kernel& k : step) res.workload_memory_bytes += k.memory_bytes();
  res.roofline = pipeline_roofline(roof, m_compiled.host_input);
  for (std::uint32_t w = 0; w < wafers; ++w) {
    res.path_chips.push_back(w);
    const wse::StepRun& last = wafer_of(top, w).runs().back();
    res.total_time = std::max(res.total_time, last.send_done);
  }

  EnergyCounts& e = res.energy;
  e.sram_bits = sram_bytes * 8;
  (req.scenario.weight_dtype != DType::BF16 ? e.macs_int8 : e.macs_bf16) = macs;
  e.vector_ops = vector_ops;
  e.link_bits = link_bytes * 8;
  e.link_pj_per_bit = cfg.link.pj_per_bit;
  e.seconds = picos_to_seconds(res.total_time);
  e.chips = wafers;
  e.clock_ghz = wc.clock_ghz;

  const auto busiest = [](const std::vector<Picos>& v) { return *std::max_element(v.begin(), v.end()); };
  res.bottleneck = classify_bound(res.total_time, {{"memory", busiest(busy_sram)},
                                                   {"compute", busiest(busy_compute)},
                                                   {"fabric", busiest(busy_fabric)},
                                                   {"link", busiest(busy_link)}});

  // result.json "wse": the placement and where one token's time went along its path.
  const double tokens = static_cast<double>(steps);
  const double latency_s = picos_to_seconds(res.total_time) / tokens;
  nlohmann::json js;
  js["wafers"] = wafers;
  js["pes_per_wafer"] = wc.pes();
  js["placeable_bytes_per_wafer"] = m_compiled.placement.capacity;
  js["needed_bytes"] = m_compiled.placement.needed_total;
  js["token_latency_s"] = latency_s;
  js["tokens_per_s_per_user"] = 1.0 / latency_s;
  js["sram_peak_bytes_per_s"] = wc.sram_peak_bytes_per_s();
  nlohmann::json parts = nlohmann::json::object();
  const TimeBreakdown path(PartsRelation::Partition,
                           {{TimePart::SramStream, region}, {TimePart::Fabric, fabric}, {TimePart::Link, link}});
  for (const auto& [part, v] : path) parts[std::string(time_part_name(part)) + "_s"] = picos_to_seconds(v) / tokens;
  js["critical_path"] = {{"per_token_s", picos_to_seconds(path.sum()) / tokens}, {"parts", parts}};
  nlohmann::json wj = nlohmann::json::array();
  for (std::uint32_t w = 0; w < wafers; ++w) {
    const wse::WaferPlan& p = m_compiled.placement.wafer[w];
    Bytes resident = 0;
    std::uint64_t min_w = ~0ull, max_w = 0;
    for (const auto& r : p.regions) {
      resident += r.bytes;
      min_w = std::min<std::uint64_t>(min_w, r.w);
      max_w = std::max<std::uint64_t>(max_w, r.w);
    }
    wj.push_back({{"wafer", w},
                  {"layers", {p.stage.first_layer, p.stage.end_layer}},
                  {"embedding", p.stage.embedding},
                  {"head", p.stage.head},
                  {"regions", p.regions.size()},
                  {"bands", p.bands},
                  {"region_cols", {min_w, max_w}},
                  {"region_rows", {p.regions.front().h, p.regions.back().h}},
                  {"resident_bytes", resident},
                  {"sram_occupancy", static_cast<double>(resident) / static_cast<double>(m_compiled.placement.capacity)},
                  {"fabric_hops_per_token", p.fabric_score},
                  {"sram_bw_utilisation",
                   static_cast<double>(wafer_sram[w]) / tokens / (latency_s * wc.sram_peak_bytes_per_s())}});
  }
  js["wafer"] = wj;
  res.arch_summary = js;
  StatGroup& sg = res.stats.group("wse");
  sg.set("wafers", wafers, "count", "wafers in the pipeline");
  sg.set("needed_bytes", static_cast<double>(m_compiled.placement.needed_total), "B",
         "weights + KV cache over all wafers as placed");
  if (wafers > 1)
    res.notes.push_back("layers are pipelined over " + std::to_string(wafers) +
                        " wafers; at batch 1 a token crosses every wafer and every inter-wafer link in turn");
  return res;
}

std::unique_ptr<ArchBuilder> make_wse_arch(const RunRequest& req) { return std::make_unique<WseArch>(req); }

}  // namespace decodesim::system
