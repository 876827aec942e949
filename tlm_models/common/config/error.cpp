#include "common/config/error.h"

namespace decodesim::config {

std::string SourceLoc::str() const {
  if (file.empty()) return "<input>";
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

static std::string compose(const SourceLoc& loc, const std::string& key_path, const std::string& what,
                           const std::string& got, const std::string& allowed) {
  std::string m = loc.str() + ": ";
  if (!key_path.empty()) m += key_path + ": ";
  m += what;
  if (!got.empty()) m += ", got " + got;
  if (!allowed.empty()) m += ", allowed " + allowed;
  return m;
}

InputError::InputError(const SourceLoc& loc, const std::string& key_path, const std::string& what,
                       const std::string& got, const std::string& allowed)
    : std::runtime_error(compose(loc, key_path, what, got, allowed)) {}

}  // namespace decodesim::config
