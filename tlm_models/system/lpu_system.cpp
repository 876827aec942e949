#include "system/lpu_system.h"

#include <systemc>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "common/base/sc_time_conv.h"
#include "lpu/lpu_chip.h"
#include "lpu/lpu_compiler.h"
#include "workload/scenario.h"

namespace decodesim::system {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

constexpr Bytes kTokenIdBytes = 4;  // the sampled token id sent back to stage 0, per sequence

}  // namespace

RunResult simulate_lpu(const RunRequest& req) {
  const SystemConfig& cfg = req.cfg;
  const lpu::LpuConfig& lc = cfg.lpu;
  const std::uint32_t chips = cfg.system.chips;
  const config::SourceLoc chips_loc = config::loc_of(cfg.tree.find("system"), "chips");
  const config::SourceLoc lpu_loc = config::loc_of(cfg.tree.find("lpu"), "tensor_parallel");

  // Compiler pass 1: placement (refuses what does not fit).
  const lpu::Placement pl = lpu::place(req.model, req.scenario, lc, chips, chips_loc, lpu_loc);
  const std::uint32_t group = pl.group, stages = pl.stages;

  // Compiler pass 2: per token, each stage's program, then the static timeline of the whole
  // chain (stage s of token t starts when its input arrives; token t+1 starts when token t's
  // sampled id is back at stage 0).
  const Bytes handoff = workload::bytes_of(std::uint64_t{req.scenario.batch} * req.model.hidden, req.scenario.act_dtype);
  const Bytes feedback = stages > 1 ? Bytes{req.scenario.batch} * kTokenIdBytes : 0;
  std::vector<lpu::ChipPlan> plans(stages);
  {
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
  }

  // Execution: one SystemC module per chip that runs (all chips with --no-reuse; otherwise the
  // first chip of each stage, standing for its symmetric shards).
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  const bool reuse = cfg.sim.reuse;
  const std::uint32_t per_stage = reuse ? 1 : group;
  TraceWriter trace;
  trace.enable(req.trace);
  std::vector<std::unique_ptr<lpu::LpuChip>> mods;  // [stage * per_stage + i]
  for (std::uint32_t s = 0; s < stages; ++s)
    for (std::uint32_t i = 0; i < per_stage; ++i) {
      const std::uint32_t chip = pl.stage[s].first_chip + i;
      mods.push_back(std::make_unique<lpu::LpuChip>(("chip" + std::to_string(chip)).c_str(), lc, cfg.link, chip,
                                                    group, plans[s]));
      if (req.trace) mods.back()->set_trace(&trace);
    }
  // Connect: chip i of stage s feeds chip i of stage s+1; the last stage feeds stage 0.
  for (std::uint32_t s = 0; s < stages; ++s)
    for (std::uint32_t i = 0; i < per_stage; ++i)
      mods[s * per_stage + i]->set_next(mods[((s + 1) % stages) * per_stage + i].get());

  // The watchdog: a chip waiting on an input that never comes stops here instead of hanging.
  sc_core::sc_start(to_sc_time(static_cast<Picos>(cfg.sim.max_simulated_s * kPicosPerSecond)));

  for (const auto& m : mods) {
    if (!m->finished())
      throw SimulationError("watchdog: run not finished at sim.max_simulated_s = " +
                            std::to_string(cfg.sim.max_simulated_s) + " s (stopped at " +
                            std::to_string(picos_to_seconds(sc_now_picos())) + " s): " + std::string(m->name()) +
                            " finished " + std::to_string(m->runs().size()) + " tokens");
    if (!m->violation().empty()) throw SimulationError("static schedule violated: " + m->violation());
  }

  RunResult res;
  res.chips = chips;
  res.simulated_chips = stages * per_stage;
  res.peak_mem_bytes_per_s = lc.sram_peak_bytes_per_s();
  res.peak_flops = lc.peak_flops();
  res.link_bytes_per_s = cfg.link.bandwidth_gbytes_per_s * 1e9;
  const std::uint32_t step_count = static_cast<std::uint32_t>(plans.front().expected.size());
  const double tokens = step_count;

  // Records in execution order: token by token, stage by stage (the token's path).
  double sram_bytes = 0, link_bytes = 0, macs = 0, vec = 0;
  std::vector<Bytes> stage_sram(stages, 0);
  std::vector<Picos> stage_occ(stages, 0), stage_span(stages, 0);
  std::vector<lpu::PathParts> stage_path(stages);
  lpu::PathParts path;
  std::vector<Picos> busy_mxm(stages, 0), busy_vxm(stages, 0), busy_link(stages, 0), busy_sram(stages, 0);
  for (std::uint32_t t = 0; t < step_count; ++t)
    for (std::uint32_t s = 0; s < stages; ++s)
      for (std::uint32_t i = 0; i < per_stage; ++i) {
        const lpu::StageRun& r = mods[s * per_stage + i]->runs()[t];
        for (const auto& rec : r.records) res.records.push_back(rec);
        // Chips that were not elaborated did exactly what the stage's first chip did.
        const double scale = reuse ? group : 1;
        const Bytes b = r.weight_bytes_read + r.kv_bytes_read + r.bytes_written;
        sram_bytes += static_cast<double>(b) * scale;
        link_bytes += static_cast<double>(r.link_bytes) * scale;
        macs += r.macs * scale;
        vec += r.vector_ops * scale;
        if (i != 0) continue;
        stage_sram[s] += b;
        // A stage can take the next micro-batch once its own chips are done with this one and
        // its outgoing link has serialised the hand-off.
        const Picos ser = cfg.link.serialization(ceil_div<Bytes>(plans[s].send_bytes[t], lc.c2c.global_links));
        stage_occ[s] = std::max(stage_occ[s], std::max(r.end - r.input_at, ser));
        stage_span[s] += r.end - r.input_at;
        stage_path[s].add(r.path);
        path.add(r.path);
        busy_mxm[s] += r.mxm_busy;
        busy_vxm[s] += r.vxm_busy;
        busy_link[s] += r.link_busy;
        busy_sram[s] += r.sram_busy;
        res.roofline += r.roofline;
      }
  res.total_time = plans.back().expected.back().send_done;
  for (std::uint32_t s = 0; s < stages; ++s) res.path_chips.push_back(pl.stage[s].first_chip);

  // Conservation: what the programs ask of MEM (path chips) vs what MEM served to them.
  for (std::uint32_t s = 0; s < stages; ++s)
    for (const auto& prog : plans[s].program)
      for (const auto& k : prog) res.workload_memory_bytes += k.memory_bytes();
  for (std::uint32_t s = 0; s < stages; ++s) res.memory_served_bytes += stage_sram[s];

  res.energy.sram_bits = sram_bytes * 8;
  (req.scenario.weight_dtype != DType::BF16 ? res.energy.macs_int8 : res.energy.macs_bf16) = macs;
  res.energy.vector_ops = vec;
  res.energy.link_bits = link_bytes * 8;
  res.energy.link_pj_per_bit = cfg.link.pj_per_bit;
  res.energy.seconds = picos_to_seconds(res.total_time);
  res.energy.chips = chips;
  res.energy.clock_ghz = cfg.lpu.clock_ghz;

  // The run's bound: the busiest chip's busiest resource, if it is busy at least half the time;
  // otherwise "latency" — the token waits on a serial chain no single resource saturates.
  const Picos total = res.total_time;
  const auto busiest = [](const std::vector<Picos>& v) { return *std::max_element(v.begin(), v.end()); };
  res.bottleneck = classify_bound(total, {{"memory", busiest(busy_sram)},
                                          {"mxm", busiest(busy_mxm)},
                                          {"vector", busiest(busy_vxm)},
                                          {"link", busiest(busy_link)}});

  // Two figures: one user's token latency, and throughput with a micro-batch in every stage.
  const double latency_s = picos_to_seconds(total) / tokens;
  const double occ_max_s = picos_to_seconds(*std::max_element(stage_occ.begin(), stage_occ.end()));
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
  for (const auto& [name, v] : path.items()) parts[name + "_s"] = picos_to_seconds(v) / tokens;
  js["critical_path"] = {{"per_token_s", picos_to_seconds(path.total()) / tokens},
                         {"parts", parts},
                         {"kernels", res.records.size() / per_stage / static_cast<std::size_t>(tokens)},
                         {"stage_hops", stages > 1 ? stages : 0}};
  double util_max = 0;
  nlohmann::json st_json = nlohmann::json::array();
  for (std::uint32_t s = 0; s < stages; ++s) {
    const auto& p = pl.stage[s];
    const double util = static_cast<double>(stage_sram[s]) / tokens / (latency_s * lc.sram_peak_bytes_per_s());
    util_max = std::max(util_max, util);
    nlohmann::json sp = nlohmann::json::object();
    for (const auto& [name, v] : stage_path[s].items()) sp[name + "_s"] = picos_to_seconds(v) / tokens;
    st_json.push_back({{"stage", s},
                       {"chips", {p.first_chip, p.first_chip + group - 1}},
                       {"layers", {p.first_layer, p.end_layer}},
                       {"embedding", p.embedding},
                       {"head", p.head},
                       {"resident_bytes_per_chip", p.resident()},
                       {"sram_occupancy", static_cast<double>(p.resident()) / static_cast<double>(pl.capacity)},
                       {"sram_bytes_per_token_per_chip", static_cast<double>(stage_sram[s]) / tokens},
                       {"sram_bw_utilisation", util},
                       {"span_per_token_s", picos_to_seconds(stage_span[s]) / tokens},
                       {"path", sp}});
  }
  js["sram_bw_utilisation_max"] = util_max;
  js["stage"] = st_json;
  res.arch_summary = js;

  res.summary_lines.push_back("per-user latency    " + fmt("%.2f us", latency_s * 1e6) + "/token = " +
                              fmt("%.1f", 1.0 / latency_s) + " tokens/s per user   (" + std::to_string(stages) +
                              " stage(s) x " + std::to_string(group) + " chip(s), partition " +
                              lpu::partition_name(lc.partition) + ")");
  res.summary_lines.push_back("pipelined           " + fmt("%.1f", pipelined) + " tokens/s with " +
                              std::to_string(users_fit) + " sequences in flight (slowest stage " +
                              fmt("%.2f us", occ_max_s * 1e6) + ")");
  std::string cp = "critical path       " + fmt("%.2f us", picos_to_seconds(path.total()) / tokens * 1e6) + ":";
  for (const auto& [name, v] : path.items())
    if (v > 0) cp += " " + name + " " + fmt("%.1f%%", 100.0 * static_cast<double>(v) / static_cast<double>(path.total()));
  res.summary_lines.push_back(cp);
  res.summary_lines.push_back("SRAM BW utilisation " + fmt("%.4f%%", 100 * util_max) + " per chip at most (peak " +
                              fmt("%.1f TB/s", lc.sram_peak_bytes_per_s() / 1e12) + "); fullest chip holds " +
                              fmt("%.1f%%", 100.0 * static_cast<double>(std::max_element(pl.stage.begin(), pl.stage.end(),
                                                                                          [](const auto& a, const auto& b) {
                                                                                            return a.resident() < b.resident();
                                                                                          })->resident()) /
                                                static_cast<double>(pl.capacity)) +
                              " of its SRAM");

  StatGroup& sg = res.stats.group("lpu");
  sg.set("stages", stages, "count", "pipeline stages");
  sg.set("chips_per_stage", group, "count", "chips sharing each layer");
  sg.set("needed_bytes", static_cast<double>(pl.needed_total), "B", "weights + KV cache over all chips as placed");
  if (req.trace) res.trace_json = trace.to_json();
  if (reuse && group > 1)
    res.notes.push_back("tensor shards are symmetric: the first chip of each stage was simulated and stands for its " +
                        std::to_string(group) + " chips (exact; --no-reuse elaborates every chip)");
  if (req.scenario.weight_dtype == DType::BF16)
    res.notes.push_back("bf16 weights run at the MXM's int8 rate here; the TSP's fp16 rate is about 1/4 of int8 "
                        "(Groq ISCA 2020: 188 TFLOPS fp16 vs 750 TOPS int8), so this is optimistic: use "
                        "--weight-dtype int8 or fp8 for LPU figures");
  return res;
}

}  // namespace decodesim::system
