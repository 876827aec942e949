// libFuzzer entry for decodesim::fuzz::sweep_spec (fuzz_entries.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  decodesim::fuzz::sweep_spec(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
