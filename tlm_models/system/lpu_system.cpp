#include "system/lpu_system.h"

#include <systemc>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "common/base/sc_time_conv.h"
#include "lpu/lpu_chip.h"
#include "lpu/lpu_compiler.h"
#include "system/memory_edge.h"
#include "system/tensor_parallel.h"
#include "workload/scenario.h"

namespace decodesim::system {
namespace {

constexpr Bytes kTokenIdBytes = 4;  // the sampled token id sent back to stage 0, per sequence

}  // namespace

LpuCompiled compile_lpu(const RunRequest& req) {
  const SystemConfig& cfg = req.cfg;
  const lpu::LpuConfig& lc = cfg.lpu;
  const config::SourceLoc chips_loc = config::loc_of(cfg.tree.find("system"), "chips");
  const config::SourceLoc lpu_loc = config::loc_of(cfg.tree.find("lpu"), "tensor_parallel");
  LpuCompiled out;
  out.reuse = cfg.sim.reuse;
  out.node_chips = lc.c2c.node_chips;

  // Compiler pass 1: placement (refuses what does not fit).
  out.placement = lpu::place(req.model, req.scenario, lc, cfg.system.chips, chips_loc, lpu_loc);
  const lpu::Placement& pl = out.placement;
  const std::uint32_t group = pl.group, stages = pl.stages;

  // Compiler pass 2: per token, each stage's program, then the static timeline of the whole
  // chain (stage s of token t starts when its input arrives; token t+1 starts when token t's
  // sampled id is back at stage 0).
  // One token row's activations cross each stage boundary.
  const auto handoff = [&](std::uint64_t rows) { return workload::bytes_of(rows * req.model.hidden, req.scenario.act_dtype); };
  const Bytes feedback = stages > 1 ? Bytes{req.scenario.batch} * kTokenIdBytes : 0;
  std::vector<lpu::ChipPlan> plans(stages);
  std::vector<std::unique_ptr<lpu::ChipScheduler>> compiler;
  for (std::uint32_t s = 0; s < stages; ++s) {
    compiler.push_back(std::make_unique<lpu::ChipScheduler>(lc, cfg.link, pl.stage[s].first_chip, group));
    plans[s].stage = s;
    plans[s].send_name = s + 1 < stages ? "send.stage" + std::to_string(s + 1) : "send.token_id";
  }
  Picos input = 0;
  const std::vector<KernelGraph> steps = token_graphs(req, group);
  for (std::uint32_t t = 0; t < steps.size(); ++t) {
    const KernelGraph& g = steps[t];
    // After an inner prefill chunk the next chunk's rows come from the host, not from the last
    // stage: it enters stage 0 as soon as stage 0 is done with the previous chunk, while that
    // one is still in the later stages (the pipeline streams the prompt).
    const bool from_host = t > 0 && !steps[t - 1].feeds_back;
    if (from_host) input = plans[0].expected.back().end;
    for (std::uint32_t s = 0; s < stages; ++s) {
      // Every row of the step (a prompt chunk, a verify's k + 1, a mixed step's decode rows)
      // crosses to the next stage; the last stage sends back the sampled tokens, if any.
      const Bytes send = s + 1 < stages ? handoff(g.rows ? g.rows : std::uint64_t{req.scenario.batch} * g.seq_tokens)
                                        : (g.feeds_back ? feedback : 0);
      plans[s].host_input.push_back(s == 0 && from_host);
      plans[s].program.push_back(lpu::stage_program(g, pl.stage[s], group));
      plans[s].send_bytes.push_back(send);
      lpu::StageRun run = compiler[s]->run_stage(plans[s].program.back(), t, input, send, plans[s].send_name);
      input = run.send_done;
      plans[s].expected.push_back(std::move(run));
    }
  }
  for (auto& p : plans) out.plans.push_back(std::make_shared<lpu::ChipPlan>(std::move(p)));
  return out;
}

LpuNode::LpuNode(sc_core::sc_module_name name, std::uint32_t chip, std::shared_ptr<const lpu::ChipPlan> plan,
                 lpu::ChipRoutes routes, const SystemConfig& cfg)
    : Chip(name), tsp("tsp", chip, std::move(plan), routes, cfg.lpu, tlm_settings(cfg.sim)) {}

tlm::tlm_initiator_socket<>& LpuNode::link_out(const std::string& port) {
  if (port == "peer") return tsp.peer_tx;
  if (port == "global") return tsp.global_tx;
  throw std::logic_error(std::string(name()) + ": no link port " + port);
}

LpuArch::LpuArch(const RunRequest& req) : LpuArch(req, req.cfg.link) {}

LpuArch::LpuArch(const RunRequest& req, const memory::LinkConfig& run_link)
    : m_req(req), m_compiled(compile_lpu(req)), m_run_link(run_link) {}

std::uint32_t LpuArch::elaborated_chips() const { return m_compiled.placement.stages * m_compiled.per_stage(); }

std::unique_ptr<Chip> LpuArch::make_chip(std::uint32_t index) {
  const lpu::Placement& pl = m_compiled.placement;
  const std::uint32_t s = index / m_compiled.per_stage(), i = index % m_compiled.per_stage();
  const std::uint32_t chip = pl.stage[s].first_chip + i;
  const lpu::ChipPlan& plan = *m_compiled.plans[s];
  // Every message leaves on route 0 of its link (links() puts the next stage first on the
  // global link) except a cross-node exchange, route 1.
  lpu::ChipRoutes routes;
  routes.feeds_itself = pl.stages == 1 && std::all_of(plan.send_bytes.begin(), plan.send_bytes.end(),
                                                       [](Bytes b) { return b == 0; });
  routes.wraps = s + 1 == pl.stages;
  routes.next = 0;
  routes.peer = 0;
  routes.across = 1;
  return std::make_unique<LpuNode>(("chip" + std::to_string(chip)).c_str(), chip, m_compiled.plans[s], routes, m_req.cfg);
}

std::vector<LinkSpec> LpuArch::links(std::uint32_t chip) const {
  // Within a stage, chip i of node n exchanges with its ring neighbour in the node and with its
  // counterpart in the next node; with reuse only chip 0 runs, and its links loop back to it
  // (the symmetric neighbour's piece lands exactly when its own does). The global link also
  // carries the stage hand-off to the same chip of the next stage (the last stage's to stage 0:
  // the sampled token).
  const lpu::Placement& pl = m_compiled.placement;
  const std::uint32_t per_stage = m_compiled.per_stage(), stages = pl.stages;
  const std::uint32_t s = chip / per_stage, i = chip % per_stage;
  const std::uint32_t local = std::min(pl.group, m_compiled.node_chips), nodes = pl.group / local;
  const auto index = [&](std::uint32_t stage, std::uint32_t k) { return stage * per_stage + (k < per_stage ? k : 0); };
  const std::uint32_t node = i / local, mate = node * local + (i % local + 1) % local;
  const std::uint32_t counterpart = ((node + 1) % nodes) * local + i % local;
  return {{"peer", m_run_link, {index(s, mate)}},
          {"global", m_run_link, {index((s + 1) % stages, i), index(s, counterpart)}}};
}

void LpuArch::connected(SystemTop& top) {
  if (TraceWriter* trace = top.trace())
    for (std::uint32_t c = 0; c < top.chips(); ++c) static_cast<LpuNode&>(top.chip(c)).tsp.set_trace(trace);
}

const lpu::LpuChip& LpuArch::tsp(SystemTop& top, std::uint32_t index) {
  return static_cast<LpuNode&>(top.chip(index)).tsp;
}

std::string LpuArch::first_violation(SystemTop& top) {
  const lpu::LpuChip* first = nullptr;
  for (std::uint32_t c = 0; c < top.chips(); ++c) {
    const lpu::LpuChip& m = tsp(top, c);
    if (!m.violation().empty() && (!first || m.violation_at() < first->violation_at())) first = &m;
  }
  return first ? first->violation() : std::string();
}

namespace {

/// What the chips' runs add up to: system totals (all chips) and per-stage figures (the
/// stage's first chip, which is on the token's path).
struct LpuTally {
  double sram_bytes = 0, link_bytes = 0, macs = 0, vector_ops = 0;  ///< whole system
  std::vector<Bytes> stage_sram;
  std::vector<Picos> stage_occupancy, stage_span;
  std::vector<lpu::PathParts> stage_path;
  lpu::PathParts path;
  std::vector<Picos> busy_mxm, busy_vxm, busy_link, busy_sram;
};

}  // namespace

Picos pipeline_roofline(const std::vector<std::vector<Picos>>& roof, const std::vector<bool>& host_input) {
  Picos total = 0;
  for (std::size_t first = 0; first < roof.size();) {
    std::size_t last = first;
    while (last + 1 < roof.size() && host_input[last + 1]) ++last;
    const std::size_t stages = roof[first].size();
    Picos best = 0;
    for (std::size_t s = 0; s < stages; ++s) {
      Picos b = 0;
      for (std::size_t u = 0; u < s; ++u) b += roof[first][u];
      for (std::size_t t = first; t <= last; ++t) b += roof[t][s];
      for (std::size_t u = s + 1; u < stages; ++u) b += roof[last][u];
      best = std::max(best, b);
    }
    total += best;
    first = last + 1;
  }
  return total;
}

namespace {

/// Records in execution order, token by token and stage by stage (the token's path), and the
/// tally; the roofline is the path's, with a prompt's chunks overlapping (pipeline_roofline).
LpuTally tally(const RunRequest& req, const LpuCompiled& compiled, SystemTop& top, RunResult& res) {
  const lpu::LpuConfig& lc = req.cfg.lpu;
  const std::uint32_t stages = compiled.placement.stages, per_stage = compiled.per_stage();
  // Chips that were not elaborated did exactly what the stage's first chip did.
  const double scale = compiled.reuse ? compiled.placement.group : 1;
  LpuTally n;
  n.stage_sram.assign(stages, 0);
  n.stage_occupancy.assign(stages, 0);
  n.stage_span.assign(stages, 0);
  n.stage_path.assign(stages, {});
  n.busy_mxm.assign(stages, 0);
  n.busy_vxm.assign(stages, 0);
  n.busy_link.assign(stages, 0);
  n.busy_sram.assign(stages, 0);
  const std::size_t step_count = compiled.plans.front()->expected.size();
  std::vector<std::vector<Picos>> roof(step_count, std::vector<Picos>(stages, 0));
  for (std::uint32_t t = 0; t < step_count; ++t)
    for (std::uint32_t s = 0; s < stages; ++s)
      for (std::uint32_t i = 0; i < per_stage; ++i) {
        const lpu::StageRun& r = LpuArch::tsp(top, s * per_stage + i).runs()[t];
        res.records.insert(res.records.end(), r.records.begin(), r.records.end());
        const Bytes b = r.weight_bytes_read + r.kv_bytes_read + r.bytes_written;
        n.sram_bytes += static_cast<double>(b) * scale;
        n.link_bytes += static_cast<double>(r.link_bytes) * scale;
        n.macs += r.macs * scale;
        n.vector_ops += r.vector_ops * scale;
        if (i != 0) continue;
        n.stage_sram[s] += b;
        // A stage can take the next micro-batch once its own chips are done with this one and
        // its outgoing link has serialised the hand-off.
        const Picos ser =
            req.cfg.link.serialization(ceil_div<Bytes>(compiled.plans[s]->send_bytes[t], lc.c2c.global_links));
        n.stage_occupancy[s] = std::max(n.stage_occupancy[s], std::max(r.end - r.input_at, ser));
        n.stage_span[s] += r.end - r.input_at;
        n.stage_path[s].add(r.path);
        n.path.add(r.path);
        n.busy_mxm[s] += r.mxm_busy;
        n.busy_vxm[s] += r.vxm_busy;
        n.busy_link[s] += r.link_busy;
        n.busy_sram[s] += r.sram_busy;
        roof[t][s] = r.roofline;
      }
  res.roofline = pipeline_roofline(roof, compiled.plans.front()->host_input);
  return n;
}

EnergyCounts energy_of(const RunRequest& req, const LpuTally& n, Picos total) {
  EnergyCounts e;
  e.sram_bits = n.sram_bytes * 8;
  (req.scenario.weight_dtype != DType::BF16 ? e.macs_int8 : e.macs_bf16) = n.macs;
  e.vector_ops = n.vector_ops;
  e.link_bits = n.link_bytes * 8;
  e.link_pj_per_bit = req.cfg.link.pj_per_bit;
  e.seconds = picos_to_seconds(total);
  e.chips = req.cfg.system.chips;
  e.clock_ghz = req.cfg.lpu.clock_ghz;
  return e;
}

/// The LPU's figures: placement per stage, the critical path, and two throughputs, one user's
/// token latency and throughput with a micro-batch in every stage (report/ formats them).
LpuSummary summary_of(const RunRequest& req, const LpuCompiled& compiled, const LpuTally& n, Picos total,
                      std::size_t records) {
  const lpu::LpuConfig& lc = req.cfg.lpu;
  const lpu::Placement& pl = compiled.placement;
  const std::uint32_t stages = pl.stages;
  LpuSummary out;
  out.tokens = static_cast<double>(compiled.plans.front()->expected.size());
  const double tokens = out.tokens;
  const double latency_s = picos_to_seconds(total) / tokens;
  const double occ_max_s = picos_to_seconds(*std::max_element(n.stage_occupancy.begin(), n.stage_occupancy.end()));
  std::uint64_t users_fit = std::uint64_t{stages} * req.scenario.batch;
  for (const auto& st : pl.stage) {
    if (st.kv_bytes == 0) continue;
    const Bytes per_user = st.kv_bytes / req.scenario.batch;
    users_fit = std::min<std::uint64_t>(users_fit, req.scenario.batch + (pl.capacity - st.resident()) / per_user);
  }
  out.partition = lc.partition;
  out.chips_per_stage = pl.group;
  out.stages = stages;
  out.token_latency_s = latency_s;
  out.pipelined_tokens_per_s = std::min(static_cast<double>(users_fit) / latency_s, req.scenario.batch / occ_max_s);
  out.users_in_flight = users_fit;
  out.max_stage_occupancy_s = occ_max_s;
  out.sram_peak_bytes_per_s = lc.sram_peak_bytes_per_s();
  out.path = n.path.items();
  out.kernels_per_token = records / compiled.per_stage() / static_cast<std::size_t>(tokens);
  out.capacity = pl.capacity;
  for (std::uint32_t s = 0; s < stages; ++s) {
    LpuStageSummary st;
    st.plan = pl.stage[s];
    st.sram_bytes = n.stage_sram[s];
    st.span = n.stage_span[s];
    st.path = n.stage_path[s].items();
    st.sram_bw_utilisation = static_cast<double>(n.stage_sram[s]) / tokens / (latency_s * lc.sram_peak_bytes_per_s());
    out.sram_bw_utilisation_max = std::max(out.sram_bw_utilisation_max, st.sram_bw_utilisation);
    out.stage.push_back(std::move(st));
  }
  return out;
}

}  // namespace

RunResult LpuArch::collect(SystemTop& top) {
  const RunRequest& req = m_req;
  const LpuCompiled& compiled = m_compiled;
  const SystemConfig& cfg = req.cfg;
  const lpu::LpuConfig& lc = cfg.lpu;
  const lpu::Placement& pl = compiled.placement;
  const std::uint32_t group = pl.group, stages = pl.stages, per_stage = compiled.per_stage();
  for (std::uint32_t c = 0; c < top.chips(); ++c)
    if (!tsp(top, c).finished()) throw_unfinished(cfg, tsp(top, c).name(), tsp(top, c).runs().size(), "tokens");
  const std::string violation = first_violation(top);
  if (!violation.empty()) throw SimulationError("static schedule violated: " + violation);

  RunResult res;
  res.chips = cfg.system.chips;
  res.simulated_chips = stages * per_stage;
  res.peak_mem_bytes_per_s = lc.sram_peak_bytes_per_s();
  res.peak_flops = lc.peak_flops();
  res.link_bytes_per_s = cfg.link.bandwidth_gbytes_per_s * 1e9;
  const LpuTally n = tally(req, compiled, top, res);
  // The run's time: when the last token's output landed (back at stage 0), as executed.
  res.total_time = tsp(top, (stages - 1) * per_stage).runs().back().send_done;
  for (std::uint32_t s = 0; s < stages; ++s) res.path_chips.push_back(pl.stage[s].first_chip);

  // Conservation: what the programs ask of MEM (path chips) vs what MEM served to them.
  for (const auto& plan : compiled.plans)
    for (const auto& prog : plan->program)
      for (const auto& k : prog) res.workload_memory_bytes += k.memory_bytes();
  for (std::uint32_t s = 0; s < stages; ++s) res.memory_served_bytes += n.stage_sram[s];
  res.energy = energy_of(req, n, res.total_time);

  // The run's bound: the busiest chip's busiest resource, if it is busy at least half the time;
  // otherwise "latency" — the token waits on a serial chain no single resource saturates.
  const auto busiest = [](const std::vector<Picos>& v) { return *std::max_element(v.begin(), v.end()); };
  res.bottleneck = classify_bound(res.total_time, {{"memory", busiest(n.busy_sram)},
                                                   {"mxm", busiest(n.busy_mxm)},
                                                   {"vector", busiest(n.busy_vxm)},
                                                   {"link", busiest(n.busy_link)}});
  res.lpu = summary_of(req, compiled, n, res.total_time, res.records.size());
  StatGroup& sg = res.stats.group("lpu");
  sg.set("stages", stages, "count", "pipeline stages");
  sg.set("chips_per_stage", group, "count", "chips sharing each layer");
  sg.set("needed_bytes", static_cast<double>(pl.needed_total), "B", "weights + KV cache over all chips as placed");
  if (compiled.reuse && group > 1)
    res.notes.push_back("tensor shards are symmetric: the first chip of each stage was simulated and stands for its " +
                        std::to_string(group) + " chips (exact; --no-reuse elaborates every chip)");
  if (req.scenario.weight_dtype == DType::BF16)
    res.notes.push_back("bf16 weights run at the MXM's int8 rate here; the TSP's fp16 rate is about 1/4 of int8 "
                        "(Groq ISCA 2020: 188 TFLOPS fp16 vs 750 TOPS int8), so this is optimistic: use "
                        "--weight-dtype int8 or fp8 for LPU figures");
  return res;
}

std::unique_ptr<ArchBuilder> make_lpu_arch(const RunRequest& req) { return std::make_unique<LpuArch>(req); }

}  // namespace decodesim::system
