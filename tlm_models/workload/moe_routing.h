// Deterministic MoE routing for decode.
//
// Real routing depends on trained router weights and on the tokens, neither of which the
// simulator has. We draw each token's top_k experts uniformly without replacement (a
// perfectly balanced router), from a counter-based generator keyed by (seed, token index,
// layer, batch element), so a run is reproducible, independent of call order, and
// identical on every platform.
#pragma once

#include <cstdint>
#include <vector>

namespace decodesim::workload {

struct Routing {
  std::vector<std::vector<std::uint32_t>> chosen;  ///< [batch element] -> top_k distinct experts, ascending
  std::vector<std::uint32_t> rows_per_expert;      ///< [expert] -> tokens routed to it (0 if unused)

  /// Distinct experts used by the batch: the expert weight sets this layer reads.
  std::uint32_t distinct_experts() const;
  /// Most tokens routed to one expert (the padded m of the grouped expert GEMMs).
  std::uint32_t max_rows() const;
  /// batch × top_k: rows that flow through expert FFNs.
  std::uint64_t routed_rows() const;
};

/// Routing of every batch element for one layer of decode step `token_index`.
/// Requires 1 <= top_k <= experts.
Routing route_tokens(std::uint32_t experts, std::uint32_t top_k, std::uint32_t batch, std::uint64_t seed,
                     std::uint32_t token_index, std::uint32_t layer);

}  // namespace decodesim::workload
