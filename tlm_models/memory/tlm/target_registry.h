// `memory.impl: external`: memory targets that are not built in, looked up by name.
//
// A user target is a MemoryTarget (memory_target.h) made by a factory registered under a name;
// `memory.external: <name>` selects it and `memory.external_config` is handed to the factory
// as text (a DRAMSys JSON path, or key=value pairs: the target decides). Build one into the
// decodesim binary with the CMake hook (docs/memory.md, "Your own memory target"):
//
//   cmake -DDECODESIM_MEMORY_TARGET_DIRS=/path/to/my_target ...
//   # /path/to/my_target/CMakeLists.txt:
//   decodesim_add_memory_target(my_dram SOURCES my_dram.cpp LIBS ...)
//
// and in my_dram.cpp:
//
//   static const bool registered = decodesim::memory::register_memory_target(
//       "my_dram", [](const char* name, const decodesim::memory::ExternalTargetArgs& a) {
//         return std::make_unique<MyDram>(name, a.config);
//       });
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/units.h"
#include "common/config/schema.h"
#include "memory/tlm/memory_target.h"

namespace decodesim::memory {

enum class MemoryImpl { Builtin, External };

/// The `memory:` config section.
struct MemorySection {
  MemoryImpl impl = MemoryImpl::Builtin;
  std::string external;         ///< registered target name (impl: external)
  std::string external_config;  ///< handed to the factory as is

  static const config::Schema<MemorySection>& schema();
  void validate(const config::Node* n, const std::string& path) const;
};

struct ExternalTargetArgs {
  std::string config;      ///< memory.external_config
  Bytes capacity_bytes = 0; ///< what the system sizes the model against (hbm geometry)
};

using TargetFactory = std::function<std::unique_ptr<MemoryTarget>(const char* name, const ExternalTargetArgs&)>;

/// Registers `factory` under `key`; returns true so it can initialise a static. A second
/// registration of the same key throws std::logic_error.
bool register_memory_target(const std::string& key, TargetFactory factory);
/// Null if nothing is registered under `key`.
const TargetFactory* find_memory_target(const std::string& key);
std::vector<std::string> memory_target_names();

}  // namespace decodesim::memory
