// libFuzzer entry for decodesim::fuzz::config_loader (fuzz_entries.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  decodesim::fuzz::config_loader(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
