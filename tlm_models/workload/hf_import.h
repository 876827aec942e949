// `decodesim model import`: a Hugging Face config.json as a workload YAML (workloads/*.yaml).
#pragma once

#include <string>

namespace decodesim::workload {

/// Reads the Hugging Face `config.json` at `json_path` and returns the text of a workload file
/// (a `model:` section, each key commented with the field it came from) named `name`.
/// Every field is either mapped, known not to change decode's bytes and FLOPs (dropout, token
/// ids, RoPE base and scaling, norm epsilon, ...), or refused: an unknown field, or one whose
/// value decodesim cannot represent (a non-SiLU activation, output-projection or MLP biases, an
/// active sliding window, MoE layers that are not every layer), is a config::InputError naming
/// config.json:line:col, the key, its value and what is allowed.
std::string import_hf_config(const std::string& json_path, const std::string& name);

}  // namespace decodesim::workload
