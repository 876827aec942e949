// A YAML document as a tree that remembers where every value came from.
//
// yaml-cpp marks carry line/column but not the file, and includes merge several files
// into one tree, so each Node records its own SourceLoc. Nodes also record whether a
// schema consumed them, which is how unknown keys become errors.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/config/error.h"

namespace decodesim::config {

class Node {
 public:
  enum class Kind { Null, Scalar, Sequence, Map };

  Kind kind = Kind::Null;
  std::string scalar;                              ///< Kind::Scalar
  std::vector<Node> items;                         ///< Kind::Sequence
  std::vector<std::pair<std::string, Node>> map;   ///< Kind::Map, in document order
  SourceLoc loc;                                   ///< where the value starts
  std::string path;                                ///< dotted key path from the root

  bool is_map() const { return kind == Kind::Map; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_seq() const { return kind == Kind::Sequence; }
  bool is_null() const { return kind == Kind::Null; }

  const Node* find(const std::string& key) const;
  Node* find(const std::string& key);
  /// Returns the child, creating an empty map child (located at `loc`) if absent.
  Node& child(const std::string& key, const SourceLoc& loc);

  /// Human-readable rendering of the value for "got X" in errors (clipped).
  std::string render() const;
};

/// Bounds that keep a hostile document from hanging or exhausting the process.
struct LoadLimits {
  std::size_t max_file_bytes = 1 << 20;  ///< one config file
  int max_depth = 32;                    ///< nesting of maps/sequences
  int max_include_depth = 8;
  std::size_t max_nodes = 100000;        ///< over all files of one load
};

/// Where the shipped configs/ and workloads/ live: $DECODESIM_HOME, else the source tree this
/// binary was built from.
std::string home_dir();

/// Folders searched, in order, for a relative include written in a file in `including_dir`:
/// that folder, then each folder of $DECODESIM_CONFIG_PATH (colon-separated), then
/// <home>/configs. So a system file copied elsewhere still finds `components/hbm2e.yaml`.
std::vector<std::string> include_search_path(const std::string& including_dir);

/// Loads `file`, resolving `include:` (a path or list of paths, searched as above)
/// depth-first: included documents merge in order, then the including file's own keys merge
/// on top. Maps merge key by key; scalars and sequences replace. Every file must be a
/// regular .yaml/.yml file holding one YAML mapping. Throws InputError on I/O errors
/// (located at `flag` for the top file), YAML syntax errors, include cycles and limit breaches.
Node load_file(const std::string& file, const LoadLimits& limits = {}, const std::string& flag = {});

/// Parses YAML text (for tests and --set values). `name` stands in for the file name.
Node load_string(const std::string& text, const std::string& name, const LoadLimits& limits = {});

/// Merges `overlay` into `base` (see load_file), re-rooting paths.
void merge(Node& base, const Node& overlay);

/// Applies "a.b.c=value" to root. The value is parsed as a YAML scalar or flow collection.
/// Errors name "--set" and the column of the offending part of `assignment`.
void apply_set(Node& root, const std::string& assignment);

/// Recomputes Node::path for root and all descendants.
void assign_paths(Node& root, const std::string& prefix = {});

}  // namespace decodesim::config
