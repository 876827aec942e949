#include "sweep/filter_expr.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace decodesim::sweep {

struct FilterExpr::Node {
  enum class Op { Lit, Key, Neg, Not, And, Or, Add, Sub, Mul, Div, Mod, Eq, Ne, Lt, Le, Gt, Ge };
  Op op = Op::Lit;
  Value lit;
  std::string key;
  std::unique_ptr<Node> a, b;
  int col = 0;  ///< 0-based offset in the text, for errors
};

namespace {

using ENode = FilterExpr::Node;
using Op = ENode::Op;

constexpr std::size_t kMaxText = 4096;
constexpr int kMaxDepth = 64;

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

class Parser {
 public:
  Parser(const std::string& text, const config::SourceLoc& loc, const std::string& path,
         const std::function<bool(const std::string&)>& known)
      : m_s(text), m_loc(loc), m_path(path), m_known(known) {}

  std::unique_ptr<ENode> parse() {
    if (m_s.size() > kMaxText) fail(0, "expression too long", std::to_string(m_s.size()) + " characters",
                                     "at most " + std::to_string(kMaxText));
    auto n = parse_or(0);
    skip_ws();
    if (m_i != m_s.size()) fail(m_i, "unexpected text", "'" + m_s.substr(m_i, 20) + "'", "an operator or the end");
    return n;
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what, const std::string& got,
                         const std::string& allowed = {}) const {
    throw config::InputError(m_loc, m_path, what + " at character " + std::to_string(at + 1) + " of '" + m_s + "'",
                             got, allowed);
  }

  void skip_ws() {
    while (m_i < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_i]))) ++m_i;
  }
  bool eat(const char* tok) {
    skip_ws();
    const std::string t(tok);
    if (m_s.compare(m_i, t.size(), t) != 0) return false;
    // Word operators must not swallow the start of a key ("order" is not "or" + "der").
    if (std::isalpha(static_cast<unsigned char>(t[0])) && m_i + t.size() < m_s.size() &&
        is_key_char(m_s[m_i + t.size()]))
      return false;
    m_i += t.size();
    return true;
  }
  std::unique_ptr<ENode> make(Op op, std::size_t col, std::unique_ptr<ENode> a, std::unique_ptr<ENode> b = {}) {
    auto n = std::make_unique<ENode>();
    n->op = op;
    n->col = static_cast<int>(col);
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }
  void enter(int depth) {
    if (depth > kMaxDepth) fail(m_i, "expression nested too deeply", std::to_string(depth) + " levels",
                                "at most " + std::to_string(kMaxDepth));
  }

  std::unique_ptr<ENode> parse_or(int d) {
    enter(d);
    auto l = parse_and(d + 1);
    for (std::size_t at = m_i; eat("or"); at = m_i) l = make(Op::Or, at, std::move(l), parse_and(d + 1));
    return l;
  }
  std::unique_ptr<ENode> parse_and(int d) {
    auto l = parse_not(d + 1);
    for (std::size_t at = m_i; eat("and"); at = m_i) l = make(Op::And, at, std::move(l), parse_not(d + 1));
    return l;
  }
  std::unique_ptr<ENode> parse_not(int d) {
    enter(d);
    skip_ws();
    const std::size_t at = m_i;
    if (eat("not")) return make(Op::Not, at, parse_not(d + 1));
    return parse_cmp(d + 1);
  }
  std::unique_ptr<ENode> parse_cmp(int d) {
    auto l = parse_sum(d + 1);
    skip_ws();
    const std::size_t at = m_i;
    // Two-character operators first so "<=" is not read as "<".
    static const std::pair<const char*, Op> ops[] = {{"==", Op::Eq}, {"!=", Op::Ne}, {"<=", Op::Le},
                                                     {">=", Op::Ge}, {"<", Op::Lt},  {">", Op::Gt}};
    for (const auto& [tok, op] : ops)
      if (eat(tok)) return make(op, at, std::move(l), parse_sum(d + 1));
    return l;
  }
  std::unique_ptr<ENode> parse_sum(int d) {
    auto l = parse_prod(d + 1);
    while (true) {
      skip_ws();
      const std::size_t at = m_i;
      if (eat("+")) l = make(Op::Add, at, std::move(l), parse_prod(d + 1));
      else if (eat("-")) l = make(Op::Sub, at, std::move(l), parse_prod(d + 1));
      else return l;
    }
  }
  std::unique_ptr<ENode> parse_prod(int d) {
    auto l = parse_unary(d + 1);
    while (true) {
      skip_ws();
      const std::size_t at = m_i;
      if (eat("*")) l = make(Op::Mul, at, std::move(l), parse_unary(d + 1));
      else if (eat("/")) l = make(Op::Div, at, std::move(l), parse_unary(d + 1));
      else if (eat("%")) l = make(Op::Mod, at, std::move(l), parse_unary(d + 1));
      else return l;
    }
  }
  std::unique_ptr<ENode> parse_unary(int d) {
    enter(d);
    skip_ws();
    const std::size_t at = m_i;
    if (eat("-")) return make(Op::Neg, at, parse_unary(d + 1));
    return parse_atom(d + 1);
  }
  std::unique_ptr<ENode> parse_atom(int d) {
    skip_ws();
    const std::size_t at = m_i;
    if (m_i >= m_s.size()) fail(at, "expression ends early", "nothing", "a number, a key, a 'string' or (");
    const char c = m_s[m_i];
    auto lit = [&](Value v) {
      auto n = make(Op::Lit, at, nullptr);
      n->lit = std::move(v);
      return n;
    };
    if (c == '(') {
      ++m_i;
      auto n = parse_or(d + 1);
      if (!eat(")")) fail(m_i, "missing ')'", m_i < m_s.size() ? "'" + m_s.substr(m_i, 20) + "'" : "the end");
      return n;
    }
    if (c == '\'' || c == '"') {
      const auto end = m_s.find(c, m_i + 1);
      if (end == std::string::npos) fail(at, "unterminated string", m_s.substr(at));
      std::string text = m_s.substr(m_i + 1, end - m_i - 1);
      m_i = end + 1;
      return lit(std::move(text));
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      double v = 0;
      const auto [p, ec] = std::from_chars(m_s.data() + m_i, m_s.data() + m_s.size(), v);
      if (ec != std::errc() || !std::isfinite(v)) fail(at, "malformed number", "'" + m_s.substr(at, 20) + "'");
      m_i = static_cast<std::size_t>(p - m_s.data());
      return lit(v);
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = m_i;
      while (j < m_s.size() && is_key_char(m_s[j])) ++j;
      const std::string word = m_s.substr(m_i, j - m_i);
      m_i = j;
      if (word == "true") return lit(true);
      if (word == "false") return lit(false);
      if (!m_known(word)) fail(at, "unknown key", "'" + word + "'", "a config key (decodesim config explain) or scenario.<flag>");
      auto n = make(Op::Key, at, nullptr);
      n->key = word;
      return n;
    }
    fail(at, "unexpected character", std::string("'") + c + "'", "a number, a key, a 'string' or (");
  }

  const std::string& m_s;
  config::SourceLoc m_loc;
  std::string m_path;
  const std::function<bool(const std::string&)>& m_known;
  std::size_t m_i = 0;
};

const char* type_name(const Value& v) {
  if (std::holds_alternative<double>(v)) return "a number";
  if (std::holds_alternative<std::string>(v)) return "a string";
  return "a boolean";
}

std::string show(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", *d);
    return buf;
  }
  if (const auto* s = std::get_if<std::string>(&v)) return "'" + *s + "'";
  return std::get<bool>(v) ? "true" : "false";
}

}  // namespace

FilterExpr FilterExpr::parse(const std::string& text, const config::SourceLoc& loc, const std::string& key_path,
                             const std::function<bool(const std::string&)>& known_key) {
  FilterExpr e;
  e.m_text = text;
  e.m_loc = loc;
  e.m_key_path = key_path;
  e.m_root = Parser(text, loc, key_path, known_key).parse();
  return e;
}

bool FilterExpr::eval(const Lookup& lookup) const {
  auto fail = [&](const ENode& n, const std::string& what) -> Value {
    throw config::InputError(m_loc, m_key_path,
                             what + " at character " + std::to_string(n.col + 1) + " of '" + m_text + "'");
  };
  std::function<Value(const ENode&)> ev = [&](const ENode& n) -> Value {
    switch (n.op) {
      case Op::Lit: return n.lit;
      case Op::Key: {
        auto v = lookup(n.key);
        if (!v) return fail(n, "key '" + n.key + "' has no value for this point");
        return *v;
      }
      case Op::Not: {
        const Value a = ev(*n.a);
        if (!std::holds_alternative<bool>(a)) return fail(n, std::string("'not' needs a boolean, got ") + type_name(a));
        return !std::get<bool>(a);
      }
      case Op::And:
      case Op::Or: {
        const Value a = ev(*n.a);
        if (!std::holds_alternative<bool>(a)) return fail(n, std::string("and/or needs booleans, got ") + type_name(a));
        // Short-circuit, so "a != 0 and b / a > 1" is safe.
        if (n.op == Op::And && !std::get<bool>(a)) return false;
        if (n.op == Op::Or && std::get<bool>(a)) return true;
        const Value b = ev(*n.b);
        if (!std::holds_alternative<bool>(b)) return fail(n, std::string("and/or needs booleans, got ") + type_name(b));
        return std::get<bool>(b);
      }
      case Op::Neg: {
        const Value a = ev(*n.a);
        if (!std::holds_alternative<double>(a)) return fail(n, std::string("'-' needs a number, got ") + type_name(a));
        return -std::get<double>(a);
      }
      case Op::Eq:
      case Op::Ne: {
        const Value a = ev(*n.a), b = ev(*n.b);
        if (a.index() != b.index())
          return fail(n, "cannot compare " + show(a) + " (" + type_name(a) + ") with " + show(b) + " (" +
                             type_name(b) + ")");
        return (a == b) == (n.op == Op::Eq);
      }
      default: break;
    }
    const Value a = ev(*n.a), b = ev(*n.b);
    if (!std::holds_alternative<double>(a) || !std::holds_alternative<double>(b))
      return fail(n, "arithmetic and ordering need numbers, got " + show(a) + " and " + show(b));
    const double x = std::get<double>(a), y = std::get<double>(b);
    switch (n.op) {
      case Op::Add: return x + y;
      case Op::Sub: return x - y;
      case Op::Mul: return x * y;
      case Op::Div:
        if (y == 0) return fail(n, "division by zero");
        return x / y;
      case Op::Mod:
        if (y == 0) return fail(n, "division by zero");
        return std::fmod(x, y);
      case Op::Lt: return x < y;
      case Op::Le: return x <= y;
      case Op::Gt: return x > y;
      case Op::Ge: return x >= y;
      default: return fail(n, "internal: unknown operator");
    }
  };
  const Value r = ev(*m_root);
  if (!std::holds_alternative<bool>(r))
    throw config::InputError(m_loc, m_key_path, "a filter must be true or false, got " + show(r) + " (" +
                                                     type_name(r) + ") from '" + m_text + "'");
  return std::get<bool>(r);
}

}  // namespace decodesim::sweep
