// Agent-turn figures (docs/turns.md): time to first token, time per output token, turn time
// and energy, per-phase totals, and for speculative decoding the distribution of TPOT over the
// tokens a round emits. Everything is derived from the run's records; nothing is typed in.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "system/run.h"

namespace decodesim::report {

struct PhaseTotals {
  std::string phase;        ///< prefill | decode | verify
  std::uint32_t steps = 0;
  double time_s = 0;        ///< wall time of the phase's steps on the token's path
  double flops = 0;         ///< on the path chips
  double bytes = 0;         ///< main-memory bytes on the path chips
  double roofline_s = 0;    ///< sum of the kernels' lower bounds on the path
  std::string bound;        ///< the bound holding most of the phase's time
};

/// One round's outcome under speculative decoding: `emitted` tokens with probability `p`.
struct AcceptedLength {
  std::uint32_t emitted = 0;
  double p = 0;
  double tpot_s = 0;  ///< round time / emitted
};

struct TurnMetrics {
  std::uint64_t cached_tokens = 0, prompt_tokens = 0, output_tokens = 0, chunk_tokens = 0;
  std::uint32_t prefill_steps = 0;
  double ttft_s = 0;      ///< end of the prefill (its last row samples the first output token)
  double tpot_s = 0;      ///< mean time per output token after the first
  double turn_s = 0;      ///< prefill + every output token
  double energy_j = 0;    ///< whole system, whole turn
  double energy_per_output_token_j = 0;
  std::vector<PhaseTotals> phases;

  // The other batch - 1 sequences, mid-answer when the new prompt arrives (prefill.schedule
  // stall or interleave; docs/turns.md): how their answers pace while it is prefilled.
  std::string schedule;                  ///< together | stall | interleave
  std::uint64_t running_sequences = 0;   ///< batch - 1 (0 under together)
  std::uint64_t running_tokens_in_prefill = 0;  ///< tokens each of them emitted during the prefill
  double running_max_gap_s = 0;   ///< longest wait between two of their tokens (from the turn's start)
  double running_mean_gap_s = 0;  ///< turn time / steps that emitted one of their tokens

  // Speculative decoding (draft_tokens > 0).
  bool speculative = false;
  std::uint32_t draft_tokens = 0;
  double expected_tokens_per_round = 0;
  std::uint32_t rounds = 0;
  double verify_step_s = 0;  ///< mean simulated verify step
  double draft_step_s = 0;   ///< one draft-model decode step (in this run, or measured by its own)
  bool draft_in_run = false; ///< the draft's steps ran in this simulation (phase draft)
  double round_s = 0;        ///< k draft steps + one verify
  double decode_step_s = 0;  ///< plain decode step of the target at the same context (own run)
  double speedup = 0;        ///< decode_step_s / tpot_s
  std::vector<AcceptedLength> accepted;
};

/// The turn's figures from `res` (req.scenario.turn must be set). Speculative decoding's draft
/// and plain-decode step times are not part of this run: pass them when measured (0 = unknown).
TurnMetrics turn_metrics(const system::RunRequest& req, const system::RunResult& res, double draft_step_s = 0,
                         double decode_step_s = 0);

nlohmann::json turn_json(const TurnMetrics& t);
void print_turn(std::ostream& os, const TurnMetrics& t);

}  // namespace decodesim::report
