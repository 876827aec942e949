#include "common/config/error.h"

#include <cstdio>
#include <filesystem>

namespace decodesim::config {

namespace {
/// `file` as the user would type it from where they are: relative to the working directory when
/// it lies below it (a shipped config resolves to an absolute path under the install), as given
/// otherwise.
std::string shown_path(const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(file);
  if (!p.is_absolute()) return file;
  const fs::path rel = p.lexically_relative(fs::current_path(ec));
  if (ec || rel.empty() || *rel.begin() == "..") return file;
  return rel.string();
}
}  // namespace

std::string SourceLoc::str() const {
  if (file.empty()) return "<input>";
  const std::string f = shown_path(file);
  if (line == 0) return f;
  return f + ":" + std::to_string(line) + ":" + std::to_string(col);
}

/// What an error echoes from the input: printable, and short. A hostile file (an include of
/// /etc/shadow) must not have its contents printed, and a control character must not break
/// the one-line contract.
std::string echo(const std::string& text, std::size_t max_chars) {
  std::string s;
  for (const char c : text) {
    if (s.size() >= max_chars) {
      s += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      s += buf;
    } else {
      s += c;
    }
  }
  return s;
}

static std::string compose(const SourceLoc& loc, const std::string& key_path, const std::string& what,
                           const std::string& got, const std::string& allowed) {
  std::string m = loc.str() + ": ";
  if (!key_path.empty()) m += key_path + ": ";
  m += what;
  if (!got.empty()) m += ", got " + echo(got, kMaxEcho);
  if (!allowed.empty()) m += ", allowed " + allowed;
  return m;
}

InputError::InputError(const SourceLoc& loc, const std::string& key_path, const std::string& what,
                       const std::string& got, const std::string& allowed)
    : std::runtime_error(compose(loc, key_path, what, got, allowed)) {}

}  // namespace decodesim::config
