// Filter expressions of a sweep spec: `keep:`/`drop:` conditions over a point's resolved
// config, e.g. "tpu.mxu.rows * tpu.mxu.count <= 1024 and scenario.batch >= 4".
//
// Grammar (lowest precedence first):
//   or   := and ("or" and)*          and := not ("and" not)*       not := "not" not | cmp
//   cmp  := sum (("=="|"!="|"<"|"<="|">"|">=") sum)?
//   sum  := prod (("+"|"-") prod)*   prod := unary (("*"|"/"|"%") unary)*
//   unary:= "-" unary | atom         atom := number | 'text' | "text" | true | false | key.path | "(" or ")"
// Values are numbers, strings or booleans; mixing them is an error, never a silent false.
// A spec is untrusted input, so parsing is bounded (length and nesting) and never executes
// anything: it is evaluated by this small interpreter only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/config/error.h"

namespace decodesim::sweep {

using Value = std::variant<double, std::string, bool>;

/// Looks up a key path for a point; nullopt if the key does not exist.
using Lookup = std::function<std::optional<Value>(const std::string& key)>;

class FilterExpr {
 public:
  /// Parses `text`, located at `loc` (the scalar in the spec). Every key path it names must
  /// satisfy `known_key`; otherwise InputError at `loc` naming the key.
  static FilterExpr parse(const std::string& text, const config::SourceLoc& loc, const std::string& key_path,
                          const std::function<bool(const std::string&)>& known_key);

  /// Evaluates to a boolean. Throws InputError (at the expression's location) on a type
  /// mismatch, a division by zero or a non-boolean result.
  bool eval(const Lookup& lookup) const;

  const std::string& text() const { return m_text; }

  struct Node;  // the parsed tree (filter_expr.cpp)

 private:
  std::string m_text;
  config::SourceLoc m_loc;
  std::string m_key_path;
  std::shared_ptr<const Node> m_root;
};

}  // namespace decodesim::sweep
