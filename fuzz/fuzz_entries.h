// One input of each fuzz target, as a plain function: the libFuzzer executables call these, and
// so does the regression test that replays fuzz/corpus/regressions in the normal build.
//
// Contract: bad input may only ever end as config::InputError (the CLI's exit 2). Any other
// exception escapes, and any crash, leak or undefined behaviour is a finding.
#pragma once

#include <string>

namespace decodesim::fuzz {

/// `text` as configs/systems/<x>.yaml (its `../components/` includes resolve to the shipped
/// fragments), loaded through load_system: YAML limits, includes, schema, validation.
void config_loader(const std::string& text);

/// `text` as a sweep spec, expanded and validated by sweep::load_plan.
void sweep_spec(const std::string& text);

}  // namespace decodesim::fuzz
