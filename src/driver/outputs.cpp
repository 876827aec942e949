#include "driver/outputs.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace decodesim::driver {
namespace fs = std::filesystem;
using config::InputError;
using config::SourceLoc;

namespace {

[[noreturn]] void fail(const std::string& flag, const std::string& what, const std::string& path,
                       const std::string& allowed) {
  throw InputError(SourceLoc{flag, 1, 1}, "", what, "'" + path + "'", allowed);
}

/// Can a new file be created in `dir`? Asked of the file system itself: access(2) says yes
/// to root everywhere, /proc included.
bool accepts_new_file(const fs::path& dir, std::string* why) {
  std::string tmpl = (dir / ".decodesim-probe-XXXXXX").string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    *why = std::strerror(errno);
    return false;
  }
  ::close(fd);
  ::unlink(tmpl.c_str());
  return true;
}

std::string errno_text(const std::string& what, const std::string& path) {
  // Read errno first: anything called on the way (even a failed cleanup) may overwrite it.
  const int e = errno;
  return what + " " + path + ": " + std::strerror(e);
}

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(errno_text("cannot write", path));
    off += static_cast<std::size_t>(n);
  }
}

/// Writes `text` to a new mkstemp file "<dir>/.<name>.tmp.XXXXXX" and returns its path.
std::string write_temp(const fs::path& dir, const std::string& name, const std::string& text) {
  std::string tmpl = (dir / ("." + name + ".tmp.XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error(errno_text("cannot create a file in", dir.string()));
  try {
    write_all(fd, text, tmpl);
    if (::fchmod(fd, 0644) != 0) throw std::runtime_error(errno_text("cannot set the mode of", tmpl));
  } catch (...) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const std::string msg = errno_text("cannot write", tmpl);
    ::unlink(tmpl.c_str());
    throw std::runtime_error(msg);
  }
  return tmpl;
}

}  // namespace

void check_printable(const std::string& text, const std::string& flag, const std::string& key) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f)
      throw InputError(SourceLoc{flag, 1, static_cast<int>(i) + 1}, key, "control character in a name or path",
                       "'" + text + "'", "printable characters only");
  }
}

void check_output(const std::string& path, const std::string& flag, OutKind kind,
                  const std::vector<std::string>& inputs) {
  if (path.empty()) return;
  check_printable(path, flag);
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  const bool exists = fs::exists(st);
  if (exists) {
    if (kind == OutKind::Dir && !fs::is_directory(fs::status(path, ec)))
      fail(flag, "not a directory", path, "a folder (new or existing)");
    if (kind == OutKind::File && !fs::is_regular_file(fs::status(path, ec)))
      fail(flag, "not a regular file: refusing to write over it", path, "a new or regular file");
    for (const auto& in : inputs) {
      std::error_code eq;
      if (!in.empty() && fs::equivalent(path, in, eq))
        fail(flag, "is an input of this command: refusing to overwrite it", path, "a path that is not an input");
    }
  }
  // The folder the output goes into: it must exist for a file; a new output folder is created
  // with its parents, so its nearest existing ancestor must accept it.
  fs::path dir = kind == OutKind::Dir && exists ? fs::path(path) : fs::absolute(path, ec).parent_path();
  if (kind == OutKind::Dir)
    while (!dir.empty() && !fs::exists(dir, ec) && dir != dir.root_path()) dir = dir.parent_path();
  if (!fs::is_directory(dir, ec))
    fail(flag, "its folder does not exist", path, "a path in an existing, writable folder");
  std::string why;
  if (!accepts_new_file(dir, &why)) fail(flag, "cannot write into " + dir.string() + " (" + why + ")", path,
                                         "a path in an existing, writable folder");
}

OutputSet::~OutputSet() { discard(); }

void OutputSet::discard() noexcept {
  std::error_code ec;
  for (const auto& s : m_items) fs::remove_all(s.staged, ec);
  m_items.clear();
}

void OutputSet::stage_dir(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  try {
    const fs::path target = fs::absolute(dir).lexically_normal();
    const fs::path parent = target.parent_path();
    fs::create_directories(parent);
    std::string tmpl = (parent / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error(errno_text("cannot create a folder in", parent.string()));
    Staged s{tmpl, target.string(), true, {}};
    m_items.push_back(s);
    ::chmod(tmpl.c_str(), 0755);
    for (const auto& [name, text] : files) {
      const std::string t = write_temp(tmpl, name, text);
      if (::rename(t.c_str(), (fs::path(tmpl) / name).c_str()) != 0)
        throw std::runtime_error(errno_text("cannot rename into", tmpl));
      m_items.back().names.push_back(name);
    }
  } catch (...) {
    discard();
    throw;
  }
}

void OutputSet::stage_file(const std::string& path, const std::string& text) {
  try {
    const fs::path target = fs::absolute(path).lexically_normal();
    m_items.push_back({write_temp(target.parent_path(), target.filename().string(), text), target.string(), false, {}});
  } catch (...) {
    discard();
    throw;
  }
}

void OutputSet::commit() {
  // Files first, the folder last; a failure takes back the files already moved, so a failed
  // commit leaves none of the set (a file it replaced is gone either way).
  std::stable_partition(m_items.begin(), m_items.end(), [](const Staged& s) { return !s.is_dir; });
  std::vector<std::string> done;
  try {
    for (auto it = m_items.begin(); it != m_items.end();) {
      const Staged& s = *it;
      std::error_code ec;
      if (!s.is_dir || !fs::exists(s.target, ec)) {
        if (::rename(s.staged.c_str(), s.target.c_str()) != 0)
          throw std::runtime_error(errno_text("cannot rename into", s.target));
        if (!s.is_dir) done.push_back(s.target);
      } else {
        // An existing folder holding only this set's files (a rerun) is swapped whole;
        // one with other files of the user's gets ours file by file, the last name last.
        bool only_ours = true;
        for (const auto& e : fs::directory_iterator(s.target, ec)) {
          bool ours = false;
          for (const auto& n : s.names) ours = ours || e.path().filename() == n;
          only_ours = only_ours && ours;
        }
        if (!only_ours || ::renameat2(AT_FDCWD, s.staged.c_str(), AT_FDCWD, s.target.c_str(), RENAME_EXCHANGE) != 0) {
          for (const auto& n : s.names)
            if (::rename((fs::path(s.staged) / n).c_str(), (fs::path(s.target) / n).c_str()) != 0)
              throw std::runtime_error(errno_text("cannot rename into", s.target));
        }
        fs::remove_all(s.staged, ec);
      }
      it = m_items.erase(it);
    }
  } catch (...) {
    for (const auto& f : done) ::unlink(f.c_str());
    discard();
    throw;
  }
}

}  // namespace decodesim::driver
