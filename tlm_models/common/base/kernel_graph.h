// The KernelGraph: what one decode step asks of the hardware, with exact bytes and FLOPs.
//
// It is produced by workload lowering (tlm_models/workload, pure C++) and consumed by the
// architecture mappers. Every byte a mapper fetches from main memory must be accounted for
// here: the byte-conservation tests compare memory-served bytes against these fields.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/units.h"

namespace decodesim {

/// Storage formats. The narrow integer and fp8 formats are weight-only quantisation as
/// gpt-fast and torchao store it (github.com/pytorch-labs/gpt-fast, github.com/pytorch/ao
/// torchao/quantization/README.md): INT8 and FP8 carry one bf16 scale per output channel;
/// INT4 likewise; INT4_G32/G64/G128 carry a bf16 scale and a bf16 zero point per group of
/// 32/64/128 consecutive k-elements of every output channel (the tinygemm layout behind
/// torch.ops.aten._weight_int4pack_mm). Activations and KV use only BF16/FP8/INT8/INT4,
/// without scales.
enum class DType { BF16, FP8, INT8, INT4, INT4_G32, INT4_G64, INT4_G128 };

/// Storage size in bits of one element, scales excluded (int4 packs two per byte).
constexpr std::uint32_t dtype_bits(DType d) {
  switch (d) {
    case DType::BF16: return 16;
    case DType::FP8: return 8;
    case DType::INT8: return 8;
    case DType::INT4:
    case DType::INT4_G32:
    case DType::INT4_G64:
    case DType::INT4_G128: return 4;
  }
  return 16;
}

/// k-elements of one output channel that share a scale: the group size, or 0 for one scale per
/// whole channel (per-channel formats) and for unscaled BF16.
constexpr std::uint32_t dtype_group(DType d) {
  switch (d) {
    case DType::INT4_G32: return 32;
    case DType::INT4_G64: return 64;
    case DType::INT4_G128: return 128;
    default: return 0;
  }
}

/// Bytes of quantisation metadata per group (or per channel): a bf16 scale, plus a bf16 zero
/// point for the grouped int4 formats (gpt-fast's `scales_and_zeros`, 2 × bf16 per group).
constexpr std::uint32_t dtype_scale_bytes(DType d) {
  switch (d) {
    case DType::BF16: return 0;
    case DType::FP8:
    case DType::INT8:
    case DType::INT4: return 2;
    case DType::INT4_G32:
    case DType::INT4_G64:
    case DType::INT4_G128: return 4;
  }
  return 0;
}

/// Scale bytes of the part of a weight matrix with `cols` output channels that covers k-rows
/// [0, k_end) of a matrix with `k_total` rows: one scale record per group *start* inside the
/// range. Offsets built from it telescope, so any split of k into CTA slices reads every scale
/// exactly once (the slice holding the group's first row reads it).
constexpr std::uint64_t scale_bytes_before(std::uint64_t k_end, std::uint64_t k_total, std::uint64_t cols, DType d) {
  const std::uint64_t g = dtype_group(d) ? dtype_group(d) : k_total;
  return g == 0 ? 0 : cols * ((k_end + g - 1) / g) * dtype_scale_bytes(d);
}

/// Bytes one k×n weight matrix occupies in memory: packed elements plus its scales. The
/// workload lowering, the TPU, the GPU and the LPU all count a matrix through this.
constexpr std::uint64_t matrix_bytes(std::uint64_t k, std::uint64_t n, DType d) {
  return (k * n * dtype_bits(d) + 7) / 8 + scale_bytes_before(k, k, n, d);
}

/// Byte offset, inside one matrix packed tile by tile (a tile = `cols` output channels starting
/// at channel n0, all k rows, data and scales interleaved), of row k0 of the tile starting at n0.
constexpr std::uint64_t matrix_offset(std::uint64_t n0, std::uint64_t cols, std::uint64_t k0, std::uint64_t k_total,
                                      DType d) {
  return (((n0 * k_total) + cols * k0) * dtype_bits(d) + 7) / 8 + scale_bytes_before(k_total, k_total, n0, d) +
         scale_bytes_before(k0, k_total, cols, d);
}

const char* dtype_name(DType d);

enum class KernelKind {
  Embedding,  ///< gather `m` rows of the embedding table
  RmsNorm,    ///< y = x / rms(x) * g, per token
  Gemm,       ///< y[m,n] = x[m,k] · W[k,n] with W streamed from memory (QKV, O, gate/up, down, LM head, router)
  Rope,       ///< rotary embedding on Q and K
  Attention,  ///< decode attention: per group, QKᵀ (m×k · k×n), softmax over n, ·V (m×n · n×k)
  KvAppend,   ///< write this token's K and V to the cache
  Residual,   ///< x += y
  SiluMul,    ///< silu(gate) * up
  AllReduce,  ///< tensor-parallel all-reduce of activations over the chip links
};
const char* kernel_kind_name(KernelKind k);

/// Which part of an agent turn a step belongs to (docs/turns.md). Plain decode runs are all
/// Decode; a turn is Prefill steps (one per chunk), then Decode steps, or Draft and Verify
/// steps under speculative decoding.
enum class Phase { Decode, Prefill, Draft, Verify };
const char* phase_name(Phase p);

/// One kernel instance of one decode step.
struct Kernel {
  std::string name;      ///< "L3.qkv", "lm_head", ...
  KernelKind kind = KernelKind::Gemm;
  int layer = -1;        ///< decoder layer, or -1 for kernels outside the layer stack
  std::string op;        ///< layer-type label used to aggregate rows: "qkv", "o", "gate_up", "down", "attn", ...

  // Shape. Gemm: y[m,n] = x[m,k]·W[k,n], `groups` independent instances (MoE experts).
  // Attention: groups = batch × kv_heads; m = query heads per KV head; k = head_dim; n = context;
  //   values v_dim wide (0 = k). MLA (kv_shared): groups = batch, m = query heads, k = latent +
  //   RoPE key width, v_dim = latent width: V is the first v_dim columns of the same cached row.
  // Element-wise kinds: m = tokens (batch), n = elements per token.
  // Embedding: m = rows gathered (batch), n = hidden, k = table rows (vocabulary).
  // KvAppend: m = batch, n = 2 × kv_heads_per_chip × head_dim elements written per sequence.
  std::uint64_t m = 0, n = 0, k = 0;
  std::uint64_t groups = 1;
  std::uint64_t v_dim = 0;  ///< Attention: value width per head (0 = k)
  bool kv_shared = false;   ///< Attention/KvAppend: one cached row serves as key and value (MLA latent)

  std::uint64_t value_dim() const { return v_dim != 0 ? v_dim : k; }
  /// Cached rows per (group, position): 2 (K and V) or 1 when they are one shared latent row.
  std::uint64_t kv_rows() const { return kv_shared ? 1 : 2; }

  // Exact traffic, per chip. Main memory = HBM (TPU/GPU) or weight SRAM (LPU).
  Bytes weight_bytes = 0;     ///< weights/parameters read from main memory
  Bytes kv_read_bytes = 0;    ///< KV-cache bytes read from main memory
  Bytes kv_write_bytes = 0;   ///< KV-cache bytes written to main memory
  Bytes act_in_bytes = 0;     ///< activation bytes consumed (on-chip unless a mapper spills)
  Bytes act_out_bytes = 0;    ///< activation bytes produced
  Bytes collective_bytes = 0; ///< AllReduce payload per chip (the full vector being reduced)

  std::uint64_t flops = 0;       ///< 2 per multiply-accumulate, matrix units
  std::uint64_t vector_ops = 0;  ///< element operations for the vector unit

  DType weight_dtype = DType::BF16;
  DType act_dtype = DType::BF16;
  DType kv_dtype = DType::BF16;

  Phase phase = Phase::Decode;
  /// Tokens of each sequence this step processes: 1 for decode, the chunk for prefill, k + 1
  /// for a speculative verify. Attention's m and the row count of every other kernel include it.
  std::uint64_t seq_tokens = 1;

  /// Attention and KvAppend of a mixed step (chunked prefill with the decode of other
  /// sequences interleaved, docs/turns.md): the one-token rows of the decoding sequences, as a
  /// kernel of their own shape (seq_tokens 1, n = their KV positions). This kernel's counts
  /// (FLOPs, bytes, vector ops) include the part's; its shape fields describe the prefill's rows
  /// (Attention) or all rows (KvAppend: m). The part's sequences follow the prefill's, so its
  /// groups start at `groups` (Attention) or its rows at m - part.m (KvAppend; the part's k
  /// is then its sequences' KV positions once the rows are written). Null otherwise.
  std::shared_ptr<const Kernel> decode_part;

  Bytes memory_read_bytes() const { return weight_bytes + kv_read_bytes; }
  Bytes memory_bytes() const { return weight_bytes + kv_read_bytes + kv_write_bytes; }
};

/// A mixed kernel as the hardware runs it: the prefill rows' part (this kernel less its
/// decode_part's counts) and then the decode part; a plain kernel alone.
std::vector<Kernel> kernel_parts(const Kernel& k);

/// One decode step (one token for every sequence in the batch).
struct KernelGraph {
  std::vector<Kernel> kernels;
  std::uint32_t layers = 0;
  std::uint32_t batch = 1;
  std::uint64_t context = 0;      ///< KV length this step attends over (including the new token)
  std::uint32_t tensor_parallel = 1;
  Phase phase = Phase::Decode;
  std::uint64_t seq_tokens = 1;   ///< tokens per sequence this step (see Kernel::seq_tokens)
  std::uint64_t rows = 0;         ///< token rows of the step, every sequence's (0 = batch × seq_tokens)
  /// The step samples tokens that the next step takes as input. An inner prefill chunk samples
  /// nothing: the next chunk's rows are the prompt's, there from the start.
  bool feeds_back = true;

  Bytes total_memory_bytes() const;
  Bytes total_weight_bytes() const;
  Bytes total_kv_read_bytes() const;
  std::uint64_t total_flops() const;
};

}  // namespace decodesim
