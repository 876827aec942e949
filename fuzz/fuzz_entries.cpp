#include "fuzz_entries.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/config/error.h"
#include "driver/commands.h"
#include "sweep/sweep_spec.h"
#include "system/system_config.h"

namespace decodesim::fuzz {
namespace {
namespace fs = std::filesystem;

/// A private folder laid out like configs/ (systems/ beside a link to the shipped components/),
/// made once per process and removed at exit.
const fs::path& scratch() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "decodesim-fuzz-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    const fs::path d = tmpl;
    fs::create_directories(d / "systems");
    fs::create_directory_symlink(fs::path(DECODESIM_SOURCE_DIR) / "configs" / "components", d / "components");
    std::atexit([] { std::error_code ec; fs::remove_all(scratch(), ec); });
    return d;
  }();
  return dir;
}

std::string write(const std::string& text, const std::string& rel) {
  const fs::path p = scratch() / rel;
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  return p.string();
}

const driver::Paths& paths() {
  static const driver::Paths p = driver::Paths::from_env();
  return p;
}

}  // namespace

void config_loader(const std::string& text) {
  const std::string file = write(text, "systems/fuzz.yaml");
  try {
    (void)system::load_system(file, paths().configs_dir, {});
  } catch (const config::InputError&) {
  }
}

void sweep_spec(const std::string& text) {
  const std::string file = write(text, "spec.yaml");
  try {
    (void)sweep::load_plan(file, paths());
  } catch (const config::InputError&) {
  }
}

}  // namespace decodesim::fuzz
