#include "common/config/node.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace decodesim::config {
namespace fs = std::filesystem;

const Node* Node::find(const std::string& key) const {
  for (const auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}

Node* Node::find(const std::string& key) {
  for (auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}

Node& Node::child(const std::string& key, const SourceLoc& at) {
  if (Node* n = find(key)) return *n;
  Node n;
  n.kind = Kind::Map;
  n.loc = at;
  n.path = path.empty() ? key : path + "." + key;
  map.emplace_back(key, std::move(n));
  return map.back().second;
}

std::string Node::render() const {
  std::string s;
  switch (kind) {
    case Kind::Null: return "null";
    case Kind::Scalar: s = "'" + scalar + "'"; break;
    case Kind::Sequence: s = "a sequence of " + std::to_string(items.size()); break;
    case Kind::Map: s = "a map"; break;
  }
  // A value from a file is echoed as a short prefix only: an include of a secret file must not
  // print it.
  if (s.size() > 40) s = s.substr(0, 37) + "...'";
  return s;
}

namespace {

struct Converter {
  const LoadLimits& limits;
  std::string file;
  std::size_t nodes = 0;

  SourceLoc at(const YAML::Mark& m) const { return {file, m.line + 1, m.column + 1}; }

  Node convert(const YAML::Node& y, int depth) {
    if (++nodes > limits.max_nodes)
      throw InputError(at(y.Mark()), "", "document too large",
                       "more than " + std::to_string(limits.max_nodes) + " nodes");
    if (depth > limits.max_depth)
      throw InputError(at(y.Mark()), "", "nesting too deep",
                       "depth " + std::to_string(depth), "at most " + std::to_string(limits.max_depth));
    Node n;
    n.loc = at(y.Mark());
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        n.kind = Node::Kind::Null;
        break;
      case YAML::NodeType::Scalar:
        n.kind = Node::Kind::Scalar;
        n.scalar = y.Scalar();
        break;
      case YAML::NodeType::Sequence:
        n.kind = Node::Kind::Sequence;
        for (const auto& item : y) n.items.push_back(convert(item, depth + 1));
        break;
      case YAML::NodeType::Map:
        n.kind = Node::Kind::Map;
        for (const auto& kv : y) {
          if (!kv.first.IsScalar())
            throw InputError(at(kv.first.Mark()), "", "map keys must be plain strings");
          const std::string key = kv.first.Scalar();
          if (n.find(key))
            throw InputError(at(kv.first.Mark()), key, "duplicate key");
          Node child = convert(kv.second, depth + 1);
          // Keys locate better than values (a null value has no useful mark).
          if (child.is_null()) child.loc = at(kv.first.Mark());
          n.map.emplace_back(key, std::move(child));
        }
        break;
    }
    return n;
  }
};

/// Flow-style nesting ([ and {) is checked before yaml-cpp sees the text, so a deep document
/// gets the same located "nesting too deep" as a deep block one (Converter) instead of a parse
/// that recurses per level. Only a bracket that opens a flow collection counts: one inside a
/// quoted scalar, a plain scalar ("x[[["), a block scalar (| or >) or a comment is text.
/// In block context a flow collection can only begin where a node begins (line start, after
/// "- ", "? ", ": ", an anchor or a tag); inside one, every bracket outside quotes is an
/// indicator (a plain scalar there cannot contain one).
/// This scan is a courtesy, not the safety net: yaml-cpp bounds its own recursion (DepthGuard,
/// 2000 levels, caught below) and Converter enforces max_depth on every parsed node, so a
/// construct this scan misreads (a continuation line of a multi-line plain scalar that begins
/// with '[') can only change which of the two errors is reported.
void check_flow_depth(const std::string& text, const std::string& name, const LoadLimits& limits) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  int flow = 0, line = 1, col = 0;
  char quote = 0;           // the open quote character, or 0
  bool node_start = true;   // block context: the next non-blank character begins a node
  bool line_start = true;   // only indentation so far on this line
  int indent = 0;           // this line's indentation
  int block_scalar = -1;    // inside a | or > scalar: the indentation of the line that opened it
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++col;
    const char next = i + 1 < text.size() ? text[i + 1] : '\n';
    if (c == '\n') {
      ++line, col = 0, indent = 0;
      line_start = !quote;  // a quoted scalar's continuation line has no indentation to read
      if (!quote && flow == 0) node_start = true;
      continue;
    }
    if (quote == '\'') {
      if (c == '\'') {
        if (next == '\'') ++i, ++col;  // '' is an escaped quote
        else quote = 0;
      }
      continue;
    }
    if (quote == '"') {
      if (c == '\\') ++i, ++col;  // \" and \\ are escapes
      else if (c == '"') quote = 0;
      continue;
    }
    if (line_start) {
      if (c == ' ') {
        ++indent;
        continue;
      }
      line_start = false;
      if (block_scalar >= 0) {
        if (c != '\r' && c != '\t' && indent <= block_scalar) block_scalar = -1;  // dedent ends it
        else {
          while (i + 1 < text.size() && text[i + 1] != '\n') ++i;  // the line is the scalar's text
          continue;
        }
      }
    }
    if (blank(c)) continue;
    if (c == '#' && (col == 1 || blank(text[i - 1]))) {  // a comment runs to the end of the line
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (flow > 0) {
      if (c == '[' || c == '{') {
        if (++flow > limits.max_depth)
          throw InputError(SourceLoc{name, line, col}, "", "nesting too deep",
                           "depth " + std::to_string(flow), "at most " + std::to_string(limits.max_depth));
      } else if (c == ']' || c == '}') {
        if (--flow == 0) node_start = false;
      } else if ((c == '\'' || c == '"') && std::strchr(" \t\n[{,:", text[i - 1])) {
        quote = c;  // a quote opens a scalar only where a scalar can start
      }
      continue;
    }
    // Block context.
    if (node_start) {
      if (c == '[' || c == '{') {
        flow = 1;
        if (flow > limits.max_depth)  // max_depth 0: no flow collection at all
          throw InputError(SourceLoc{name, line, col}, "", "nesting too deep", "depth 1", "at most 0");
        continue;
      }
      if ((c == '-' || c == '?' || c == ':') && blank(next)) continue;  // still at a node's start
      if (c == '-' && text.compare(i, 3, "---") == 0 && col == 1 && (i + 3 >= text.size() || blank(text[i + 3]))) {
        i += 2, col += 2;  // document start marker
        continue;
      }
      if (c == '&' || c == '!') {  // an anchor or a tag precedes the node it names
        while (i + 1 < text.size() && !blank(text[i + 1])) ++i, ++col;
        continue;
      }
      if (c == '|' || c == '>') {  // a block scalar: the more indented lines below are its text
        block_scalar = indent;
        while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
        continue;
      }
      node_start = false;
      if (c == '\'' || c == '"') quote = c;
      continue;
    }
    if (c == ':' && blank(next)) node_start = true;  // a mapping value follows
  }
}

/// Counts documents and remembers where the second begins; the nodes themselves are built by
/// YAML::Load once the file is known to hold one document.
struct DocumentCounter : YAML::EventHandler {
  int documents = 0;
  YAML::Mark second;  // the second document's first node (where its text begins), else its start
  bool located = false;
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents == 2) second = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { node(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& m) {
    if (documents == 2 && !located) second = m, located = true;
  }
};

Node parse_text(const std::string& text, const std::string& name, const LoadLimits& limits,
                std::size_t* nodes_used) {
  check_flow_depth(text, name, limits);
  YAML::Node y;
  try {
    // Count the documents with the event parser and stop at the second one. YAML::LoadAll in
    // yaml-cpp 0.7 (Debian 12) loops for ever on some malformed inputs ("," or "!,"), adding a
    // null document per turn until memory runs out (jbeder/yaml-cpp#1040, fixed upstream by
    // PR #1319): found by fuzz_config_loader.
    DocumentCounter counter;
    {
      std::istringstream in(text);
      YAML::Parser parser(in);
      while (counter.documents < 2 && parser.HandleNextDocument(counter)) {
      }
    }
    if (counter.documents > 1)
      throw InputError(SourceLoc{name, counter.second.line + 1, counter.second.column + 1}, "",
                       "more than one YAML document", "a second document",
                       "one map per file (no second ---)");
    if (counter.documents == 1) y = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    throw InputError(SourceLoc{name, e.mark.line + 1, e.mark.column + 1}, "", "nesting too deep",
                     "more than yaml-cpp's own limit", "at most " + std::to_string(limits.max_depth));
  } catch (const YAML::Exception& e) {
    throw InputError(SourceLoc{name, e.mark.line + 1, e.mark.column + 1}, "",
                     "malformed YAML: " + e.msg);
  }
  Converter conv{limits, name, nodes_used ? *nodes_used : 0};
  Node root = conv.convert(y, 0);
  if (nodes_used) *nodes_used = conv.nodes;
  if (root.is_null()) {
    root.kind = Node::Kind::Map;  // an empty file is an empty map
    root.loc = SourceLoc{name, 1, 1};
  }
  return root;
}

bool yaml_name(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml"; }

/// Reads a whole config file with read(2): a file system that reports size 0 (/proc) or fails
/// part-way (/proc/self/pagemap) is an error, never an empty document.
std::string read_file(const std::string& file, const LoadLimits& limits, const SourceLoc& from,
                      const std::string& key) {
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (!fs::exists(st))
    throw InputError(from, key, "file not found", "'" + file + "'", "an existing .yaml file");
  if (!fs::is_regular_file(st))
    throw InputError(from, key, "not a regular file", "'" + file + "'", "a .yaml or .yml file");
  if (!yaml_name(file))
    throw InputError(from, key, "not a YAML file name", "'" + file + "'", "a file named *.yaml or *.yml");
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    throw InputError(from, key, std::string("cannot read file (") + std::strerror(e) + ")", "'" + file + "'");
  }
  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      throw InputError(from, key, std::string("cannot read file (") + std::strerror(e) + ")", "'" + file + "'");
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > limits.max_file_bytes) {
      ::close(fd);
      throw InputError(SourceLoc{file, 0, 0}, "", "file too large", "more than " + std::to_string(limits.max_file_bytes) + " bytes",
                       "at most " + std::to_string(limits.max_file_bytes));
    }
  }
  ::close(fd);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError(SourceLoc{file, 1, 1}, "", "empty file", "", "a YAML map of sections");
  return text;
}

/// The first folder of include_search_path() holding `name`; an absolute name is itself.
std::string find_include(const std::string& name, const std::string& dir, const Node& at) {
  if (fs::path(name).is_absolute()) return name;
  const std::vector<std::string> dirs = include_search_path(dir);
  std::error_code ec;
  for (const auto& d : dirs) {
    const fs::path cand = (fs::path(d) / name).lexically_normal();
    if (fs::exists(cand, ec)) return cand.string();
  }
  std::string searched;
  for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d;
  throw InputError(at.loc, "include", "file not found", "'" + name + "'", "a file in one of: " + searched);
}

struct IncludeLoader {
  const LoadLimits& limits;
  std::vector<std::string> stack;  // canonical paths being loaded, for cycle detection
  std::size_t nodes = 0;

  Node load(const std::string& file, const SourceLoc& from, const std::string& key) {
    const std::string text = read_file(file, limits, from, key);
    std::error_code ec;
    const std::string canon = fs::weakly_canonical(file, ec).string();
    for (const auto& s : stack)
      if (s == canon)
        throw InputError(from, key, "include cycle", "'" + file + "' is already being included");
    if (static_cast<int>(stack.size()) > limits.max_include_depth)
      throw InputError(from, key, "includes nested too deep",
                       std::to_string(stack.size()), "at most " + std::to_string(limits.max_include_depth));
    stack.push_back(canon);
    Node doc = parse_text(text, file, limits, &nodes);
    if (!doc.is_map())
      throw InputError(SourceLoc{file, doc.loc.line, doc.loc.col}, "", "top level must be a map of sections",
                       doc.render(), "one YAML map (key: value lines)");

    if (doc.map.empty())
      throw InputError(SourceLoc{file, 1, 1}, "", "no keys in the file", "", "a YAML map of sections");

    Node result;
    result.kind = Node::Kind::Map;
    result.loc = doc.loc;
    if (const Node* inc = doc.find("include")) {
      std::vector<const Node*> paths;
      if (inc->is_scalar()) paths.push_back(inc);
      else if (inc->is_seq()) for (const auto& i : inc->items) paths.push_back(&i);
      else throw InputError(inc->loc, "include", "must be a path or a list of paths", inc->render());
      const std::string dir = fs::path(file).parent_path().string();
      for (const Node* p : paths) {
        if (!p->is_scalar() || p->scalar.empty())
          throw InputError(p->loc, "include", "must be a file path", p->render());
        merge(result, load(find_include(p->scalar, dir, *p), p->loc, "include"));
      }
    }
    Node own = doc;
    own.map.erase(std::remove_if(own.map.begin(), own.map.end(),
                                 [](const auto& kv) { return kv.first == "include"; }),
                  own.map.end());
    merge(result, own);
    stack.pop_back();
    return result;
  }
};

}  // namespace

void merge(Node& base, const Node& overlay) {
  if (base.is_map() && overlay.is_map()) {
    for (const auto& [k, v] : overlay.map) {
      if (Node* existing = base.find(k)) merge(*existing, v);
      else base.map.emplace_back(k, v);
    }
    return;
  }
  base = overlay;
}

Node load_string(const std::string& text, const std::string& name, const LoadLimits& limits) {
  if (text.size() > limits.max_file_bytes)
    throw InputError(SourceLoc{name, 0, 0}, "", "document too large", std::to_string(text.size()) + " bytes");
  Node n = parse_text(text, name, limits, nullptr);
  assign_paths(n);
  return n;
}

std::string home_dir() {
  if (const char* h = std::getenv("DECODESIM_HOME"); h && *h) return h;
  // An installed tree (`make install`: <prefix>/bin/decodesim beside <prefix>/share/decodesim)
  // wins over the source tree the binary was built from, so an installed copy never reads a
  // checkout that may since have moved on.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "decodesim";
    if (fs::is_directory(installed / "configs", ec)) return installed.string();
  }
  return DECODESIM_SOURCE_DIR;
}

std::vector<std::string> include_search_path(const std::string& including_dir) {
  std::vector<std::string> dirs{including_dir.empty() ? std::string(".") : including_dir};
  if (const char* p = std::getenv("DECODESIM_CONFIG_PATH"); p && *p) {
    std::string all = p;
    std::size_t start = 0;
    while (start <= all.size()) {
      const auto colon = all.find(':', start);
      const std::string d = all.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!d.empty()) dirs.push_back(d);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  dirs.push_back((fs::path(home_dir()) / "configs").string());
  return dirs;
}

Node load_file(const std::string& file, const LoadLimits& limits, const std::string& flag) {
  IncludeLoader loader{limits, {}, 0};
  Node n = loader.load(file, flag.empty() ? SourceLoc{"<command line>", 0, 0} : SourceLoc{flag, 1, 1}, "");
  assign_paths(n);
  return n;
}

void apply_set(Node& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  const SourceLoc whole{"--set", 1, 1};
  if (eq == std::string::npos || eq == 0)
    throw InputError(whole, "", "expected key.path=value", "'" + assignment + "'");
  const std::string key = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
  const SourceLoc value_loc{"--set", 1, static_cast<int>(eq) + 2};

  const LoadLimits limits;
  // The key's depth is bounded like a file's nesting: every later pass over the tree recurses.
  if (std::count(key.begin(), key.end(), '.') >= limits.max_depth)
    throw InputError(whole, "", "key nested too deep", "'" + key + "'",
                     "at most " + std::to_string(limits.max_depth) + " dot-separated parts");
  check_flow_depth(value, "--set", limits);
  Node* cur = &root;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty())
      throw InputError(SourceLoc{"--set", 1, static_cast<int>(start) + 1}, key, "empty key component");
    if (!cur->is_map())
      throw InputError(SourceLoc{"--set", 1, static_cast<int>(start) + 1}, key,
                       "cannot descend into a non-map value", cur->render());
    Node& next = cur->child(part, SourceLoc{"--set", 1, static_cast<int>(start) + 1});
    cur = &next;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  Node parsed;
  try {
    YAML::Node y = YAML::Load(value);
    Converter conv{limits, "--set", 0};
    parsed = conv.convert(y, 1);
  } catch (const YAML::Exception& e) {
    throw InputError(value_loc, key, "malformed value: " + e.msg, "'" + value + "'");
  }
  // Locate every part of the value at the value's column on the command line.
  std::vector<Node*> todo{&parsed};
  while (!todo.empty()) {
    Node* n = todo.back();
    todo.pop_back();
    n->loc = value_loc;
    for (auto& i : n->items) todo.push_back(&i);
    for (auto& kv : n->map) todo.push_back(&kv.second);
  }
  if (parsed.is_null()) { parsed.kind = Node::Kind::Scalar; parsed.scalar = value; }
  merge(*cur, parsed);
  assign_paths(root);
}

void assign_paths(Node& root, const std::string& prefix) {
  root.path = prefix;
  for (auto& [k, v] : root.map) assign_paths(v, prefix.empty() ? k : prefix + "." + k);
  for (std::size_t i = 0; i < root.items.size(); ++i)
    assign_paths(root.items[i], prefix + "[" + std::to_string(i) + "]");
}

}  // namespace decodesim::config
