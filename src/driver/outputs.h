// Output paths: checked before any work starts, written all-or-nothing after it ends.
//
// Every verb that writes (run --out/--trace, validate-rtl --wave, sweep --out/--emit-slurm,
// sweep-merge --out, sweep-report --plot) checks its paths first, so a bad path costs a
// one-line error (exit 2) instead of a finished simulation thrown away. Outputs never replace
// an input file or anything that is not a regular file (a device node, a FIFO).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/config/error.h"

namespace decodesim::driver {

enum class OutKind { File, Dir };

/// Throws InputError at `flag` unless `path` can be written as `kind`: no control characters;
/// an existing path is a regular file (File) or a folder (Dir) and is none of `inputs`; the
/// folder that will hold it exists (for Dir: its nearest existing ancestor) and accepts a new
/// file (probed with mkstemp, which also catches /proc and read-only mounts, even for root).
void check_output(const std::string& path, const std::string& flag, OutKind kind,
                  const std::vector<std::string>& inputs = {});

/// Throws InputError at `flag` if `text` holds a control character (a newline in a name or a
/// path would start a new line in a generated script).
void check_printable(const std::string& text, const std::string& flag, const std::string& key = {});

/// A set of output files that appears whole or not at all. Contents are staged next to their
/// targets under mkstemp/mkdtemp names; commit() renames them into place, the folder's files
/// with one rename of the staged folder (or an atomic exchange with a folder that holds only
/// this set's files). A failure before commit, or a destroyed uncommitted set, removes every
/// staged file, so nothing of a failed run is left behind.
class OutputSet {
 public:
  OutputSet() = default;
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;
  ~OutputSet();

  /// Stages `files` (name, text) to appear together in folder `dir`.
  void stage_dir(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files);
  /// Stages one file at `path`.
  void stage_file(const std::string& path, const std::string& text);
  /// Moves everything staged into place. Throws std::runtime_error (with errno's text).
  void commit();

 private:
  struct Staged {
    std::string staged, target;
    bool is_dir = false;
    std::vector<std::string> names;  ///< is_dir: the files inside
  };
  void discard() noexcept;
  std::vector<Staged> m_items;
};

}  // namespace decodesim::driver
