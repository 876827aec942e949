#include "common/config/schema.h"

#include <filesystem>

#include <algorithm>
#include <cstdio>
#include <iomanip>

namespace decodesim::config {

SourceLoc loc_of(const Node* section, const std::string& key) {
  if (!section) return SourceLoc{"<defaults>", 0, 0};
  if (const Node* n = section->find(key)) return n->loc;
  return section->loc;
}

void fail_at(const Node* section, const std::string& section_path, const std::string& key,
             const std::string& what, const std::string& got, const std::string& allowed) {
  throw InputError(loc_of(section, key), detail::join_path(section_path, key), what, got, allowed);
}

namespace detail {
std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}
std::string join_path(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }
std::string resolve_beside(const std::string& p, const std::string& file) {
  namespace fs = std::filesystem;
  const fs::path path(p);
  if (path.is_absolute()) return p;
  // --set values and tests carry a pseudo file name such as "--set"; they resolve from the
  // working directory.
  const fs::path base = fs::path(file).parent_path();
  const bool real_file = !file.empty() && file[0] != '-' && file[0] != '<';
  return fs::absolute(real_file ? base / path : path).lexically_normal().string();
}
}  // namespace detail

void print_params(std::ostream& os, const std::vector<ParamInfo>& rows) {
  std::size_t wk = 3, wt = 4, wu = 4, wd = 7;
  for (const auto& r : rows) {
    wk = std::max(wk, r.key.size());
    wt = std::max(wt, r.type.size());
    wu = std::max(wu, r.unit.size());
    wd = std::max(wd, r.default_value.size());
  }
  os << std::left << std::setw(wk + 2) << "key" << std::setw(wt + 2) << "type" << std::setw(wu + 2) << "unit"
     << std::setw(wd + 2) << "default" << "description (allowed)\n";
  for (const auto& r : rows)
    os << std::left << std::setw(wk + 2) << r.key << std::setw(wt + 2) << r.type << std::setw(wu + 2) << r.unit
       << std::setw(wd + 2) << r.default_value << r.description << " (" << r.allowed << ")\n";
}

void print_params_markdown(std::ostream& os, const std::vector<ParamInfo>& rows) {
  // Enum choices are written "a | b": escape the bar or it splits the table cell.
  auto cell = [](std::string s) {
    for (std::size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
    return s;
  };
  os << "| key | type | unit | default | allowed | description |\n|---|---|---|---|---|---|\n";
  for (const auto& r : rows)
    os << "| `" << r.key << "` | " << r.type << " | " << r.unit << " | " << cell(r.default_value) << " | "
       << cell(r.allowed) << " | " << cell(r.description) << " |\n";
}

}  // namespace decodesim::config
