#include "system/lpu_system.h"

#include <systemc>

#include <algorithm>
#include <memory>

#include "common/base/sc_time_conv.h"
#include "lpu/lpu_chip.h"
#include "lpu/lpu_compiler.h"
#include "system/netlist.h"
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
  const Bytes handoff = workload::bytes_of(std::uint64_t{req.scenario.batch} * req.model.hidden, req.scenario.act_dtype);
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
    for (std::uint32_t s = 0; s < stages; ++s) {
      // Every row of the step (a prompt chunk, a verify's k + 1) crosses to the next stage.
      const Bytes send = s + 1 < stages ? handoff * g.seq_tokens : feedback;
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

LpuNetlist::LpuNetlist(sc_core::sc_module_name name, const LpuCompiled& compiled, const memory::LinkConfig& link,
                       TraceWriter* trace)
    : sc_core::sc_module(name) {
  const lpu::Placement& pl = compiled.placement;
  const std::uint32_t stages = pl.stages, per_stage = compiled.per_stage();
  // Within a stage, chip i of node n exchanges with its ring neighbour in the node and with its
  // counterpart in the next node; with reuse only chip 0 runs, and its links loop back to it
  // (the symmetric neighbour's piece lands exactly when its own does).
  const std::uint32_t local = std::min(pl.group, compiled.node_chips),
                      nodes = pl.group / local;
  const auto index = [&](std::uint32_t s, std::uint32_t i) { return s * per_stage + i; };
  const auto in_stage = [&](std::uint32_t i) { return i < per_stage ? i : 0; };
  for (std::uint32_t s = 0; s < stages; ++s)
    for (std::uint32_t i = 0; i < per_stage; ++i) {
      const std::uint32_t chip = pl.stage[s].first_chip + i;
      const std::string id = "chip" + std::to_string(chip);
      const lpu::ChipPlan& plan = *compiled.plans[s];
      lpu::ChipRoutes routes;
      routes.feeds_itself = stages == 1 && std::all_of(plan.send_bytes.begin(), plan.send_bytes.end(),
                                                       [](Bytes b) { return b == 0; });
      routes.wraps = s + 1 == stages;
      routes.next = 0;
      routes.peer = 0;
      routes.across = 1;
      chips.push_back(std::make_unique<lpu::LpuChip>(id.c_str(), chip, compiled.plans[s], routes));
      if (trace) chips.back()->set_trace(trace);
      peer_links.push_back(std::make_unique<lpu::C2cLink>((id + "_peer").c_str(), link));
      global_links.push_back(std::make_unique<lpu::C2cLink>((id + "_global").c_str(), link));
    }

  // Connect: each chip drives its own two link modules; the peer link ends at the node-mate
  // ring neighbour, the global link at the same chip of the next stage (the last stage's at
  // stage 0: the sampled token) and at the counterpart in the next node.
  for (std::uint32_t s = 0; s < stages; ++s)
    for (std::uint32_t i = 0; i < per_stage; ++i) {
      const std::uint32_t me = index(s, i);
      const std::uint32_t node = i / local, mate = node * local + (i % local + 1) % local;
      const std::uint32_t counterpart = ((node + 1) % nodes) * local + i % local;
      chips[me]->peer_tx.bind(peer_links[me]->in);
      chips[me]->global_tx.bind(global_links[me]->in);
      peer_links[me]->out.bind(chips[index(s, in_stage(mate))]->rx);
      global_links[me]->out.bind(chips[index((s + 1) % stages, i)]->rx);
      global_links[me]->out.bind(chips[index(s, in_stage(counterpart))]->rx);
    }
}
void LpuNetlist::check(double max_simulated_s) const {
  for (const auto& m : chips)
    if (!m->finished())
      throw SimulationError("watchdog: run not finished at sim.max_simulated_s = " + std::to_string(max_simulated_s) +
                            " s (stopped at " + std::to_string(picos_to_seconds(sc_now_picos())) +
                            " s): " + std::string(m->name()) + " finished " + std::to_string(m->runs().size()) +
                            " tokens");
  const std::string v = first_violation();
  if (!v.empty()) throw SimulationError("static schedule violated: " + v);
}

std::string LpuNetlist::first_violation() const {
  const lpu::LpuChip* first = nullptr;
  for (const auto& m : chips)
    if (!m->violation().empty() && (!first || m->violation_at() < first->violation_at())) first = m.get();
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

/// Records in execution order, token by token and stage by stage (the token's path), and the
/// tally; the roofline adds up along the path.
LpuTally tally(const RunRequest& req, const LpuCompiled& compiled, const LpuNetlist& net, RunResult& res) {
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
  for (std::uint32_t t = 0; t < step_count; ++t)
    for (std::uint32_t s = 0; s < stages; ++s)
      for (std::uint32_t i = 0; i < per_stage; ++i) {
        const lpu::StageRun& r = net.chips[s * per_stage + i]->runs()[t];
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
        res.roofline += r.roofline;
      }
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

/// The `lpu` section of result.json: placement per stage, the critical path, and two figures,
/// one user's token latency and throughput with a micro-batch in every stage.
nlohmann::json summary_of(const RunRequest& req, const LpuCompiled& compiled, const LpuTally& n, Picos total,
                          std::size_t records) {
  const lpu::LpuConfig& lc = req.cfg.lpu;
  const lpu::Placement& pl = compiled.placement;
  const std::uint32_t group = pl.group, stages = pl.stages;
  const double tokens = static_cast<double>(compiled.plans.front()->expected.size());
  const double latency_s = picos_to_seconds(total) / tokens;
  const double occ_max_s = picos_to_seconds(*std::max_element(n.stage_occupancy.begin(), n.stage_occupancy.end()));
  std::uint64_t users_fit = std::uint64_t{stages} * req.scenario.batch;
  for (const auto& st : pl.stage) {
    if (st.kv_bytes == 0) continue;
    const Bytes per_user = st.kv_bytes / req.scenario.batch;
    users_fit = std::min<std::uint64_t>(users_fit, req.scenario.batch + (pl.capacity - st.resident()) / per_user);
  }
  const double pipelined = std::min(static_cast<double>(users_fit) / latency_s, req.scenario.batch / occ_max_s);

  nlohmann::json js;
  js["partition"] = lpu::partition_name(lc.partition);
  js["chips_per_stage"] = group;
  js["stages"] = stages;
  js["token_latency_s"] = latency_s;
  js["tokens_per_s_per_user"] = 1.0 / latency_s;
  js["pipelined_tokens_per_s"] = pipelined;
  js["users_in_flight"] = users_fit;
  js["max_stage_occupancy_s"] = occ_max_s;
  js["sram_peak_bytes_per_s"] = lc.sram_peak_bytes_per_s();
  nlohmann::json parts = nlohmann::json::object();
  for (const auto& [name, v] : n.path.items()) parts[name + "_s"] = picos_to_seconds(v) / tokens;
  js["critical_path"] = {{"per_token_s", picos_to_seconds(n.path.total()) / tokens},
                         {"parts", parts},
                         {"kernels", records / compiled.per_stage() / static_cast<std::size_t>(tokens)},
                         {"stage_hops", stages > 1 ? stages : 0}};
  double util_max = 0;
  nlohmann::json st_json = nlohmann::json::array();
  for (std::uint32_t s = 0; s < stages; ++s) {
    const auto& p = pl.stage[s];
    const double util = static_cast<double>(n.stage_sram[s]) / tokens / (latency_s * lc.sram_peak_bytes_per_s());
    util_max = std::max(util_max, util);
    nlohmann::json sp = nlohmann::json::object();
    for (const auto& [name, v] : n.stage_path[s].items()) sp[name + "_s"] = picos_to_seconds(v) / tokens;
    st_json.push_back({{"stage", s},
                       {"chips", {p.first_chip, p.first_chip + group - 1}},
                       {"layers", {p.first_layer, p.end_layer}},
                       {"embedding", p.embedding},
                       {"head", p.head},
                       {"resident_bytes_per_chip", p.resident()},
                       {"sram_occupancy", static_cast<double>(p.resident()) / static_cast<double>(pl.capacity)},
                       {"sram_bytes_per_token_per_chip", static_cast<double>(n.stage_sram[s]) / tokens},
                       {"sram_bw_utilisation", util},
                       {"span_per_token_s", picos_to_seconds(n.stage_span[s]) / tokens},
                       {"path", sp}});
  }
  js["sram_bw_utilisation_max"] = util_max;
  js["stage"] = st_json;
  return js;
}

}  // namespace

RunResult collect_lpu(const RunRequest& req, const LpuCompiled& compiled, const LpuNetlist& net,
                      const TraceWriter& trace) {
  const SystemConfig& cfg = req.cfg;
  const lpu::LpuConfig& lc = cfg.lpu;
  const lpu::Placement& pl = compiled.placement;
  const std::uint32_t group = pl.group, stages = pl.stages, per_stage = compiled.per_stage();

  RunResult res;
  res.chips = cfg.system.chips;
  res.simulated_chips = stages * per_stage;
  res.peak_mem_bytes_per_s = lc.sram_peak_bytes_per_s();
  res.peak_flops = lc.peak_flops();
  res.link_bytes_per_s = cfg.link.bandwidth_gbytes_per_s * 1e9;
  const LpuTally n = tally(req, compiled, net, res);
  // The run's time: when the last token's output landed (back at stage 0), as executed.
  res.total_time = net.chips[(stages - 1) * per_stage]->runs().back().send_done;
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
  res.arch_summary = summary_of(req, compiled, n, res.total_time, res.records.size());
  StatGroup& sg = res.stats.group("lpu");
  sg.set("stages", stages, "count", "pipeline stages");
  sg.set("chips_per_stage", group, "count", "chips sharing each layer");
  sg.set("needed_bytes", static_cast<double>(pl.needed_total), "B", "weights + KV cache over all chips as placed");
  if (req.trace) res.trace_json = trace.to_json();
  if (compiled.reuse && group > 1)
    res.notes.push_back("tensor shards are symmetric: the first chip of each stage was simulated and stands for its " +
                        std::to_string(group) + " chips (exact; --no-reuse elaborates every chip)");
  if (req.scenario.weight_dtype == DType::BF16)
    res.notes.push_back("bf16 weights run at the MXM's int8 rate here; the TSP's fp16 rate is about 1/4 of int8 "
                        "(Groq ISCA 2020: 188 TFLOPS fp16 vs 750 TOPS int8), so this is optimistic: use "
                        "--weight-dtype int8 or fp8 for LPU figures");
  return res;
}

RunResult simulate_lpu(const RunRequest& req) {
  const LpuCompiled compiled = compile_lpu(req);
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  TraceWriter trace;
  trace.enable(req.trace);
  LpuNetlist net("lpu", compiled, req.cfg.link, req.trace ? &trace : nullptr);
  // The watchdog: a chip waiting on an input that never comes stops here instead of hanging.
  sc_core::sc_start(to_sc_time(static_cast<Picos>(req.cfg.sim.max_simulated_s * kPicosPerSecond)));
  RunResult res;
  try {
    net.check(req.cfg.sim.max_simulated_s);  // throws SimulationError when the watchdog stopped the run
    res = collect_lpu(req, compiled, net, trace);
  } catch (...) {
    stop_unfinished_processes();
    throw;
  }
  stop_unfinished_processes();
  return res;
}

}  // namespace decodesim::system
