// Statistics tree. Each model owns a StatGroup named like its module, holding stats with a
// name, unit and description; formatting (JSON, console) walks the tree and lives elsewhere.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace decodesim {

struct Stat {
  std::string name;
  std::string unit;
  std::string description;
  double value = 0;
};

class StatGroup {
 public:
  explicit StatGroup(std::string name = {}) : m_name(std::move(name)) {}

  const std::string& name() const { return m_name; }
  /// Adds or overwrites a stat.
  void set(const std::string& name, double value, const std::string& unit, const std::string& description);
  double get(const std::string& name) const;  ///< 0 if absent
  StatGroup& group(const std::string& name);  ///< child group, created on first use
  const std::vector<Stat>& stats() const { return m_stats; }
  const std::vector<StatGroup>& groups() const { return m_groups; }

  /// {"stat": {"value":..,"unit":..,"description":..}, "child": {...}}
  nlohmann::json to_json() const;

 private:
  std::string m_name;
  std::vector<Stat> m_stats;
  std::vector<StatGroup> m_groups;
};

}  // namespace decodesim
