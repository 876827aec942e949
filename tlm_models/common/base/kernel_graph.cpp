#include "common/base/kernel_graph.h"

#include "common/base/kernel_record.h"

namespace decodesim {

const char* dtype_name(DType d) {
  switch (d) {
    case DType::BF16: return "bf16";
    case DType::FP8: return "fp8";
    case DType::INT8: return "int8";
    case DType::INT4: return "int4";
    case DType::INT4_G32: return "int4_g32";
    case DType::INT4_G64: return "int4_g64";
    case DType::INT4_G128: return "int4_g128";
  }
  return "?";
}

const char* kernel_kind_name(KernelKind k) {
  switch (k) {
    case KernelKind::Embedding: return "embedding";
    case KernelKind::RmsNorm: return "rmsnorm";
    case KernelKind::Gemm: return "gemm";
    case KernelKind::Rope: return "rope";
    case KernelKind::Attention: return "attention";
    case KernelKind::KvAppend: return "kv_append";
    case KernelKind::Residual: return "residual";
    case KernelKind::SiluMul: return "silu_mul";
    case KernelKind::AllReduce: return "all_reduce";
  }
  return "?";
}

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::Decode: return "decode";
    case Phase::Prefill: return "prefill";
    case Phase::Draft: return "draft";
    case Phase::Verify: return "verify";
  }
  return "?";
}

std::vector<Kernel> kernel_parts(const Kernel& k) {
  if (!k.decode_part) return {k};
  const Kernel& d = *k.decode_part;
  Kernel p = k;
  p.decode_part.reset();
  if (k.kind == KernelKind::KvAppend) p.m -= d.m;
  p.weight_bytes -= d.weight_bytes;
  p.kv_read_bytes -= d.kv_read_bytes;
  p.kv_write_bytes -= d.kv_write_bytes;
  p.act_in_bytes -= d.act_in_bytes;
  p.act_out_bytes -= d.act_out_bytes;
  p.flops -= d.flops;
  p.vector_ops -= d.vector_ops;
  return {p, d};
}

Bytes KernelGraph::total_memory_bytes() const {
  Bytes b = 0;
  for (const auto& k : kernels) b += k.memory_bytes();
  return b;
}
Bytes KernelGraph::total_weight_bytes() const {
  Bytes b = 0;
  for (const auto& k : kernels) b += k.weight_bytes;
  return b;
}
Bytes KernelGraph::total_kv_read_bytes() const {
  Bytes b = 0;
  for (const auto& k : kernels) b += k.kv_read_bytes;
  return b;
}
std::uint64_t KernelGraph::total_flops() const {
  std::uint64_t f = 0;
  for (const auto& k : kernels) f += k.flops;
  return f;
}

}  // namespace decodesim

#include "common/base/kernel_record.h"

namespace decodesim {

KernelRecord record_for(const Kernel& k, std::uint32_t token, std::uint32_t chip) {
  KernelRecord r;
  r.name = k.name;
  r.kind = k.kind;
  r.op = k.op;
  r.layer = k.layer;
  r.token = token;
  r.chip = chip;
  r.m = k.m;
  r.n = k.n;
  r.k = k.k;
  r.groups = k.groups;
  r.weight_dtype = k.weight_dtype;
  r.act_dtype = k.act_dtype;
  r.kv_dtype = k.kv_dtype;
  r.flops = k.flops;
  r.vector_ops = k.vector_ops;
  r.phase = k.phase;
  return r;
}

std::string classify_bound(Picos duration, const std::vector<std::pair<std::string, Picos>>& demands) {
  std::string best = "latency";
  Picos best_v = 0;
  for (const auto& [name, v] : demands)
    if (v > best_v) { best = name; best_v = v; }
  if (duration == 0 || best_v * 2 < duration) return "latency";
  return best;
}

}  // namespace decodesim
