#include "sweep/sweep_spec.h"

#include <algorithm>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "common/config/node.h"
#include "common/config/schema.h"
#include "report/report.h"
#include "sweep/filter_expr.h"
#include "system/system_config.h"
#include "workload/model_spec.h"
#include "workload/scenario.h"

namespace decodesim::sweep {
namespace fs = std::filesystem;
using config::InputError;
using config::Node;
using nlohmann::json;

namespace {

/// Caps that keep a hostile spec from expanding into an unbounded number of processes.
constexpr std::size_t kMaxPoints = 100000;
constexpr std::size_t kMaxAxisValues = 10000;

/// Scenario keys a sweep may set and the run flag each becomes in the child.
struct ScenarioKey {
  const char* key;
  std::optional<std::string> driver::ScenarioFlags::*flag;
};
const std::vector<ScenarioKey>& scenario_keys() {
  static const std::vector<ScenarioKey> k = {{"batch", &driver::ScenarioFlags::batch},
                                             {"context", &driver::ScenarioFlags::context},
                                             {"tokens", &driver::ScenarioFlags::tokens},
                                             {"weight_dtype", &driver::ScenarioFlags::weight_dtype},
                                             {"act_dtype", &driver::ScenarioFlags::act_dtype},
                                             {"kv_dtype", &driver::ScenarioFlags::kv_dtype},
                                             {"turn", &driver::ScenarioFlags::turn},
                                             {"prompt_tokens", &driver::ScenarioFlags::prompt_tokens},
                                             {"cached_tokens", &driver::ScenarioFlags::cached_tokens},
                                             {"output_tokens", &driver::ScenarioFlags::output_tokens}};
  return k;
}
const ScenarioKey* find_scenario_key(const std::string& k) {
  for (const auto& s : scenario_keys())
    if (k == s.key) return &s;
  return nullptr;
}

/// Every key an axis, a `set:` or a filter may name: the system schema's leaves plus
/// scenario.<flag>. Taken from the schemas, so new sections (lpu:, gpu:) join by themselves.
const std::set<std::string>& known_keys() {
  static const std::set<std::string> keys = [] {
    std::vector<config::ParamInfo> rows;
    system::SystemConfig::schema().collect("", rows);
    std::set<std::string> k;
    for (const auto& r : rows) k.insert(r.key);
    for (const auto& s : scenario_keys()) k.insert(std::string("scenario.") + s.key);
    rows.clear();
    workload::ModelSpec::schema().collect("model", rows);
    for (const auto& r : rows) k.insert(r.key);
    return k;
  }();
  return keys;
}

[[noreturn]] void unknown_key(const Node& at, const std::string& path, const std::string& key) {
  if (key == "scenario.seed")
    throw InputError(at.loc, path, "sweep the seed as sim.seed (the run's --seed sets it)", "'" + key + "'");
  // The closest keys by shared prefix make the typo obvious without listing hundreds.
  // Ranked by the length of the prefix they share with the typo, so `tpu.mxu.rowz` lists
  // `tpu.mxu.rows` first however many keys the section has.
  std::string near;
  const std::string head = key.substr(0, key.find('.'));
  std::vector<std::pair<std::size_t, std::string>> ranked;
  for (const auto& k : known_keys()) {
    if (k.rfind(head + ".", 0) != 0) continue;
    std::size_t common = 0;
    while (common < k.size() && common < key.size() && k[common] == key[common]) ++common;
    ranked.emplace_back(common, k);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; i < ranked.size() && i < 8; ++i) near += (i ? ", " : "") + ranked[i].second;
  throw InputError(at.loc, path, "unknown config key", "'" + key + "'",
                   near.empty() ? "a key listed by `decodesim config explain` or scenario.<batch|context|tokens|"
                                  "weight_dtype|act_dtype|kv_dtype>"
                                : "e.g. " + near + " (decodesim config explain " + head + ")");
}

const std::string& scalar_of(const Node& n, const std::string& path, const char* what) {
  if (!n.is_scalar()) throw InputError(n.loc, path, std::string("expected ") + what, n.render());
  return n.scalar;
}

void check_keys(const Node& map, const std::string& path, const std::set<std::string>& allowed) {
  if (!map.is_map()) throw InputError(map.loc, path, "expected a map of keys", map.render());
  for (const auto& [k, v] : map.map) {
    if (allowed.count(k)) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw InputError(v.loc, path.empty() ? k : path + "." + k, "unknown key", "'" + k + "'", "one of: " + list);
  }
}

/// The value as it travels to the child: a scalar verbatim, a list as YAML flow "[a, b]".
/// load_plan() re-resolves every point from these strings, so a value that would not survive
/// the trip is caught before anything runs.
std::string value_text(const Node& n) {
  if (n.is_scalar()) return n.scalar;
  std::string s = "[";
  for (std::size_t i = 0; i < n.items.size(); ++i) s += (i ? ", " : "") + value_text(n.items[i]);
  return s + "]";
}

/// The typed form for results: numbers stay numbers in results.jsonl.
json value_json(const Node& n) {
  if (n.is_seq()) {
    json a = json::array();
    for (const auto& i : n.items) a.push_back(value_json(i));
    return a;
  }
  const std::string& s = n.scalar;
  if (s == "true" || s == "false") return s == "true";
  long long i = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i); ec == std::errc() && p == s.data() + s.size())
    return i;
  double d = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      ec == std::errc() && p == s.data() + s.size() && std::isfinite(d))
    return d;
  return s;
}

/// Puts `value` (a node from the spec, keeping its location) at dotted `key` in `root`, so a
/// schema error about it points into the spec rather than at a synthetic --set.
void put(Node& root, const std::string& key, const Node& value) {
  Node* cur = &root;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_map()) throw InputError(value.loc, key, "cannot descend into a non-map value", cur->render());
    cur = &cur->child(part, value.loc);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  *cur = value;
  config::assign_paths(root);
}

/// Same YAML value: kind, text and structure (locations and paths aside).
bool same_value(const Node& a, const Node& b) {
  if (a.kind != b.kind || a.scalar != b.scalar || a.items.size() != b.items.size() || a.map.size() != b.map.size())
    return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (!same_value(a.items[i], b.items[i])) return false;
  for (std::size_t i = 0; i < a.map.size(); ++i)
    if (a.map[i].first != b.map[i].first || !same_value(a.map[i].second, b.map[i].second)) return false;
  return true;
}

std::string format_range_value(double v, bool integral) {
  if (integral) return std::to_string(static_cast<long long>(std::llround(v)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

/// Expands `{from, to, step}` (arithmetic) or `{from, to, times}` (geometric), inclusive.
std::vector<Node> expand_range(const Node& r, const std::string& path) {
  check_keys(r, path, {"from", "to", "step", "times"});
  auto num = [&](const char* k) -> std::optional<double> {
    const Node* n = r.find(k);
    if (!n) return std::nullopt;
    return config::detail::parse_number<double>(*n, path + "." + k, "a number");
  };
  auto is_int = [&](const char* k) {
    const Node* n = r.find(k);
    long long v = 0;
    return !n || (std::from_chars(n->scalar.data(), n->scalar.data() + n->scalar.size(), v).ptr ==
                  n->scalar.data() + n->scalar.size());
  };
  const auto from = num("from"), to = num("to"), step = num("step"), times = num("times");
  if (!from || !to) throw InputError(r.loc, path, "a range needs from and to", r.render(), "{from, to, step | times}");
  if (step.has_value() == times.has_value())
    throw InputError(r.loc, path, "a range needs exactly one of step (arithmetic) or times (geometric)", r.render());
  if (*to < *from)
    throw InputError(config::loc_of(&r, "to"), path + ".to", "range runs backwards",
                     format_range_value(*to, false), ">= from (" + format_range_value(*from, false) + ")");
  if (step && *step <= 0)
    throw InputError(config::loc_of(&r, "step"), path + ".step", "step must be positive", format_range_value(*step, false));
  if (times && (*times <= 1 || *from <= 0))
    throw InputError(config::loc_of(&r, times && *times <= 1 ? "times" : "from"), path,
                     "a geometric range needs times > 1 and from > 0",
                     "from " + format_range_value(*from, false) + ", times " + format_range_value(*times, false));
  const bool integral = is_int("from") && is_int("step") && is_int("times");
  std::vector<Node> out;
  // Values are computed from the index, not accumulated, so float ranges do not drift; the
  // tolerance admits `to` itself when rounding lands just past it.
  const double tol = 1e-9 * std::max(std::fabs(*to), 1.0);
  for (std::size_t i = 0;; ++i) {
    const double v = step ? *from + static_cast<double>(i) * *step : *from * std::pow(*times, static_cast<double>(i));
    if (v > *to + tol) break;
    if (out.size() >= kMaxAxisValues)
      throw InputError(r.loc, path, "range has too many values", "more than " + std::to_string(kMaxAxisValues));
    Node n;
    n.kind = Node::Kind::Scalar;
    n.scalar = format_range_value(v, integral);
    n.loc = r.loc;
    out.push_back(std::move(n));
  }
  return out;
}

/// A list of values or a range; never empty.
std::vector<Node> axis_values(const Node& n, const std::string& path) {
  std::vector<Node> vals;
  if (n.is_seq()) vals = n.items;
  else if (n.is_map()) vals = expand_range(n, path);
  else throw InputError(n.loc, path, "expected a list of values or a range", n.render(), "[a, b, ...] or {from, to, step}");
  if (vals.empty()) throw InputError(n.loc, path, "no values: the sweep's product would be empty", n.render());
  if (vals.size() > kMaxAxisValues)
    throw InputError(n.loc, path, "too many values", std::to_string(vals.size()), "at most " + std::to_string(kMaxAxisValues));
  for (const auto& v : vals)
    if (!v.is_scalar() && !v.is_seq()) throw InputError(v.loc, path, "expected a value", v.render());
  return vals;
}

/// One axis: each entry sets one or more keys (several for zip).
using Setting = std::vector<std::pair<std::string, Node>>;
struct Axis {
  std::vector<std::string> keys;
  std::vector<Setting> entries;
};

std::string describe_params(const json& params) {
  std::string s;
  for (const auto& [k, v] : params.items()) s += (s.empty() ? "" : ", ") + k + "=" + v.dump();
  return s;
}

std::string resolve_path(const std::string& name_or_path, const fs::path& spec_dir) {
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               (name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".yaml");
  if (!looks_like_path) return name_or_path;
  // Relative paths are relative to the spec, and absolute for the children (which may run
  // from another folder under Slurm).
  return fs::absolute(spec_dir / name_or_path).lexically_normal().string();
}

std::optional<Value> json_to_value(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_string()) return j.get<std::string>();
  return std::nullopt;
}

/// Walks a dotted path through a JSON document.
const json* walk(const json& doc, const std::string& path) {
  const json* cur = &doc;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(part)) return nullptr;
    cur = &(*cur)[part];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

std::string column_path(const std::string& c) { return c.find('.') == std::string::npos ? "summary." + c : c; }

/// The columns a sweep may choose: every scalar in result.json as the report writer lays it
/// out (taken from the writer itself, so the list cannot drift from what children produce).
/// Per-kernel rows and the stats tree are excluded: they vary with the run.
json result_shape(const system::SystemConfig& cfg, const workload::ModelSpec& model) {
  system::RunRequest req;
  req.cfg = cfg;
  req.model = model;
  // So a turn's fields (turn.ttft_s, turn.speculative.speedup, ...) are known columns.
  req.scenario.turn = true;
  req.scenario.speculative.draft_tokens = 1;
  json j = report::result_json(req, system::RunResult{}, report::Summary{});
  j.erase("kernels");
  j.erase("stats");
  j.erase("notes");
  return j;
}

}  // namespace

std::string stable_hash(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

json column_value(const json& result, const std::string& column) {
  const json* v = walk(result, column_path(column));
  return v ? *v : json();
}

namespace {

/// Reads one sweep spec into a SweepPlan, section by section (header, base, axes, filters,
/// columns), then expands the axes' product into points resolved exactly as their children
/// will resolve them. Systems and models are loaded once per name.
class PlanReader {
 public:
  PlanReader(const std::string& spec_file, const driver::Paths& paths)
      : m_paths(paths), m_root(config::load_file(spec_file)), m_spec_dir(fs::absolute(spec_file).parent_path()) {
    m_plan.spec_file = fs::absolute(spec_file).lexically_normal().string();
    m_plan.name = fs::path(spec_file).stem().string();
  }

  SweepPlan read() {
    read_header();
    read_base();
    read_axes();
    read_filters();
    read_columns();
    expand();
    m_plan.spec_hash = plan_hash();
    return std::move(m_plan);
  }

 private:
  void read_header();
  void read_base();
  void read_axes();
  /// One axis: its keys with their values, one column per key (several for zip:).
  std::vector<std::pair<std::string, std::vector<Node>>> axis_columns(const Node& ax, const std::string& apath);
  void read_filters();
  void read_columns();
  void expand();
  /// The point at odometer `odo`: resolved, checked, and added to the plan unless filtered out.
  void add_point(const std::vector<std::size_t>& odo);
  /// After a point failed to resolve: rethrows the error of a value wrong on its own, if any.
  void blame_single_value(const std::vector<std::size_t>& odo);
  /// Every `--set` string the child will get must parse back into the very value the spec holds.
  void check_survives(const std::vector<std::string>& sys_sets, const std::vector<std::size_t>& odo,
                      const json& params);
  bool kept(const json& resolved, const json& scenario_json, const json& model_json) const;
  std::string plan_hash() const;

  const system::SystemConfig& system_for(const std::string& ref, const Node& at, const std::string& path);
  const workload::ModelSpec& model_for(const std::string& ref, const std::vector<std::string>& sets, const Node& at,
                                       const std::string& path);
  const Node& base_tree_for(const std::string& ref, const Node& at, const std::string& path);
  void add_scenario(const std::string& k, const Node& v, const std::string& path);

  const driver::Paths& m_paths;
  const Node m_root;
  const fs::path m_spec_dir;
  SweepPlan m_plan;

  // base
  const Node* m_sys_n = nullptr;
  const Node* m_model_n = nullptr;
  std::string m_system_ref, m_model_ref;
  std::map<std::string, system::SystemConfig> m_systems;
  std::map<std::string, workload::ModelSpec> m_models;
  std::map<std::string, Node> m_base_trees;
  const system::SystemConfig* m_base_cfg = nullptr;
  const workload::ModelSpec* m_model = nullptr;
  const Node* m_base_tree = nullptr;
  Node m_scenario_base;
  driver::ScenarioFlags m_base_flags;
  std::vector<std::pair<std::string, const Node*>> m_base_set_nodes;
  std::vector<std::string> m_base_sets, m_base_model_sets;

  // axes, filters
  const Node* m_axes_n = nullptr;
  std::vector<Axis> m_axes;
  std::size_t m_product = 1;
  std::vector<std::pair<bool, FilterExpr>> m_filters;  // (keep?, expr)

  // expansion
  std::set<std::string> m_seen_keys;  // every key an axis sweeps
  std::map<std::string, std::size_t> m_ids;
  std::set<std::string> m_survived;  // --set strings known to parse back into the spec's value
};

/// Name errors from the loaders point at a flag (--system:1:1: system: ...); re-located at the
/// spec's key, only what they say is kept.
std::string what_only(const InputError& e, const std::string& flag_prefix) {
  std::string m = e.what();
  if (m.rfind(flag_prefix, 0) == 0) return m.substr(flag_prefix.size());
  // A model.<key> value travels as --set: its location there means nothing in the spec.
  if (m.rfind("--set:1:", 0) == 0 && m.find(": ", 8) != std::string::npos) return m.substr(m.find(": ", 8) + 2);
  return m;
}

const system::SystemConfig& PlanReader::system_for(const std::string& ref, const Node& at, const std::string& path) {
  if (auto it = m_systems.find(ref); it != m_systems.end()) return it->second;
  try {
    return m_systems.emplace(ref, system::load_system(ref, m_paths.configs_dir, {})).first->second;
  } catch (const InputError& e) {
    throw InputError(at.loc, path, what_only(e, "--system:1:1: system: "));
  }
}

const workload::ModelSpec& PlanReader::model_for(const std::string& ref, const std::vector<std::string>& sets,
                                                 const Node& at, const std::string& path) {
  std::string key = ref;
  for (const auto& s : sets) key += "\n" + s;
  if (auto it = m_models.find(key); it != m_models.end()) return it->second;
  try {
    return m_models.emplace(key, workload::load_model(ref, m_paths.workloads_dir, sets)).first->second;
  } catch (const InputError& e) {
    throw InputError(at.loc, path, what_only(e, "--model: "));
  }
}

const Node& PlanReader::base_tree_for(const std::string& ref, const Node& at, const std::string& path) {
  if (auto it = m_base_trees.find(ref); it != m_base_trees.end()) return it->second;
  Node tree = system_for(ref, at, path).tree;
  for (const auto& [k, v] : m_base_set_nodes) put(tree, k, *v);
  return m_base_trees.emplace(ref, std::move(tree)).first->second;
}

void PlanReader::add_scenario(const std::string& k, const Node& v, const std::string& path) {
  const ScenarioKey* sk = find_scenario_key(k);
  if (!sk) unknown_key(v, path, "scenario." + k);
  m_scenario_base.map.emplace_back(k, v);
  m_base_flags.*(sk->flag) = value_text(v);
}

void PlanReader::read_header() {
  const Node& root = m_root;
  if (!root.is_map()) throw InputError(root.loc, "", "a sweep spec is a map", root.render(), "name, base, axes, filters, columns");
  check_keys(root, "", {"name", "description", "base", "axes", "filters", "columns", "timeout_s"});
  if (const Node* n = root.find("name")) {
    m_plan.name = scalar_of(*n, "name", "a name");
    // The name reaches generated scripts (Slurm, gnuplot): one printable line only.
    for (const char c : m_plan.name)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        throw InputError(n->loc, "name", "control character in the name", "'" + m_plan.name + "'",
                         "printable characters only");
  }
  if (const Node* n = root.find("description")) scalar_of(*n, "description", "text");
  if (const Node* n = root.find("timeout_s")) {
    m_plan.timeout_s = config::detail::parse_number<double>(*n, "timeout_s", "seconds > 0");
    if (m_plan.timeout_s <= 0) throw InputError(n->loc, "timeout_s", "must be positive", n->scalar, "seconds > 0");
  }
}

void PlanReader::read_base() {
  // base: what every point starts from.
  const Node* base = m_root.find("base");
  if (!base) throw InputError(m_root.loc, "base", "missing", "", "base: {system, model, scenario, set}");
  check_keys(*base, "base", {"system", "model", "scenario", "set"});
  m_sys_n = base->find("system");
  m_model_n = base->find("model");
  if (!m_sys_n) throw InputError(base->loc, "base.system", "missing", "", "a system name or path");
  if (!m_model_n) throw InputError(base->loc, "base.model", "missing", "", "a model name or path");
  m_system_ref = resolve_path(scalar_of(*m_sys_n, "base.system", "a system name or path"), m_spec_dir);
  m_model_ref = resolve_path(scalar_of(*m_model_n, "base.model", "a model name or path"), m_spec_dir);
  // Systems and models are loaded once per name (a system:/model: axis names several); every
  // point is then resolved from these in memory, never by reading the files again.
  m_base_cfg = &system_for(m_system_ref, *m_sys_n, "base.system");

  m_scenario_base.kind = Node::Kind::Map;
  m_scenario_base.loc = base->loc;
  if (const Node* sc = base->find("scenario")) {
    if (!sc->is_map()) throw InputError(sc->loc, "base.scenario", "expected a map of keys", sc->render());
    for (const auto& [k, v] : sc->map) add_scenario(k, v, "base.scenario." + k);
  }

  // base.set follows the rule of `decodesim run --set`: scenario.<key>, model.<key>, or a key of
  // the system file. System keys are put into each system's tree as the spec's own nodes, so a
  // schema error about any spec value names that value's line and column in the spec.
  if (const Node* set = base->find("set")) {
    if (!set->is_map()) throw InputError(set->loc, "base.set", "expected a map of key: value", set->render());
    for (const auto& [k, v] : set->map) {
      if (!known_keys().count(k)) unknown_key(v, "base.set." + k, k);
      if (!v.is_scalar() && !v.is_seq()) throw InputError(v.loc, "base.set." + k, "expected a value", v.render());
      if (k.rfind("scenario.", 0) == 0) {
        add_scenario(k.substr(9), v, "base.set." + k);
      } else if (k.rfind("model.", 0) == 0) {
        m_base_model_sets.push_back(k + "=" + value_text(v));
      } else {
        m_base_set_nodes.emplace_back(k, &v);
        m_base_sets.push_back(k + "=" + value_text(v));
      }
    }
  }
  config::assign_paths(m_scenario_base, "scenario");
  m_model = &model_for(m_model_ref, m_base_model_sets, *m_model_n, "base.model");
  m_base_tree = &base_tree_for(m_system_ref, *m_sys_n, "base.system");
}

std::vector<std::pair<std::string, std::vector<Node>>> PlanReader::axis_columns(const Node& ax, const std::string& apath) {
  check_keys(ax, apath, {"key", "values", "range", "zip"});
  std::vector<std::pair<std::string, std::vector<Node>>> cols;
  std::set<std::string>& seen = m_seen_keys;
  auto add_key = [&](const std::string& key, const Node& at, const std::string& kpath) {
    if (!known_keys().count(key) && key != "system" && key != "model") unknown_key(at, kpath, key);
    if (!seen.insert(key).second) throw InputError(at.loc, kpath, "key swept twice", "'" + key + "'", "each key on one axis");
  };
  if (const Node* zip = ax.find("zip")) {
    if (ax.find("key") || ax.find("values") || ax.find("range"))
      throw InputError(ax.loc, apath, "an axis is either zip: or key: with values:/range:, not both", ax.render());
    if (!zip->is_map() || zip->map.empty())
      throw InputError(zip->loc, apath + ".zip", "expected a map of key: values", zip->render());
    for (const auto& [k, v] : zip->map) {
      add_key(k, v, apath + ".zip." + k);
      cols.emplace_back(k, axis_values(v, apath + ".zip." + k));
    }
    for (const auto& c : cols)
      if (c.second.size() != cols.front().second.size())
        throw InputError(zip->loc, apath + ".zip", "zipped keys need the same number of values",
                         cols.front().first + " has " + std::to_string(cols.front().second.size()) + ", " + c.first +
                             " has " + std::to_string(c.second.size()));
    return cols;
  }
  const Node* key_n = ax.find("key");
  if (!key_n) throw InputError(ax.loc, apath, "an axis needs key: (with values: or range:) or zip:", ax.render());
  const std::string key = scalar_of(*key_n, apath + ".key", "a config key");
  add_key(key, *key_n, apath + ".key");
  const Node* vals = ax.find("values");
  const Node* range = ax.find("range");
  if ((vals != nullptr) == (range != nullptr))
    throw InputError(ax.loc, apath, "an axis needs exactly one of values: or range:", ax.render());
  if (vals && !vals->is_seq()) throw InputError(vals->loc, apath + ".values", "expected a list", vals->render());
  if (range && !range->is_map()) throw InputError(range->loc, apath + ".range", "expected {from, to, step | times}", range->render());
  cols.emplace_back(key, axis_values(vals ? *vals : *range, apath + (vals ? ".values" : ".range")));
  return cols;
}

void PlanReader::read_axes() {
  const Node* axes_n = m_axes_n = m_root.find("axes");
  if (!axes_n || !axes_n->is_seq() || axes_n->items.empty())
    throw InputError(axes_n ? axes_n->loc : m_root.loc, "axes", "expected a non-empty list of axes",
                     axes_n ? axes_n->render() : "nothing", "- key: k\\n  values: [...]  |  - zip: {k1: [...], k2: [...]}");
  for (std::size_t a = 0; a < axes_n->items.size(); ++a) {
    const auto cols = axis_columns(axes_n->items[a], "axes[" + std::to_string(a) + "]");
    Axis axis;
    for (const auto& c : cols) {
      axis.keys.push_back(c.first);
      m_plan.param_keys.push_back(c.first);
    }
    for (std::size_t i = 0; i < cols.front().second.size(); ++i) {
      Setting s;
      for (const auto& c : cols) s.emplace_back(c.first, c.second[i]);
      axis.entries.push_back(std::move(s));
    }
    m_product *= axis.entries.size();
    if (m_product > kMaxPoints)
      throw InputError(axes_n->loc, "axes", "too many points", "more than " + std::to_string(kMaxPoints),
                       "at most " + std::to_string(kMaxPoints) + " (split the spec)");
    m_axes.push_back(std::move(axis));
  }
}

void PlanReader::read_filters() {
  const Node* fl = m_root.find("filters");
  if (!fl) return;
  if (!fl->is_seq()) throw InputError(fl->loc, "filters", "expected a list", fl->render(), "- keep: \"expr\" | - drop: \"expr\"");
  for (std::size_t i = 0; i < fl->items.size(); ++i) {
    const Node& f = fl->items[i];
    const std::string fpath = "filters[" + std::to_string(i) + "]";
    check_keys(f, fpath, {"keep", "drop"});
    if (f.map.size() != 1) throw InputError(f.loc, fpath, "a filter is one keep: or drop: expression", f.render());
    const auto& [kind, expr] = f.map.front();
    const std::string text = scalar_of(expr, fpath + "." + kind, "an expression in quotes");
    m_filters.emplace_back(kind == "keep", FilterExpr::parse(text, expr.loc, fpath + "." + kind, [](const std::string& k) {
                             return known_keys().count(k) > 0;
                           }));
  }
}

void PlanReader::read_columns() {
  const Node* cols_n = m_root.find("columns");
  if (!cols_n || !cols_n->is_seq() || cols_n->items.empty())
    throw InputError(cols_n ? cols_n->loc : m_root.loc, "columns", "expected a non-empty list of result fields",
                     cols_n ? cols_n->render() : "nothing", "e.g. [tokens_per_s, energy_per_token_j, bottleneck]");
  const json shape = result_shape(*m_base_cfg, *m_model);
  for (std::size_t i = 0; i < cols_n->items.size(); ++i) {
    const std::string c = scalar_of(cols_n->items[i], "columns[" + std::to_string(i) + "]", "a result field");
    const json* v = walk(shape, column_path(c));
    if (!v || v->is_object()) {
      std::string summary;
      for (const auto& [k, _] : shape["summary"].items()) summary += (summary.empty() ? "" : ", ") + k;
      throw InputError(cols_n->items[i].loc, "columns[" + std::to_string(i) + "]", "not a field of result.json",
                       "'" + c + "'", summary + ", or a dotted path such as energy.total_j or config.hbm.stacks");
    }
    for (const auto& p : m_plan.param_keys)
      if (p == c) throw InputError(cols_n->items[i].loc, "columns", "a column repeats an axis key", "'" + c + "'");
    m_plan.columns.push_back(c);
  }
}

void PlanReader::expand() {
  // Expand the product (first axis slowest) and resolve every point exactly as its child will.
  std::vector<std::size_t> odo(m_axes.size(), 0);
  for (std::size_t n = 0; n < m_product; ++n) {
    const std::vector<std::size_t> point_odo = odo;
    for (std::size_t a = m_axes.size(); a-- > 0;) {
      if (++odo[a] < m_axes[a].entries.size()) break;
      odo[a] = 0;
    }
    add_point(point_odo);
  }
  if (m_plan.points.empty())
    throw InputError(m_root.find("filters") ? m_root.find("filters")->loc : m_root.loc, "filters",
                     "the filters drop every point", std::to_string(m_product) + " combinations, 0 kept");
}

void PlanReader::add_point(const std::vector<std::size_t>& point_odo) {
  driver::RunOptions run;
  run.system = m_system_ref;
  run.model = m_model_ref;
  run.scenario = m_base_flags;
  run.quiet = true;
  // The system and model first: every other key applies to them.
  const Node* sys_at = m_sys_n;
  const Node* model_at = m_model_n;
  for (std::size_t a = 0; a < m_axes.size(); ++a)
    for (const auto& [key, value] : m_axes[a].entries[point_odo[a]]) {
      if (key != "system" && key != "model") continue;
      const std::string ref = resolve_path(scalar_of(value, key, "a name or path"), m_spec_dir);
      (key == "system" ? run.system : run.model) = ref;
      (key == "system" ? sys_at : model_at) = &value;
    }
  const system::SystemConfig& point_base = system_for(run.system, *sys_at, sys_at == m_sys_n ? "base.system" : "system");
  json params = json::object();
  Node tree = base_tree_for(run.system, *sys_at, "system");
  Node scenario = m_scenario_base;
  std::vector<std::string> sys_sets = m_base_sets, model_sets = m_base_model_sets;
  for (std::size_t a = 0; a < m_axes.size(); ++a)
    for (const auto& [key, value] : m_axes[a].entries[point_odo[a]]) {
      params[key] = value_json(value);
      if (key == "system" || key == "model") continue;
      if (key.rfind("scenario.", 0) == 0) {
        run.scenario.*(find_scenario_key(key.substr(9))->flag) = value_text(value);
        put(scenario, key.substr(9), value);
      } else if (key.rfind("model.", 0) == 0) {
        model_sets.push_back(key + "=" + value_text(value));
      } else {
        sys_sets.push_back(key + "=" + value_text(value));
        put(tree, key, value);
      }
    }
  run.sets = sys_sets;
  run.sets.insert(run.sets.end(), model_sets.begin(), model_sets.end());
  // Resolve the point from the spec's nodes (errors located at the responsible value)...
  system::SystemConfig cfg;
  workload::Scenario sc;
  const workload::ModelSpec* point_model = nullptr;
  try {
    system::SystemConfig::schema().read(&tree, "", cfg);
    // load_system() names an unnamed system after its file; do the same.
    if (cfg.system.name.empty()) cfg.system.name = point_base.system.name;
    cfg.source_file = point_base.source_file;
    Node seed;  // the child sets scenario.seed from sim.seed (decodesim run --seed); mirror it
    seed.kind = Node::Kind::Scalar;
    seed.scalar = std::to_string(cfg.sim.seed);
    seed.loc = m_axes_n->loc;
    put(scenario, "seed", seed);
    workload::Scenario::schema().read(&scenario, "scenario", sc);
    point_model = &model_for(run.model, model_sets, *model_at, model_at == m_model_n ? "base.model" : "model");
  } catch (const InputError& e) {
    blame_single_value(point_odo);
    throw InputError(std::string(e.what()) + " [point {" + describe_params(params) +
                     "}; a filter can drop invalid combinations]");
  }
  const json resolved = cfg.resolved();
  // ...and every `--set` string the child will get must parse back into the spec's value.
  check_survives(sys_sets, point_odo, params);
  const json scenario_json = workload::Scenario::schema().dump(sc);
  const json model_json = workload::ModelSpec::schema().dump(*point_model);
  if (!kept(resolved, scenario_json, model_json)) {
    ++m_plan.dropped;
    return;
  }
  Point p;
  p.index = m_plan.points.size();
  p.id = stable_hash(json{{"config", resolved},
                          {"model", {{"name", point_model->name}, {"config", model_json}}},
                          {"scenario", scenario_json}}
                         .dump());
  p.params = std::move(params);
  p.run = std::move(run);
  if (const auto [it, fresh] = m_ids.emplace(p.id, p.index); !fresh)
    throw InputError(m_axes_n->loc, "axes", "two points resolve to the same config (each would run twice)",
                     "point " + std::to_string(it->second) + " and {" + describe_params(p.params) + "}",
                     "distinct values on every axis");
  m_plan.points.push_back(std::move(p));
}

void PlanReader::blame_single_value(const std::vector<std::size_t>& point_odo) {
  // A value wrong on its own (a type, a range) is reported as such; one that is only wrong
  // next to another axis's value names the point, since a filter can drop it.
  for (std::size_t a = 0; a < m_axes.size(); ++a)
    for (const auto& [key, value] : m_axes[a].entries[point_odo[a]]) {
      if (key == "system" || key == "model") continue;
      const bool scen = key.rfind("scenario.", 0) == 0;
      const bool mdl = key.rfind("model.", 0) == 0;
      try {
        if (scen) {
          Node alone = m_scenario_base;
          put(alone, key.substr(9), value);
          workload::Scenario ignored;
          workload::Scenario::schema().read(&alone, "scenario", ignored);
        } else if (mdl) {
          model_for(m_model_ref, {key + "=" + value_text(value)}, value, key);
        } else {
          Node alone = *m_base_tree;
          put(alone, key, value);
          system::SystemConfig ignored;
          system::SystemConfig::schema().read(&alone, "", ignored);
        }
      } catch (const InputError& alone_error) {
        // Only an error about this value itself; one located elsewhere (torus2d without
        // its dimensions) is a combination that another axis completes.
        const std::string m = alone_error.what();
        if (m.rfind(value.loc.str() + ":", 0) == 0) throw;
        if (mdl) throw InputError(value.loc, key, m);
      }
    }
}

void PlanReader::check_survives(const std::vector<std::string>& sys_sets, const std::vector<std::size_t>& point_odo,
                                const json& params) {
  // A value that does not survive the command line is caught here rather than in a failed
  // point. Checked per assignment (cached), not per point: the schema reads nodes, so equal
  // nodes resolve equally.
  for (const auto& a : sys_sets) {
    if (m_survived.count(a)) continue;
    const std::string key = a.substr(0, a.find('='));
    const Node* spec_value = nullptr;
    for (const auto& [k, v] : m_base_set_nodes)
      if (k == key && k + "=" + value_text(*v) == a) spec_value = v;
    for (std::size_t ax = 0; ax < m_axes.size() && !spec_value; ++ax)
      for (const auto& [k, v] : m_axes[ax].entries[point_odo[ax]])
        if (k == key) spec_value = &v;
    std::string why = "resolves differently";
    try {
      Node probe;
      probe.kind = Node::Kind::Map;
      config::apply_set(probe, a);
      const Node* leaf = &probe;
      for (std::size_t start = 0; leaf;) {
        const auto dot = key.find('.', start);
        leaf = leaf->find(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      if (leaf && spec_value && same_value(*leaf, *spec_value)) {
        m_survived.insert(a);
        continue;
      }
    } catch (const InputError& e) {
      why = e.what();
    }
    throw InputError(m_axes_n->loc, "axes", "the point {" + describe_params(params) +
                                              "} does not survive the trip to `decodesim run --set`: " + why);
  }
}

bool PlanReader::kept(const json& resolved, const json& scenario_json, const json& model_json) const {
  bool keep = true;
  for (const auto& [is_keep, f] : m_filters) {
    const bool v = f.eval([&](const std::string& k) -> std::optional<Value> {
      const json* j = k.rfind("scenario.", 0) == 0 ? walk(scenario_json, k.substr(9))
                      : k.rfind("model.", 0) == 0  ? walk(model_json, k.substr(6))
                                                   : walk(resolved, k);
      return j ? json_to_value(*j) : std::nullopt;
    });
    if (v != is_keep) keep = false;
  }
  return keep;
}

std::string PlanReader::plan_hash() const {
  std::string ident = "decodesim.sweep/1\n";
  for (const auto& k : m_plan.param_keys) ident += "param " + k + "\n";
  for (const auto& c : m_plan.columns) ident += "column " + c + "\n";
  for (const auto& p : m_plan.points) ident += p.id + "\n";
  return stable_hash(ident);
}

}  // namespace

SweepPlan load_plan(const std::string& spec_file, const driver::Paths& paths) {
  return PlanReader(spec_file, paths).read();
}

}  // namespace decodesim::sweep
