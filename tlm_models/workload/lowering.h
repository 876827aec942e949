// Workload lowering: one decode step of a model, as seen by one chip, as a KernelGraph with
// exact bytes and FLOPs per kernel. Pure C++; the formulas are in docs/workloads.md.
//
// Kernel order per layer (tp = tensor_parallel):
//   norm → qkv → rope → kv_append → attn → o → [all_reduce if tp>1] → residual
//   → norm → gate_up → silu_mul → down → [all_reduce if tp>1] → residual
// MoE layers insert a router GEMM before gate_up; gate_up and down become grouped GEMMs over
// the distinct experts the batch is routed to. Before the stack: embedding; after it:
// final norm → lm_head [→ all_reduce of the per-row argmax if tp>1].
#pragma once

#include <cstdint>
#include <vector>

#include "common/base/kernel_graph.h"
#include "workload/model_spec.h"
#include "workload/moe_routing.h"
#include "workload/scenario.h"

namespace decodesim::workload {

/// One chip's slice of the model under Megatron-style tensor parallelism.
struct TensorParallelShard {
  std::uint32_t tp = 1;
  std::uint32_t heads = 0;           ///< query heads on this chip: heads / tp
  std::uint32_t kv_heads = 0;        ///< KV heads on this chip: kv_heads / tp, or 1 when kv_heads < tp
  std::uint32_t kv_replication = 1;  ///< chips holding a copy of each KV head: max(1, tp / kv_heads)
  std::uint32_t ffn = 0;             ///< ffn / tp (of every expert, for MoE)
  std::uint32_t dense_ffn = 0;       ///< width of a dense layer's FFN / tp (ffn, or dense_ffn for MoE)
  std::uint32_t vocab = 0;           ///< vocab / tp rows of the LM head
};

/// The shard of `model` one chip holds with `tensor_parallel` chips. Throws config::InputError
/// (located at `where`/`key`, e.g. the system file's chip count) unless tensor_parallel divides
/// heads, ffn and vocab, and kv_heads and tensor_parallel divide one another.
TensorParallelShard shard_model(const ModelSpec& model, std::uint32_t tensor_parallel,
                                const config::SourceLoc& where = {"<tensor_parallel>", 0, 0},
                                const std::string& key = "tensor_parallel");

/// One step of a turn: which phase, how many tokens of each sequence it processes, and the KV
/// positions each sequence holds once the step has run (its new tokens included).
struct StepShape {
  Phase phase = Phase::Decode;
  std::uint64_t seq_tokens = 1;      ///< q: 1 (decode), a prompt chunk (prefill), k + 1 (verify)
  std::uint64_t positions = 0;       ///< past + q: the KV length the step's last token attends over
  std::uint64_t logits_per_seq = 1;  ///< rows that reach the LM head: 1, k + 1 (verify), 0 (inner chunk)
  std::uint32_t index = 0;           ///< step index (seeds MoE routing)
  /// Sequences taking seq_tokens rows each; 0 = the whole batch. One under prefill.schedule
  /// stall and interleave: only the new sequence prefills.
  std::uint64_t sequences = 0;
  /// prefill.schedule interleave (Sarathi-Serve's mixed step): sequences that each decode one
  /// token in the same step, holding decode_positions KV positions once it has run.
  std::uint64_t decode_seqs = 0;
  std::uint64_t decode_positions = 0;

  std::uint64_t seqs(std::uint64_t batch) const { return sequences ? sequences : batch; }
};

/// The steps of the scenario's turn (scenario.turn): the prompt's prefill chunks, then either
/// output_tokens - 1 decode steps or the speculative verify steps (one per round, rounds =
/// ceil((output_tokens - 1) / E[tokens per round]), the context growing by E per round).
/// Plain decode: `tokens` decode steps from `context`.
std::vector<StepShape> turn_steps(const Scenario& scenario);

/// One step of `shape`, as one chip of `tensor_parallel` sees it (see lower()).
KernelGraph lower_step(const ModelSpec& model, const Scenario& scenario, const StepShape& shape,
                       std::uint32_t tensor_parallel);

/// One decode step for token index t (0-based) of the scenario, as seen by ONE chip under
/// tensor_parallel-way sharding. Throws config::InputError for a shard that does not divide
/// (see shard_model) and std::invalid_argument for token_index >= scenario.tokens.
KernelGraph lower(const ModelSpec& model, const Scenario& scenario, std::uint32_t token_index,
                  std::uint32_t tensor_parallel);

/// Weight bytes one chip of a `tensor_parallel` group must hold, by placement unit, in storage
/// format `weight_dtype` with its quantisation scales. Every expert of an MoE layer is counted: a
/// token reads only its top_k, but any token may pick any expert, so all of them stay resident.
/// The one count behind every capacity check (HBM and SRAM).
struct ResidentBytes {
  Bytes embedding = 0;  ///< the whole table, vocab × hidden (replicated or column-sharded by the caller)
  Bytes per_layer = 0;  ///< norm gains, attention shard, router, every expert's FFN shard, their scales
  Bytes lm_head = 0;    ///< LM-head shard (none with tied embeddings) and its scales
  Bytes final_norm = 0;
  std::uint32_t dense_layers = 0;  ///< leading layers holding dense_layer bytes instead of per_layer
  Bytes dense_layer = 0;           ///< a dense-FFN layer (all layers of a dense model)

  Bytes layer(std::uint32_t l) const { return l < dense_layers ? dense_layer : per_layer; }
  /// Sum of layer(l) over the first `layers` layers; InputError past 2^64.
  Bytes layers_total(std::uint32_t layers) const;
};
ResidentBytes resident_weight_bytes(const ModelSpec& model, std::uint32_t tensor_parallel, DType weight_dtype);

/// The weight bytes one chip keeps resident (the weights part of resident_bytes_per_chip).
Bytes resident_weight_bytes_per_chip(const ModelSpec& model, DType weight_dtype, std::uint32_t tensor_parallel);

/// One GEMM y[m,n] = x[m,k]·W[k,n] as a one-kernel step (`decodesim gemm`): the scenario's
/// dtypes, and bytes and FLOPs counted exactly as lower() counts a layer's GEMM.
KernelGraph lower_gemm(const Scenario& scenario, std::uint64_t m, std::uint64_t n, std::uint64_t k);

/// Bytes one chip keeps resident: its weights (embedding table replicated, everything else
/// as sharded by lower()) plus its KV cache at the largest context of the scenario
/// (context + tokens - 1 positions for every sequence). Activations are not counted.
Bytes resident_bytes_per_chip(const ModelSpec& model, const Scenario& scenario, std::uint32_t tensor_parallel);

}  // namespace decodesim::workload
