#include "memory/tlm/target_registry.h"

#include <map>
#include <stdexcept>

namespace decodesim::memory {
namespace {
// Function-local so registrations from static initialisers in other translation units find it
// constructed whatever their order.
std::map<std::string, TargetFactory>& registry() {
  static std::map<std::string, TargetFactory> r;
  return r;
}
}  // namespace

bool register_memory_target(const std::string& key, TargetFactory factory) {
  if (!registry().emplace(key, std::move(factory)).second)
    throw std::logic_error("memory target '" + key + "' registered twice");
  return true;
}

const TargetFactory* find_memory_target(const std::string& key) {
  const auto it = registry().find(key);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<std::string> memory_target_names() {
  std::vector<std::string> out;
  for (const auto& [k, f] : registry()) out.push_back(k);
  return out;
}

const config::Schema<MemorySection>& MemorySection::schema() {
  using S = config::Schema<MemorySection>;
  static const S s =
      S("which memory sits behind the initiators' sockets")
          .choice("impl", &MemorySection::impl, {{"builtin", MemoryImpl::Builtin}, {"external", MemoryImpl::External}},
                  MemoryImpl::Builtin, "builtin: the hbm model; external: a target registered by name (docs/memory.md)")
          .text("external", &MemorySection::external, "",
                "impl external: the registered target's name (decodesim_add_memory_target)")
          .text("external_config", &MemorySection::external_config, "",
                "impl external: text handed to the target's factory (e.g. a DRAMSys config path)");
  return s;
}

void MemorySection::validate(const config::Node* n, const std::string& path) const {
  if (impl != MemoryImpl::External) return;
  if (!find_memory_target(external)) {
    std::string allowed;
    for (const auto& k : memory_target_names()) allowed += (allowed.empty() ? "" : ", ") + k;
    config::fail_at(n, path, "external", "no memory target is registered under this name", "'" + external + "'",
                    allowed.empty() ? "a name registered with decodesim_add_memory_target (none is built in)"
                                    : "one of: " + allowed);
  }
}

}  // namespace decodesim::memory
