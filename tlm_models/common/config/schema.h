// Typed parameter tables: each config key is declared exactly once, with its type, unit,
// default, allowed range and a one-line description. The same declaration parses YAML,
// checks ranges, rejects unknown keys, prints `decodesim config explain`, and dumps the
// resolved value into result.json.
//
//   const Schema<HbmConfig>& HbmConfig::schema() {
//     static const Schema<HbmConfig> s = Schema<HbmConfig>("HBM geometry and timing")
//       .num("stacks", &HbmConfig::stacks, "count", 2u, 1u, 16u, "HBM stacks on the package")
//       .num("tRCD_ns", &HbmConfig::trcd_ns, "ns", 14.0, 1.0, 100.0, "ACT to column command");
//     return s;
//   }
//
// Cross-field rules live in the struct's own validate(const Node*) and use fail_at().
#pragma once

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <limits>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/config/node.h"

namespace decodesim::config {

/// One row of `config explain`.
struct ParamInfo {
  std::string key;      ///< full dotted path
  std::string type;     ///< int, float, bool, string, enum, list
  std::string unit;
  std::string default_value;
  std::string allowed;
  std::string description;
};

enum class Check { None, PowerOfTwo };

/// Location of `key` inside `section` (or of the section itself), for cross-field errors.
SourceLoc loc_of(const Node* section, const std::string& key);
/// Throws InputError located at `key` in `section`.
[[noreturn]] void fail_at(const Node* section, const std::string& section_path, const std::string& key,
                          const std::string& what, const std::string& got, const std::string& allowed);

namespace detail {
std::string format_number(double v);
std::string join_path(const std::string& a, const std::string& b);
/// `p` if absolute (or `file` unknown), else `p` beside `file`, made absolute.
std::string resolve_beside(const std::string& p, const std::string& file);

template <class V>
V parse_number(const Node& n, const std::string& path, const std::string& allowed) {
  if (!n.is_scalar()) throw InputError(n.loc, path, "expected a number", n.render(), allowed);
  const std::string& s = n.scalar;
  if constexpr (std::is_integral_v<V>) {
    // Integers are read as integers: "4294967297.0" for a 32-bit key must not wrap into range.
    // Exponent form (1e9) is accepted when the digits before it are whole and the value is exact,
    // since sizes read better that way; a fraction point never is.
    auto out_of_range = [&] { return InputError(n.loc, path, "integer out of range", "'" + s + "'", allowed); };
    auto fits = [](auto v) {
      if constexpr (std::is_signed_v<V>)
        return v >= static_cast<long long>(std::numeric_limits<V>::min()) &&
               v <= static_cast<long long>(std::numeric_limits<V>::max());
      else
        return v >= 0 && static_cast<unsigned long long>(v) <= static_cast<unsigned long long>(std::numeric_limits<V>::max());
    };
    const char* b = s.data();
    const char* e = s.data() + s.size();
    if (b != e && *b == '+') ++b;
    long long v = 0;
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec == std::errc::result_out_of_range) {
      unsigned long long u = 0;
      auto [pu, ecu] = std::from_chars(b, e, u);
      if (ecu == std::errc() && pu == e && !std::is_signed_v<V> &&
          u <= static_cast<unsigned long long>(std::numeric_limits<V>::max()))
        return static_cast<V>(u);
      throw out_of_range();
    }
    if (ec == std::errc() && p == e) {
      if (!fits(v)) throw out_of_range();
      return static_cast<V>(v);
    }
    if (ec == std::errc() && (*p == 'e' || *p == 'E')) {
      int exp = 0;
      const char* q = p + 1;
      if (q != e && *q == '+') ++q;
      auto [pe, ece] = std::from_chars(q, e, exp);
      if (ece == std::errc() && pe == e && exp >= 0) {
        if (exp > 18) throw out_of_range();
        long long scaled = v;
        for (int i = 0; i < exp; ++i) {
          if (scaled > std::numeric_limits<long long>::max() / 10 || scaled < std::numeric_limits<long long>::min() / 10)
            throw out_of_range();
          scaled *= 10;
        }
        if (!fits(scaled)) throw out_of_range();
        return static_cast<V>(scaled);
      }
    }
    throw InputError(n.loc, path, "expected an integer", "'" + s + "'", allowed);
  } else {
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d))
      throw InputError(n.loc, path, "expected a number", "'" + s + "'", allowed);
    return static_cast<V>(d);
  }
}

template <class V>
std::string to_text(V v) {
  if constexpr (std::is_integral_v<V>) return std::to_string(v);
  else return format_number(static_cast<double>(v));
}
}  // namespace detail

template <class T>
class Schema {
 public:
  explicit Schema(std::string description) : m_description(std::move(description)) {}

  const std::string& description() const { return m_description; }

  /// Integer or floating-point key with inclusive range [lo, hi].
  template <class V>
  Schema&& num(const char* key, V T::*member, const char* unit, V def, V lo, V hi, const char* desc,
               Check check = Check::None) && {
    std::string allowed = "[" + detail::to_text(lo) + ", " + detail::to_text(hi) + "]";
    if (check == Check::PowerOfTwo) allowed = "a power of two in " + allowed;
    Entry e;
    e.info = {key, std::is_integral_v<V> ? "int" : "float", unit, detail::to_text(def), allowed, desc};
    e.read = [=](const Node* n, const std::string& path, T& out) {
      if (!n) { out.*member = def; return; }
      const V v = detail::parse_number<V>(*n, path, allowed);
      const bool pow2_ok = check != Check::PowerOfTwo || (v > 0 && (static_cast<unsigned long long>(v) &
                                                                     (static_cast<unsigned long long>(v) - 1)) == 0);
      if (v < lo || v > hi || !pow2_ok)
        throw InputError(n->loc, path, check == Check::PowerOfTwo ? "must be a power of two in range"
                                                                  : "value out of range",
                         detail::to_text(v), allowed);
      out.*member = v;
    };
    e.dump = [=](const T& in, nlohmann::json& j) { j[key] = in.*member; };
    m_entries.push_back(std::move(e));
    return std::move(*this);
  }

  Schema&& flag(const char* key, bool T::*member, bool def, const char* desc) && {
    Entry e;
    e.info = {key, "bool", "-", def ? "true" : "false", "true | false", desc};
    e.read = [=](const Node* n, const std::string& path, T& out) {
      if (!n) { out.*member = def; return; }
      if (n->is_scalar() && (n->scalar == "true" || n->scalar == "false")) {
        out.*member = n->scalar == "true";
        return;
      }
      throw InputError(n->loc, path, "expected a boolean", n->render(), "true | false");
    };
    e.dump = [=](const T& in, nlohmann::json& j) { j[key] = in.*member; };
    m_entries.push_back(std::move(e));
    return std::move(*this);
  }

  Schema&& text(const char* key, std::string T::*member, std::string def, const char* desc) && {
    Entry e;
    e.info = {key, "string", "-", def.empty() ? "\"\"" : def, "any text", desc};
    e.read = [=](const Node* n, const std::string& path, T& out) {
      if (!n) { out.*member = def; return; }
      if (!n->is_scalar()) throw InputError(n->loc, path, "expected a string", n->render());
      out.*member = n->scalar;
    };
    e.dump = [=](const T& in, nlohmann::json& j) { j[key] = in.*member; };
    m_entries.push_back(std::move(e));
    return std::move(*this);
  }

  template <class E>
  Schema&& choice(const char* key, E T::*member, std::vector<std::pair<std::string, E>> options, E def,
                  const char* desc) && {
    std::string allowed, def_name;
    for (const auto& [name, value] : options) {
      allowed += (allowed.empty() ? "" : " | ") + name;
      if (value == def) def_name = name;
    }
    Entry e;
    e.info = {key, "enum", "-", def_name, allowed, desc};
    e.read = [=](const Node* n, const std::string& path, T& out) {
      if (!n) { out.*member = def; return; }
      if (n->is_scalar())
        for (const auto& [name, value] : options)
          if (n->scalar == name) { out.*member = value; return; }
      throw InputError(n->loc, path, "unknown choice", n->render(), allowed);
    };
    e.dump = [=](const T& in, nlohmann::json& j) {
      for (const auto& [name, value] : options)
        if (value == in.*member) j[key] = name;
    };
    m_entries.push_back(std::move(e));
    return std::move(*this);
  }

  /// A list of integers, e.g. a torus's dimensions.
  template <class V>
  Schema&& list(const char* key, std::vector<V> T::*member, const char* unit, std::vector<V> def, V lo, V hi,
                std::size_t max_len, const char* desc) && {
    std::string d = "[";
    for (std::size_t i = 0; i < def.size(); ++i) d += (i ? ", " : "") + detail::to_text(def[i]);
    d += "]";
    const std::string allowed = "up to " + std::to_string(max_len) + " values in [" + detail::to_text(lo) +
                                ", " + detail::to_text(hi) + "]";
    Entry e;
    e.info = {key, "list", unit, d, allowed, desc};
    e.read = [=](const Node* n, const std::string& path, T& out) {
      if (!n) { out.*member = def; return; }
      if (!n->is_seq() || n->items.size() > max_len)
        throw InputError(n->loc, path, "expected a list", n->render(), allowed);
      std::vector<V> v;
      for (const auto& item : n->items) {
        const V x = detail::parse_number<V>(item, path, allowed);
        if (x < lo || x > hi) throw InputError(item.loc, path, "value out of range", detail::to_text(x), allowed);
        v.push_back(x);
      }
      out.*member = v;
    };
    e.dump = [=](const T& in, nlohmann::json& j) { j[key] = in.*member; };
    m_entries.push_back(std::move(e));
    return std::move(*this);
  }

  /// A list of file paths; a relative path is resolved against the folder of the file that
  /// wrote it (so a config copied with its sources keeps working).
  Schema&& paths(const char* key, std::vector<std::string> T::*member, std::size_t max_len, const char* desc) && {
    const std::string allowed = "up to " + std::to_string(max_len) + " file paths";
    Entry e;
    e.info = {key, "list", "path", "[]", allowed, desc};
    e.read = [=](const Node* n, const std::string& path, T& out) {
      if (!n) { out.*member = {}; return; }
      if (!n->is_seq() || n->items.size() > max_len)
        throw InputError(n->loc, path, "expected a list of file paths", n->render(), allowed);
      std::vector<std::string> v;
      for (const auto& item : n->items) {
        if (!item.is_scalar() || item.scalar.empty())
          throw InputError(item.loc, path, "expected a file path", item.render(), allowed);
        v.push_back(detail::resolve_beside(item.scalar, item.loc.file));
      }
      out.*member = v;
    };
    e.dump = [=](const T& in, nlohmann::json& j) { j[key] = in.*member; };
    m_entries.push_back(std::move(e));
    return std::move(*this);
  }

  /// A map from names to integers (e.g. an RTL module's parameter overrides).
  Schema&& int_map(const char* key, std::map<std::string, std::int64_t> T::*member, const char* desc) && {
    const std::string allowed = "a map of NAME: integer";
    Entry e;
    e.info = {key, "map", "-", "{}", allowed, desc};
    e.read = [=](const Node* n, const std::string& path, T& out) {
      if (!n || n->is_null()) { out.*member = {}; return; }
      if (!n->is_map()) throw InputError(n->loc, path, "expected a map", n->render(), allowed);
      std::map<std::string, std::int64_t> m;
      for (const auto& [k, v] : n->map)
        m[k] = detail::parse_number<std::int64_t>(v, detail::join_path(path, k), "an integer");
      out.*member = m;
    };
    e.dump = [=](const T& in, nlohmann::json& j) { j[key] = in.*member; };
    m_entries.push_back(std::move(e));
    return std::move(*this);
  }

  /// A nested section whose type S provides `static const Schema<S>& schema()` and
  /// `void validate(const Node* section, const std::string& path) const`.
  template <class S>
  Schema&& section(const char* key, S T::*member) && {
    Entry e;
    e.is_section = true;
    e.info = {key, "section", "-", "-", "-", ""};
    e.read = [=](const Node* n, const std::string& path, T& out) { S::schema().read(n, path, out.*member); };
    e.dump = [=](const T& in, nlohmann::json& j) { j[key] = S::schema().dump(in.*member); };
    e.explain = [](const std::string& prefix, std::vector<ParamInfo>& rows) { S::schema().collect(prefix, rows); };
    e.describe = [] { return S::schema().description(); };
    m_entries.push_back(std::move(e));
    return std::move(*this);
  }

  /// Reads a map (or nullptr: every key takes its default) into `out`, then validates.
  void read(const Node* n, const std::string& path, T& out) const {
    if (n && n->is_null()) n = nullptr;
    if (n && !n->is_map()) throw InputError(n->loc, path, "expected a map of keys", n->render());
    if (n) {
      for (const auto& [k, v] : n->map) {
        bool known = false;
        for (const auto& e : m_entries) known = known || k == e.info.key;
        if (!known) {
          std::string allowed;
          for (const auto& e : m_entries) allowed += (allowed.empty() ? "" : ", ") + e.info.key;
          throw InputError(v.loc, detail::join_path(path, k), "unknown key", "'" + k + "'", "one of: " + allowed);
        }
      }
    }
    for (const auto& e : m_entries) {
      const std::string p = detail::join_path(path, e.info.key);
      e.read(n ? n->find(e.info.key) : nullptr, p, out);
    }
    out.validate(n, path);
  }

  nlohmann::json dump(const T& in) const {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& e : m_entries) e.dump(in, j);
    return j;
  }

  /// Appends one ParamInfo per leaf key, with full dotted paths under `prefix`.
  void collect(const std::string& prefix, std::vector<ParamInfo>& rows) const {
    for (const auto& e : m_entries) {
      const std::string p = detail::join_path(prefix, e.info.key);
      if (e.is_section) {
        e.explain(p, rows);
      } else {
        ParamInfo info = e.info;
        info.key = p;
        rows.push_back(std::move(info));
      }
    }
  }

  /// Names and descriptions of direct sub-sections (for `config explain` with no argument).
  std::vector<std::pair<std::string, std::string>> sections() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : m_entries)
      if (e.is_section) out.emplace_back(e.info.key, e.describe());
    return out;
  }

 private:
  struct Entry {
    ParamInfo info;
    bool is_section = false;
    std::function<void(const Node*, const std::string&, T&)> read;
    std::function<void(const T&, nlohmann::json&)> dump;
    std::function<void(const std::string&, std::vector<ParamInfo>&)> explain;
    std::function<std::string()> describe;
  };
  std::string m_description;
  std::vector<Entry> m_entries;
};

/// Prints rows as an aligned table: key, type, unit, default, allowed, description.
void print_params(std::ostream& os, const std::vector<ParamInfo>& rows);
/// The same rows as a Markdown table, for generated docs.
void print_params_markdown(std::ostream& os, const std::vector<ParamInfo>& rows);

}  // namespace decodesim::config
