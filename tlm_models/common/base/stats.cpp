#include "common/base/stats.h"

namespace decodesim {

void StatGroup::set(const std::string& name, double value, const std::string& unit,
                    const std::string& description) {
  for (auto& s : m_stats)
    if (s.name == name) { s.value = value; s.unit = unit; s.description = description; return; }
  m_stats.push_back({name, unit, description, value});
}

double StatGroup::get(const std::string& name) const {
  for (const auto& s : m_stats)
    if (s.name == name) return s.value;
  return 0;
}

StatGroup& StatGroup::group(const std::string& name) {
  for (auto& g : m_groups)
    if (g.name() == name) return g;
  m_groups.emplace_back(name);
  return m_groups.back();
}

nlohmann::json StatGroup::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& s : m_stats) j[s.name] = {{"value", s.value}, {"unit", s.unit}, {"description", s.description}};
  for (const auto& g : m_groups) j[g.name()] = g.to_json();
  return j;
}

}  // namespace decodesim
