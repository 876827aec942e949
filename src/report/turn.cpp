#include "report/turn.h"

#include "report/report.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "common/base/units.h"

namespace decodesim::report {
namespace {

std::string ms(double s) { return si(s, "s"); }

}  // namespace

TurnMetrics turn_metrics(const system::RunRequest& req, const system::RunResult& res, double draft_step_s,
                         double decode_step_s) {
  const workload::Scenario& sc = req.scenario;
  TurnMetrics t;
  t.cached_tokens = sc.cached_tokens;
  t.prompt_tokens = sc.prompt_tokens;
  t.output_tokens = sc.output_tokens;
  t.chunk_tokens = sc.prefill.chunk_tokens ? std::min(sc.prefill.chunk_tokens, sc.prompt_tokens) : sc.prompt_tokens;

  // Each step ends when its last kernel on the token's path does; the next starts there.
  const std::vector<std::uint32_t> path = res.path_chips.empty() ? std::vector<std::uint32_t>{0} : res.path_chips;
  const auto on_path = [&](std::uint32_t chip) { return std::find(path.begin(), path.end(), chip) != path.end(); };
  std::map<std::uint32_t, Picos> step_end;
  std::map<std::uint32_t, Phase> step_phase;
  for (const auto& r : res.records) {
    if (!on_path(r.chip)) continue;
    step_end[r.token] = std::max(step_end[r.token], r.end);
    step_phase[r.token] = r.phase;
  }
  std::map<Phase, PhaseTotals> by_phase;
  std::map<Phase, std::map<std::string, double>> bound_time;
  Picos prev = 0, prefill_end = 0;
  for (const auto& [step, end] : step_end) {
    PhaseTotals& p = by_phase[step_phase[step]];
    p.phase = phase_name(step_phase[step]);
    ++p.steps;
    p.time_s += picos_to_seconds(end - prev);
    if (step_phase[step] == Phase::Prefill) prefill_end = end;
    prev = end;
  }
  for (const auto& r : res.records) {
    if (!on_path(r.chip)) continue;
    PhaseTotals& p = by_phase[r.phase];
    p.flops += static_cast<double>(r.flops);
    p.bytes += static_cast<double>(r.mem_bytes);
    p.roofline_s += picos_to_seconds(r.roofline);
    bound_time[r.phase][r.bound] += picos_to_seconds(r.exclusive);
  }
  // Phases in the order the turn runs them.
  std::vector<Phase> order;
  for (const auto& [step, phase] : step_phase)
    if (std::find(order.begin(), order.end(), phase) == order.end()) order.push_back(phase);
  for (const Phase phase : order) {
    PhaseTotals& p = by_phase[phase];
    double best = -1;
    for (const auto& [b, v] : bound_time[phase])
      if (v > best) { best = v; p.bound = b; }
    t.phases.push_back(p);
  }
  t.prefill_steps = by_phase.count(Phase::Prefill) ? by_phase[Phase::Prefill].steps : 0;
  t.schedule = sc.prefill.schedule == workload::PrefillSchedule::Together ? "together"
               : sc.prefill.schedule == workload::PrefillSchedule::Stall  ? "stall"
                                                                           : "interleave";
  if (sc.prefill.schedule != workload::PrefillSchedule::Together && sc.batch > 1) {
    // A running sequence emits a token at the end of every step that carries it: the decode
    // (or verify) steps, and under interleave each prefill chunk too. Its previous token came
    // out just before the turn began.
    t.running_sequences = sc.batch - 1;
    const std::vector<workload::StepShape> shapes = workload::turn_steps(sc);
    Picos last = 0, gap = 0;
    std::uint64_t emitting = 0;
    for (const auto& [step, end] : step_end) {
      const bool carries = step < shapes.size() && (shapes[step].phase != Phase::Prefill || shapes[step].decode_seqs > 0);
      if (!carries) continue;
      ++emitting;
      if (shapes[step].phase == Phase::Prefill) ++t.running_tokens_in_prefill;
      gap = std::max(gap, end - last);
      last = end;
    }
    t.running_max_gap_s = picos_to_seconds(gap);
    t.running_mean_gap_s = emitting ? picos_to_seconds(last) / static_cast<double>(emitting) : 0;
  }
  t.ttft_s = picos_to_seconds(prefill_end);
  t.turn_s = picos_to_seconds(res.total_time);
  const std::uint64_t after_first = sc.output_tokens - 1;

  if (sc.speculative.enabled()) {
    const PhaseTotals& v = by_phase[Phase::Verify];
    t.speculative = true;
    t.draft_tokens = sc.speculative.draft_tokens;
    t.expected_tokens_per_round = sc.speculative.expected_tokens();
    t.rounds = v.steps;
    t.verify_step_s = v.steps ? v.time_s / v.steps : 0;
    // The draft's steps ran here (same chips) or in their own run (their own system).
    t.draft_in_run = by_phase.count(Phase::Draft) > 0;
    const PhaseTotals& d = by_phase[Phase::Draft];
    t.draft_step_s = t.draft_in_run && d.steps ? d.time_s / d.steps : draft_step_s;
    // The draft proposes k tokens one step at a time, then the target verifies them at once.
    t.round_s = sc.speculative.draft_tokens * t.draft_step_s + t.verify_step_s;
    if (!t.draft_in_run) t.turn_s = t.ttft_s + t.round_s * t.rounds;
    t.tpot_s = t.round_s / t.expected_tokens_per_round;
    const std::vector<double> p = sc.speculative.emitted_distribution();
    for (std::size_t j = 0; j < p.size(); ++j)
      t.accepted.push_back({static_cast<std::uint32_t>(j + 1), p[j], t.round_s / static_cast<double>(j + 1)});
    t.decode_step_s = decode_step_s;
    t.speedup = decode_step_s > 0 && t.tpot_s > 0 ? decode_step_s / t.tpot_s : 0;
  } else {
    t.tpot_s = after_first ? (t.turn_s - t.ttft_s) / static_cast<double>(after_first) : 0;
  }
  // Energy: the run's own counts; a draft that ran elsewhere is not in them.
  const EnergyBreakdown e = compute_energy(req.cfg.energy, res.energy);
  t.energy_j = e.total_j();
  // Tokens the batch emitted in the turn: every sequence's answer together; one new answer, and
  // the others' tokens during the prefill and beside its answer, under stall and interleave.
  const double emitted = t.running_sequences > 0
                             ? static_cast<double>(sc.output_tokens) +
                                   static_cast<double>(t.running_sequences) *
                                       static_cast<double>(t.running_tokens_in_prefill + sc.output_tokens - 1)
                             : static_cast<double>(sc.output_tokens) * sc.batch;
  t.energy_per_output_token_j = t.energy_j / emitted;
  return t;
}

nlohmann::json turn_json(const TurnMetrics& t) {
  nlohmann::json phases = nlohmann::json::array();
  for (const auto& p : t.phases)
    phases.push_back({{"phase", p.phase},
                      {"steps", p.steps},
                      {"time_s", p.time_s},
                      {"flops", p.flops},
                      {"bytes", p.bytes},
                      {"roofline_s", p.roofline_s},
                      {"bound", p.bound}});
  nlohmann::json j = {{"cached_tokens", t.cached_tokens},
                      {"prompt_tokens", t.prompt_tokens},
                      {"output_tokens", t.output_tokens},
                      {"chunk_tokens", t.chunk_tokens},
                      {"prefill_steps", t.prefill_steps},
                      {"ttft_s", t.ttft_s},
                      {"tpot_s", t.tpot_s},
                      {"turn_s", t.turn_s},
                      {"energy_j", t.energy_j},
                      {"energy_per_output_token_j", t.energy_per_output_token_j},
                      {"phases", phases},
                      {"schedule", t.schedule}};
  if (t.running_sequences > 0)
    j["running"] = {{"sequences", t.running_sequences},
                    {"tokens_in_prefill", t.running_tokens_in_prefill},
                    {"max_gap_s", t.running_max_gap_s},
                    {"mean_gap_s", t.running_mean_gap_s}};
  if (t.speculative) {
    nlohmann::json acc = nlohmann::json::array();
    for (const auto& a : t.accepted) acc.push_back({{"emitted", a.emitted}, {"p", a.p}, {"tpot_s", a.tpot_s}});
    j["speculative"] = {{"draft_tokens", t.draft_tokens},
                        {"expected_tokens_per_round", t.expected_tokens_per_round},
                        {"rounds", t.rounds},
                        {"verify_step_s", t.verify_step_s},
                        {"draft_step_s", t.draft_step_s},
                        {"draft_in_run", t.draft_in_run},
                        {"round_s", t.round_s},
                        {"decode_step_s", t.decode_step_s},
                        {"speedup", t.speedup},
                        {"tpot_by_emitted", acc}};
  }
  return j;
}

void print_turn(std::ostream& os, const TurnMetrics& t) {
  os << "turn                " << t.cached_tokens << " cached + " << t.prompt_tokens << " prompt tokens ("
     << t.prefill_steps << " prefill step" << (t.prefill_steps == 1 ? "" : "s") << " of " << t.chunk_tokens << "), "
     << t.output_tokens << " output tokens\n";
  os << "TTFT                " << ms(t.ttft_s) << "\n";
  os << "TPOT                " << ms(t.tpot_s) << " mean";
  if (t.speculative)
    os << "   (k=" << t.draft_tokens << ", " << fmt("%.2f", t.expected_tokens_per_round) << " tokens per round of "
       << ms(t.round_s) << ": verify " << ms(t.verify_step_s) << " + " << t.draft_tokens << " x draft "
       << ms(t.draft_step_s) << ")";
  os << "\n";
  if (t.speculative) {
    os << "TPOT by emitted     ";
    for (std::size_t i = 0; i < t.accepted.size(); ++i)
      os << (i ? ", " : "") << t.accepted[i].emitted << ": " << ms(t.accepted[i].tpot_s) << " (p "
         << fmt("%.3f", t.accepted[i].p) << ")";
    os << "\n";
    if (t.speedup > 0)
      os << "speculative speed-up " << fmt("%.2f", t.speedup) << "x over plain decode (" << ms(t.decode_step_s)
         << " per token)\n";
  }
  if (t.running_sequences > 0)
    os << "other sequences     " << t.running_sequences << " mid-answer (prefill " << t.schedule << "): "
       << t.running_tokens_in_prefill << " token(s) each during the prefill, longest gap " << ms(t.running_max_gap_s)
       << ", mean " << ms(t.running_mean_gap_s) << "\n";
  os << "turn time           " << ms(t.turn_s) << "   energy " << si(t.energy_j, "J") << " ("
     << si(t.energy_per_output_token_j, "J") << " per output token)\n";
  for (const auto& p : t.phases)
    os << "  " << p.phase << std::string(p.phase.size() < 8 ? 8 - p.phase.size() : 0, ' ') << " " << p.steps
       << " step(s)  " << ms(p.time_s) << "   roofline " << ms(p.roofline_s) << "   "
       << fmt("%.1f", p.time_s > 0 ? p.flops / p.time_s / 1e12 : 0) << " TFLOP/s on the path   bound " << p.bound
       << "\n";
}

}  // namespace decodesim::report
