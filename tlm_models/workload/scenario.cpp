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
          .num("tokens", &Scenario::tokens, "tokens", 1u, 1u, 1u << 20, "decode steps simulated")
          .choice("weight_dtype", &Scenario::weight_dtype, weight_dtype_choices(), DType::BF16,
                  "storage format of every parameter; fp8/int8/int4 add one bf16 scale per output channel of each "
                  "matrix, int4_gN a bf16 scale and zero point per N k-elements (int4 packs two per byte)")
          .choice("act_dtype", &Scenario::act_dtype, dtype_choices(), DType::BF16, "activation format")
          .choice("kv_dtype", &Scenario::kv_dtype, dtype_choices(), DType::BF16, "KV-cache storage format")
          .num("seed", &Scenario::seed, "-", std::uint64_t{1}, std::uint64_t{0},
               static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
               "seed of the deterministic MoE routing");
  return s;
}

void Scenario::validate(const config::Node*, const std::string&) const {
  // Every key is independent and range-checked by the schema; nothing cross-field to check.
}

}  // namespace decodesim::workload
