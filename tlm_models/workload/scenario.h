// What is being decoded: batch, context, number of tokens, storage dtypes, routing seed.
//
// The CLI flags (--batch, --context, --tokens, --weight-dtype, ...) land in a `scenario:`
// section that is read through Scenario::schema(), so flag errors are located and
// `decodesim config explain scenario` lists every key.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/base/kernel_graph.h"
#include "common/config/schema.h"

namespace decodesim::workload {

/// The dtype spellings accepted everywhere ("bf16", "fp8", "int8", "int4"), in that order.
const std::vector<std::pair<std::string, DType>>& dtype_choices();
/// Weight formats: dtype_choices() plus grouped int4 ("int4_g32", "int4_g64", "int4_g128").
const std::vector<std::pair<std::string, DType>>& weight_dtype_choices();

/// Parses a dtype name. Throws config::InputError at `where`/`key`, listing bf16 | fp8 | int8 | int4.
DType parse_dtype(const std::string& text, const config::SourceLoc& where, const std::string& key);

/// Bytes that `elements` values of dtype `d` occupy, rounded up to whole bytes (int4 packs two
/// per byte). Throws config::InputError past 2^64.
Bytes bytes_of(std::uint64_t elements, DType d);

/// Which sequences a turn's prefill steps carry (docs/turns.md, "Chunked prefill and the
/// other sequences"). Together: every sequence of the batch prefills its own prompt at once.
/// Stall and Interleave: one new sequence prefills while the other batch - 1 are mid-answer;
/// under Stall they wait for its prefill (a prefill-first scheduler), under Interleave each
/// prefill step also carries one decode token of each of them (Sarathi-Serve's stall-free batch).
enum class PrefillSchedule { Together, Stall, Interleave };

/// `scenario.prefill`: how the prompt of a turn is prefilled.
struct PrefillConfig {
  std::uint64_t chunk_tokens = 0;  ///< prompt tokens per prefill step; 0 = the whole prompt in one step
  PrefillSchedule schedule = PrefillSchedule::Together;
  static const config::Schema<PrefillConfig>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

/// `scenario.speculative`: speculative decoding of a turn's output (docs/turns.md).
struct SpeculativeConfig {
  std::uint32_t draft_tokens = 0;  ///< k, tokens the draft proposes per round; 0 = off
  double acceptance = 0.7;         ///< i.i.d. probability that the target accepts a drafted token
  /// Optional: P(j tokens accepted and emitted per round), j = 1..k+1; overrides `acceptance`.
  std::vector<double> acceptance_distribution;
  std::string draft_model;   ///< workload of the draft model (a name in workloads/ or a path)
  std::string draft_system;  ///< "" = the draft runs on the target's chips; else its own system
  static const config::Schema<SpeculativeConfig>& schema();
  void validate(const config::Node* section, const std::string& path) const;

  bool enabled() const { return draft_tokens > 0; }
  /// P(j emitted per round), j = 1..k+1: the stated distribution, or the i.i.d. one
  /// a^(j-1)(1-a) for j <= k and a^k for j = k+1.
  std::vector<double> emitted_distribution() const;
  /// E[tokens emitted per round]: (1 - a^(k+1)) / (1 - a) for i.i.d. acceptance.
  double expected_tokens() const;
};

/// Which model a three-tier system (arch: rdu) has where: the requested model is in DDR with
/// `resident_models - 1` others of its size; it is hot (in HBM) unless `switch_model`.
struct TierScenario {
  bool switch_model = false;          ///< the request switches to a model not in HBM: copy it DDR → HBM first
  std::uint32_t resident_models = 1;  ///< models of this size held in DDR (the DDR capacity check)
  static const config::Schema<TierScenario>& schema();
  void validate(const config::Node*, const std::string&) const {}
};

struct Scenario {
  std::uint32_t batch = 1;      ///< sequences decoded together
  std::uint64_t context = 2048; ///< KV positions attended at the first decoded token (see docs/workloads.md)
  std::uint32_t tokens = 1;     ///< decode steps; token t attends over context + t positions
  DType weight_dtype = DType::BF16;
  DType act_dtype = DType::BF16;
  DType kv_dtype = DType::BF16;
  std::uint64_t seed = 1;       ///< MoE routing seed

  // An agent turn (docs/turns.md): prefill `prompt_tokens` after `cached_tokens` of reused
  // context, then emit `output_tokens`. Off (plain decode of context/tokens) unless `turn`.
  bool turn = false;
  std::uint64_t prompt_tokens = 2048;
  std::uint64_t cached_tokens = 0;
  std::uint32_t output_tokens = 128;
  PrefillConfig prefill;
  SpeculativeConfig speculative;
  TierScenario tiers;

  static const config::Schema<Scenario>& schema();
  void validate(const config::Node* section, const std::string& path) const;

  /// Tokens each sequence emits: output_tokens for a turn, else one per decode step.
  std::uint64_t emitted_tokens() const { return turn ? output_tokens : tokens; }

  /// Largest number of KV positions any step of this scenario attends over.
  std::uint64_t max_context() const {
    if (!turn) return context + tokens - 1;
    // Interleaved, the other sequences gain one position per prefill step.
    const std::uint64_t others = prefill.schedule == PrefillSchedule::Interleave ? prefill_steps() : 0;
    return cached_tokens + prompt_tokens + std::max<std::uint64_t>(output_tokens + speculative.draft_tokens, others);
  }

  /// Prefill steps of a turn: the prompt cut into chunks of prefill.chunk_tokens.
  std::uint64_t prefill_steps() const {
    const std::uint64_t chunk = prefill.chunk_tokens ? std::min(prefill.chunk_tokens, prompt_tokens) : prompt_tokens;
    return (prompt_tokens + chunk - 1) / chunk;
  }
};

/// The scenario keys that only a turn reads; plain decode results leave them out.
const std::vector<std::string>& turn_only_keys();

}  // namespace decodesim::workload
