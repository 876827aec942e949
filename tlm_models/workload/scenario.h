// What is being decoded: batch, context, number of tokens, storage dtypes, routing seed.
//
// The CLI flags (--batch, --context, --tokens, --weight-dtype, ...) land in a `scenario:`
// section that is read through Scenario::schema(), so flag errors are located and
// `decodesim config explain scenario` lists every key.
#pragma once

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

struct Scenario {
  std::uint32_t batch = 1;      ///< sequences decoded together
  std::uint64_t context = 2048; ///< KV positions attended at the first decoded token (see docs/workloads.md)
  std::uint32_t tokens = 1;     ///< decode steps; token t attends over context + t positions
  DType weight_dtype = DType::BF16;
  DType act_dtype = DType::BF16;
  DType kv_dtype = DType::BF16;
  std::uint64_t seed = 1;       ///< MoE routing seed

  static const config::Schema<Scenario>& schema();
  void validate(const config::Node* section, const std::string& path) const;

  /// Largest number of KV positions any step of this scenario attends over.
  std::uint64_t max_context() const { return context + tokens - 1; }
};

}  // namespace decodesim::workload
