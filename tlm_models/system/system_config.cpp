#include "system/system_config.h"

#include <algorithm>
#include <filesystem>

namespace decodesim::system {
namespace fs = std::filesystem;

const char* arch_name(Arch a) {
  switch (a) {
    case Arch::Tpu: return "tpu";
    case Arch::Lpu: return "lpu";
    case Arch::Gpu: return "gpu";
  }
  return "?";
}

const config::Schema<SystemSection>& SystemSection::schema() {
  using S = config::Schema<SystemSection>;
  static const S s =
      S("the system: architecture, chip count and how chips are connected")
          .text("name", &SystemSection::name, "", "display name (defaults to the file name)")
          .choice("arch", &SystemSection::arch, {{"tpu", Arch::Tpu}, {"lpu", Arch::Lpu}, {"gpu", Arch::Gpu}}, Arch::Tpu,
                  "which tile every chip holds")
          .num("chips", &SystemSection::chips, "count", 1u, 1u, 4096u, "chips; >1 shards the model tensor-parallel")
          .choice("topology", &SystemSection::topology, {{"ring", Topology::Ring}, {"torus2d", Topology::Torus2d}},
                  Topology::Ring, "chip-to-chip topology used by collectives")
          .list("torus_dims", &SystemSection::torus_dims, "chips", std::vector<std::uint32_t>{}, 1u, 4096u, 2,
                "torus2d: chips along x and y (x*y = chips)");
  return s;
}

void SystemSection::validate(const config::Node* n, const std::string& path) const {
  if (topology == Topology::Torus2d) {
    if (torus_dims.size() != 2)
      config::fail_at(n, path, "torus_dims", "torus2d needs two dimensions",
                      std::to_string(torus_dims.size()) + " values", "[x, y]");
    if (torus_dims[0] * torus_dims[1] != chips)
      config::fail_at(n, path, "torus_dims", "x*y must equal system.chips",
                      std::to_string(torus_dims[0]) + "x" + std::to_string(torus_dims[1]),
                      "a product of " + std::to_string(chips));
  }
}

const config::Schema<SimConfig>& SimConfig::schema() {
  using S = config::Schema<SimConfig>;
  static const S s = S("simulation control")
                         .num("seed", &SimConfig::seed, "-", std::uint64_t{1}, std::uint64_t{0},
                              std::uint64_t{1} << 62, "seed for every pseudo-random choice (MoE routing, token ids)")
                         .flag("reuse", &SimConfig::reuse, true,
                               "replay identical decoder layers and symmetric shards (see docs/reuse.md)")
                         .num("max_simulated_s", &SimConfig::max_simulated_s, "s", 60.0, 1e-9, 1e6,
                              "watchdog: stop with exit status 3 if the run has not finished by this simulated time");
  return s;
}

const config::Schema<SystemConfig>& SystemConfig::schema() {
  using S = config::Schema<SystemConfig>;
  static const S s = S("a simulated system")
                         .section("system", &SystemConfig::system)
                         .section("hbm", &SystemConfig::hbm)
                         .section("dma", &SystemConfig::dma)
                         .section("link", &SystemConfig::link)
                         .section("tpu", &SystemConfig::tpu)
                         .section("lpu", &SystemConfig::lpu)
                         .section("gpu", &SystemConfig::gpu)
                         .section("energy", &SystemConfig::energy)
                         .section("sim", &SystemConfig::sim);
  return s;
}

void SystemConfig::validate(const config::Node* n, const std::string&) const {
  if (system.arch == Arch::Lpu) {
    // The LPU's network is its own (lpu.c2c): nodes of directly linked chips, global ports between.
    const config::Node* sys = n ? n->find("system") : nullptr;
    if (system.topology != Topology::Ring)
      config::fail_at(sys, "system", "topology", "the LPU is wired by lpu.c2c, not a torus", "torus2d", "ring");
    // Every port the wiring needs must exist on the chip.
    const std::uint32_t need = (lpu.c2c.node_chips - 1) * lpu.c2c.links_per_peer + lpu.c2c.global_links;
    if (need > link.links_per_chip) {
      const config::Node* c2c = n && n->find("lpu") ? n->find("lpu")->find("c2c") : nullptr;
      config::fail_at(c2c ? c2c : (n ? n->find("lpu") : nullptr), "lpu.c2c", "links_per_peer",
                      "more links than the chip has: (node_chips-1) x links_per_peer + global_links = " +
                          std::to_string(lpu.c2c.node_chips - 1) + " x " + std::to_string(lpu.c2c.links_per_peer) +
                          " + " + std::to_string(lpu.c2c.global_links) + " = " + std::to_string(need),
                      std::to_string(lpu.c2c.links_per_peer),
                      "a total of at most link.links_per_chip = " + std::to_string(link.links_per_chip));
    }
    // A tensor group is one node, or whole nodes whose counterpart chips reach each other
    // directly over one global port each (the hierarchical all-reduce's cross-node step).
    const std::uint32_t g = lpu.group_chips(), node = lpu.c2c.node_chips;
    if (g > node && (g % node != 0 || g / node - 1 > lpu.c2c.global_links))
      config::fail_at(n ? n->find("lpu") : nullptr, "lpu", "tensor_parallel",
                      "a tensor group is one node or whole nodes, each chip reaching its counterparts in the "
                      "other nodes over its own global port",
                      std::to_string(lpu.tensor_parallel),
                      "at most lpu.c2c.node_chips = " + std::to_string(node) + ", or a multiple of it up to (" +
                          "global_links + 1) x node_chips = " + std::to_string((lpu.c2c.global_links + 1) * node));
  }
}

nlohmann::json SystemConfig::resolved() const { return schema().dump(*this); }

std::vector<std::string> list_systems(const std::string& configs_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(configs_dir) / "systems", ec))
    if (e.path().extension() == ".yaml") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

SystemConfig load_system(const std::string& name_or_path, const std::string& configs_dir,
                         const std::vector<std::string>& sets) {
  std::string file = name_or_path;
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               (name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".yaml");
  if (!looks_like_path) {
    file = (fs::path(configs_dir) / "systems" / (name_or_path + ".yaml")).string();
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      std::string allowed;
      for (const auto& s : list_systems(configs_dir)) allowed += (allowed.empty() ? "" : ", ") + s;
      throw config::InputError(config::SourceLoc{"--system", 1, 1}, "system", "unknown system",
                               "'" + name_or_path + "'", "one of: " + allowed + " (or a path to a .yaml file)");
    }
  }
  SystemConfig cfg;
  cfg.tree = config::load_file(file);
  for (const auto& s : sets) config::apply_set(cfg.tree, s);
  SystemConfig::schema().read(&cfg.tree, "", cfg);
  cfg.source_file = file;
  if (cfg.system.name.empty()) cfg.system.name = fs::path(file).stem().string();
  return cfg;
}

}  // namespace decodesim::system
