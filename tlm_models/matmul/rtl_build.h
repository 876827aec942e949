// RTL of the matmul core built on demand: any array size of our own rtl/ design, and any
// outside design that meets rtl/README.md's contract.
//
// A design (sources, top, parameters) at one geometry is Verilated in C++ mode, compiled
// with verilated_sim.h into a shared object and loaded with dlopen. Shared objects live in a
// per-user cache ($XDG_CACHE_HOME/decodesim/rtl, else ~/.cache/decodesim/rtl; $DECODESIM_RTL_CACHE
// overrides) under a key that hashes the sources' contents, top, parameters, geometry,
// tracing, the Verilator and compiler versions and the ABI headers, so a second run reuses
// the model and any change rebuilds it. A build happens in a temporary folder that is
// renamed into place only when complete: a killed build leaves nothing a later run loads.
//
// Before anything is built, the sources are linted (verilator --lint-only) and the top's
// ports are checked against the contract (verilator --xml-only): a missing port or a wrong
// width is one error naming the port, file and line.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "matmul/rtl_sim.h"
#include "matmul/tile.h"

namespace decodesim::matmul {

/// A SystemVerilog design of the matmul core.
struct RtlDesign {
  std::vector<std::string> sources;                  ///< .sv/.v files, absolute paths
  std::string top = "systolic_array";                ///< top module
  std::map<std::string, std::int64_t> parameters;    ///< extra -G overrides (Rows/Cols/WeightBuffers come from the geometry)
  std::string where = "matmul.rtl.sources";          ///< the option or key that named it (for errors)

  bool empty() const { return sources.empty(); }
};

/// rtl/ of this installation (DECODESIM_HOME or the source tree): our own array.
RtlDesign builtin_rtl_design();

/// Lints `d` and checks its top's ports against the contract at `g`. Throws
/// config::InputError (exit 2) naming the first offending port, or the lint error.
void check_rtl_contract(const RtlDesign& d, const ArrayGeometry& g);

/// Where cached models live (see the header comment).
std::string rtl_cache_dir();

/// The shared object of `d` at `g` (traced: with FST tracing compiled in), built into the
/// cache first when missing, with a progress line on `progress`. Throws config::InputError
/// (exit 2) when verilator or a C++ compiler is missing or the design breaks the contract,
/// std::runtime_error when the build itself fails (with the tool's output).
std::string ensure_rtl_model(const RtlDesign& d, const ArrayGeometry& g, bool traced, std::ostream& progress);

/// The SystemC-mode shared object of `d` at `g` (rows == cols) for impl: rtl_sc: Verilated with
/// --sc, compiled with sc_array.h's in-kernel twin behind one C entry point, and linked against
/// the libsystemc this process has loaded, so the array joins this process's kernel. Cached and
/// built like ensure_rtl_model, under a key that also holds the mode, the SystemC headers'
/// version and that library's path. Throws config::InputError (exit 2) when verilator, a C++
/// compiler or the SystemC headers are missing, or SystemC is not a shared library here.
/// Load it with load_rtl_sc_twin (rtl_sc_core.h).
std::string ensure_rtl_sc_model(const RtlDesign& d, const ArrayGeometry& g, std::ostream& progress);

/// Builds killed midway leave a <stem>.tmp-XXXXXX folder in the cache. Removes those of `cache`
/// whose builder is gone (its owner file names this host and a pid that no longer runs) or that
/// nothing has touched for `max_age` (another host's, or without an owner file); a build still
/// running in another process keeps its folder. Returns how many it removed. ensure_rtl_model
/// and ensure_rtl_sc_model call it once per process before their first lookup.
inline constexpr std::chrono::hours kStaleBuildAge{24};
std::size_t clean_stale_rtl_builds(const std::string& cache, std::chrono::seconds max_age = kStaleBuildAge);

/// Opens a model's shared object (it stays loaded for the process's life), checks that its
/// `abi_symbol` returns `abi`, and returns the address of `make_symbol`. Throws
/// std::runtime_error naming `what` when it cannot be loaded or was built for another decodesim.
void* open_rtl_model_entry(const std::string& so_path, const char* abi_symbol, int abi, const char* make_symbol,
                           const std::string& what);

/// Loads a shared object made by ensure_rtl_model. It stays loaded for the process's life.
std::unique_ptr<RtlSim> load_rtl_model(const std::string& so_path, const ArrayGeometry& g,
                                       const std::string& wave_path);

}  // namespace decodesim::matmul
