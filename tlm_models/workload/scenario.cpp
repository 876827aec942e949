#include "workload/scenario.h"

#include <limits>

namespace decodesim::workload {

const std::vector<std::pair<std::string, DType>>& dtype_choices() {
  static const std::vector<std::pair<std::string, DType>> choices = {
      {"bf16", DType::BF16}, {"fp8", DType::FP8}, {"int8", DType::INT8}, {"int4", DType::INT4}};
  return choices;
}

const std::vector<std::pair<std::string, DType>>& weight_dtype_choices() {
  static const std::vector<std::pair<std::string, DType>> choices = [] {
    auto c = dtype_choices();
    c.insert(c.end(), {{"int4_g32", DType::INT4_G32}, {"int4_g64", DType::INT4_G64}, {"int4_g128", DType::INT4_G128}});
    return c;
  }();
  return choices;
}

DType parse_dtype(const std::string& text, const config::SourceLoc& where, const std::string& key) {
  std::string allowed;
  for (const auto& [name, value] : dtype_choices()) {
    if (name == text) return value;
    allowed += (allowed.empty() ? "" : " | ") + name;
  }
  throw config::InputError(where, key, "unknown dtype", "'" + text + "'", allowed);
}

Bytes bytes_of(std::uint64_t elements, DType d) {
  std::uint64_t bits = 0;
  if (__builtin_mul_overflow(elements, static_cast<std::uint64_t>(dtype_bits(d)), &bits))
    throw config::InputError(config::SourceLoc{"<workload>", 0, 0}, "", "byte count exceeds 2^64",
                             std::to_string(elements) + " elements of " + dtype_name(d));
  return bits / 8 + (bits % 8 != 0 ? 1 : 0);
}

const config::Schema<Scenario>& Scenario::schema() {
  // Bounds keep every byte count of lower() and resident_bytes_per_chip() far below 2^64 for
  // any model ModelSpec::schema() accepts, while covering every realistic decode scenario.
  static const config::Schema<Scenario> s =
      config::Schema<Scenario>("Decode scenario: what is decoded, and in which storage formats")
          .num("batch", &Scenario::batch, "sequences", 1u, 1u, 65536u, "sequences decoded together in one step")
          .num("context", &Scenario::context, "tokens", std::uint64_t{2048}, std::uint64_t{1},
               std::uint64_t{1} << 24,
               "KV positions the first decoded token attends over (its own K/V included); grows by one per token")
          // Every token's kernel graph and records are held until the report: 4096 tokens of a
          // 70B model is a few hundred MB, where 2^20 ran out of memory after half a minute.
          .num("tokens", &Scenario::tokens, "tokens", 1u, 1u, 4096u,
               "decode steps simulated (each is lowered and recorded, so memory grows with it)")
          .choice("weight_dtype", &Scenario::weight_dtype, weight_dtype_choices(), DType::BF16,
                  "storage format of every parameter; fp8/int8/int4 add one bf16 scale per output channel of each "
                  "matrix, int4_gN a bf16 scale and zero point per N k-elements (int4 packs two per byte)")
          .choice("act_dtype", &Scenario::act_dtype, dtype_choices(), DType::BF16, "activation format")
          .choice("kv_dtype", &Scenario::kv_dtype, dtype_choices(), DType::BF16, "KV-cache storage format")
          .num("seed", &Scenario::seed, "-", std::uint64_t{1}, std::uint64_t{0},
               static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
               "seed of the deterministic MoE routing")
          .flag("turn", &Scenario::turn, false,
                "simulate an agent turn (prefill, then decode) instead of plain decode steps (--turn)")
          .num("prompt_tokens", &Scenario::prompt_tokens, "tokens", std::uint64_t{2048}, std::uint64_t{1},
               std::uint64_t{1} << 20, "turn: new tokens prefilled per sequence (tool result, user message)")
          .num("cached_tokens", &Scenario::cached_tokens, "tokens", std::uint64_t{0}, std::uint64_t{0},
               std::uint64_t{1} << 24, "turn: context already in the KV cache from earlier turns (prefix reuse)")
          .num("output_tokens", &Scenario::output_tokens, "tokens", 128u, 1u, 4096u,
               "turn: tokens emitted; the first comes out of the prefill")
          .section("prefill", &Scenario::prefill)
          .section("speculative", &Scenario::speculative)
          .section("tiers", &Scenario::tiers);
  return s;
}

const config::Schema<TierScenario>& TierScenario::schema() {
  static const config::Schema<TierScenario> s =
      config::Schema<TierScenario>("Model residency on a three-tier memory system (arch: rdu; docs/tiers.md)")
          .flag("switch_model", &TierScenario::switch_model, false,
                "the request asks for a model that is in DDR but not in HBM: its weights are copied DDR -> HBM "
                "before the first step (the model-switch cost); false = the model is hot in HBM")
          .num("resident_models", &TierScenario::resident_models, "models", 1u, 1u, 100000u,
               "models of this size the deployment keeps in DDR (Composition of Experts); they must fit in DDR");
  return s;
}

const config::Schema<PrefillConfig>& PrefillConfig::schema() {
  static const config::Schema<PrefillConfig> s =
      config::Schema<PrefillConfig>("Prefill of a turn's prompt")
          .num("chunk_tokens", &PrefillConfig::chunk_tokens, "tokens", std::uint64_t{0}, std::uint64_t{0},
               std::uint64_t{1} << 20,
               "prompt tokens per prefill step (chunked prefill); 0 = the whole prompt in one step")
          .choice("schedule", &PrefillConfig::schedule,
                  {{"together", PrefillSchedule::Together},
                   {"stall", PrefillSchedule::Stall},
                   {"interleave", PrefillSchedule::Interleave}},
                  PrefillSchedule::Together,
                  "together: every sequence of the batch prefills its prompt; stall: one new sequence prefills "
                  "while the other batch - 1 wait; interleave: each prefill step also decodes one token of each "
                  "of the other batch - 1 (Sarathi-Serve)");
  return s;
}

const config::Schema<SpeculativeConfig>& SpeculativeConfig::schema() {
  static const config::Schema<SpeculativeConfig> s =
      config::Schema<SpeculativeConfig>("Speculative decoding of a turn's output")
          .num("draft_tokens", &SpeculativeConfig::draft_tokens, "tokens", 0u, 0u, 16u,
               "k: tokens the draft model proposes per round, verified in one target step of k+1 rows; 0 = off")
          .num("acceptance", &SpeculativeConfig::acceptance, "-", 0.7, 0.0, 0.99,
               "probability that the target accepts each drafted token (i.i.d.)")
          .list("acceptance_distribution", &SpeculativeConfig::acceptance_distribution, "-", std::vector<double>{},
                0.0, 1.0, 17,
                "instead of acceptance: P(j tokens emitted per round) for j = 1..k+1, summing to 1")
          .text("draft_model", &SpeculativeConfig::draft_model, "",
                "workload of the draft model (name in workloads/ or a path); required when draft_tokens > 0")
          .text("draft_system", &SpeculativeConfig::draft_system, "",
                "system the draft runs on; \"\" = the target's own chips, between its verify steps");
  return s;
}

void SpeculativeConfig::validate(const config::Node* n, const std::string& path) const {
  if (draft_tokens == 0) return;
  if (draft_model.empty())
    config::fail_at(n, path, "draft_model", "speculative decoding needs a draft model", "\"\"",
                    "a workload name or path");
  if (!acceptance_distribution.empty()) {
    if (acceptance_distribution.size() != draft_tokens + 1)
      config::fail_at(n, path, "acceptance_distribution", "needs one probability per emitted count 1..k+1",
                      std::to_string(acceptance_distribution.size()) + " values",
                      std::to_string(draft_tokens + 1) + " values");
    double sum = 0;
    for (double p : acceptance_distribution) sum += p;
    if (sum < 0.999 || sum > 1.001)
      config::fail_at(n, path, "acceptance_distribution", "probabilities must sum to 1", std::to_string(sum),
                      "values summing to 1");
  }
}

std::vector<double> SpeculativeConfig::emitted_distribution() const {
  if (!acceptance_distribution.empty()) return acceptance_distribution;
  std::vector<double> p(draft_tokens + 1);
  double run = 1;  // a^(j-1)
  for (std::uint32_t j = 1; j <= draft_tokens; ++j, run *= acceptance) p[j - 1] = run * (1 - acceptance);
  p[draft_tokens] = run;
  return p;
}

double SpeculativeConfig::expected_tokens() const {
  double e = 0;
  const std::vector<double> p = emitted_distribution();
  for (std::size_t j = 0; j < p.size(); ++j) e += static_cast<double>(j + 1) * p[j];
  return e;
}

const std::vector<std::string>& turn_only_keys() {
  static const std::vector<std::string> keys = {"turn",    "prompt_tokens", "cached_tokens",
                                                "output_tokens", "prefill", "speculative"};
  return keys;
}

void Scenario::validate(const config::Node* n, const std::string& path) const {
  if (turn) return;
  // The turn keys mean nothing to plain decode: saying one without `turn` is a mistake.
  if (n)
    for (const auto& key : turn_only_keys())
      if (key != "turn" && n->find(key))
        config::fail_at(n, path, key, "is read only by an agent turn", n->find(key)->render(),
                        "scenario.turn: true (run --turn)");
}

}  // namespace decodesim::workload
