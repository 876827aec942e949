// Helpers shared by the workload tests: the shipped model files, temp model files, error text.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "workload/lowering.h"

namespace decodesim::workload::testing {

inline std::string workloads_dir() { return std::string(DECODESIM_SOURCE_DIR) + "/workloads"; }

inline ModelSpec model(const std::string& name) { return load_model(name, workloads_dir()); }

inline Scenario scenario(std::uint32_t batch, std::uint64_t context, std::uint32_t tokens = 1) {
  Scenario s;
  s.batch = batch;
  s.context = context;
  s.tokens = tokens;
  return s;
}

/// The what() of the config::InputError `f` throws, or "no error".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const config::InputError& e) {
    return e.what();
  }
  return "no error";
}

/// A scratch directory removed at scope exit.
class TempDir {
 public:
  TempDir()
      : m_dir(std::filesystem::temp_directory_path() / ("workload-test-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(m_dir);
  }
  ~TempDir() { std::filesystem::remove_all(m_dir); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = m_dir / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path() const { return m_dir.string(); }

 private:
  std::filesystem::path m_dir;
};

/// Sum of `field` over kernels whose op is `op` (all kernels when op is empty).
template <class F>
std::uint64_t sum_over(const KernelGraph& g, const std::string& op, F field) {
  std::uint64_t s = 0;
  for (const auto& k : g.kernels)
    if (op.empty() || k.op == op) s += field(k);
  return s;
}

}  // namespace decodesim::workload::testing
