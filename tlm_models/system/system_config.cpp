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
    case Arch::Rdu: return "rdu";
    case Arch::Wse: return "wse";
  }
  return "?";
}

const config::Schema<SystemSection>& SystemSection::schema() {
  using S = config::Schema<SystemSection>;
  static const S s =
      S("the system: architecture, chip count and how chips are connected")
          .text("name", &SystemSection::name, "", "display name (defaults to the file name)")
          .choice("arch", &SystemSection::arch, {{"tpu", Arch::Tpu}, {"lpu", Arch::Lpu}, {"gpu", Arch::Gpu}, {"rdu", Arch::Rdu}, {"wse", Arch::Wse}}, Arch::Tpu,
                  "which tile every chip holds")
          .num("chips", &SystemSection::chips, "count", 1u, 1u, 4096u, "chips; >1 shards the model tensor-parallel")
          .choice("topology", &SystemSection::topology, {{"ring", Topology::Ring}, {"torus2d", Topology::Torus2d}, {"mesh", Topology::Mesh}},
                  Topology::Ring,
                  "chip-to-chip topology used by collectives (mesh: a direct link from every chip to every other, "
                  "as HCCS in an 8-NPU server)")
          .choice("all_reduce", &SystemSection::all_reduce,
                  {{"schedule", AllReduceAlgo::Schedule}, {"one_shot", AllReduceAlgo::OneShot}},
                  AllReduceAlgo::Schedule,
                  "how all-reduces run: schedule (the topology's reduce-scatter + all-gather, as NCCL and XLA "
                  "run them) or one_shot (PyTorch's intra-node comm, ENABLE_INTRA_NODE_COMM=1: one flag "
                  "exchange, then every chip loads every peer's whole buffer; GPUs, up to 8 chips, messages "
                  "up to 256 KiB, larger ones take the schedule)")
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
                              "watchdog: stop with exit status 3 if the run has not finished by this simulated time")
                         .choice("tlm_mode", &SimConfig::tlm_mode,
                                 {{"lt", memory::TlmMode::Lt}, {"at", memory::TlmMode::At}}, memory::TlmMode::Lt,
                                 "memory protocol: lt (b_transport + quantum keeper) or at (4-phase nb_transport); "
                                 "docs/memory.md")
                         .num("quantum_ns", &SimConfig::quantum_ns, "ns", 100000.0, 1.0, 1e9,
                              "LT: how far an initiator runs ahead of SystemC time before it syncs (tlm_quantumkeeper)")
                         .flag("check_protocol", &SimConfig::check_protocol, false,
                               "check the TLM-2.0 base protocol on every memory socket binding (IEEE 1666-2011)");
  return s;
}

const config::Schema<SystemConfig>& SystemConfig::schema() {
  using S = config::Schema<SystemConfig>;
  static const S s = S("a simulated system")
                         .section("system", &SystemConfig::system)
                         .section("memory", &SystemConfig::memory)
                         .section("hbm", &SystemConfig::hbm)
                         .section("dma", &SystemConfig::dma)
                         .section("link", &SystemConfig::link)
                         .section("tpu", &SystemConfig::tpu)
                         .section("lpu", &SystemConfig::lpu)
                         .section("gpu", &SystemConfig::gpu)
                         .section("tiers", &SystemConfig::tiers)
                         .section("wse", &SystemConfig::wse)
                         .section("energy", &SystemConfig::energy)
                         .section("sim", &SystemConfig::sim);
  return s;
}

std::vector<std::string> applicable_sections(Arch a) {
  switch (a) {
    // memory: which target sits behind the memory socket (the built-in HBM or an external one).
    case Arch::Tpu: return {"system", "hbm", "memory", "dma", "link", "tpu", "energy", "sim"};
    case Arch::Lpu: return {"system", "link", "lpu", "energy", "sim"};  // SRAM only: no HBM, no DMA
    case Arch::Gpu: return {"system", "hbm", "memory", "link", "gpu", "energy", "sim"};  // SMs load through L2
    // The TPU tile's sections plus the DDR tier and its model-switch engine.
    case Arch::Rdu: return {"system", "hbm", "memory", "dma", "link", "tpu", "tiers", "energy", "sim"};
    case Arch::Wse: return {"system", "link", "wse", "energy", "sim"};  // PE SRAM only; link: between wafers
  }
  return {};
}

void SystemConfig::validate(const config::Node* n, const std::string&) const {
  // A key of another architecture would be read, validated and then ignored: the run would
  // silently simulate something other than what was asked.
  if (n) {
    const std::vector<std::string> ok = applicable_sections(system.arch);
    for (const auto& [section, node] : n->map) {
      if (std::find(ok.begin(), ok.end(), section) != ok.end()) continue;
      // Name the first key set inside it (gpu.sms), located where it was set.
      const config::Node* leaf = &node;
      std::string key = section;
      while (leaf->is_map() && !leaf->map.empty()) {
        key += "." + leaf->map.front().first;
        leaf = &leaf->map.front().second;
      }
      std::string allowed;
      for (const auto& a : ok) allowed += (allowed.empty() ? "" : ", ") + a;
      throw config::InputError(leaf->loc, key,
                               std::string("does not apply to a system of arch ") + arch_name(system.arch), "'" +
                                   key + "'",
                               "keys of the sections " + allowed);
    }
  }
  if (system.topology == Topology::Torus2d && link.links_per_chip < 4) {
    // The torus all-reduce sends on +x, -x, +y and -y at once.
    const config::Node* sys = n ? n->find("system") : nullptr;
    config::fail_at(sys, "system", "topology",
                    "a 2D torus needs 4 links per chip (+x, -x, +y, -y), link.links_per_chip is " +
                        std::to_string(link.links_per_chip),
                    "torus2d", "ring, or link.links_per_chip >= 4");
  }
  if (system.topology == Topology::Mesh && system.chips > link.links_per_chip + 1) {
    // A full mesh needs a port to every peer; fewer ports would need hops the mesh collective
    // does not take.
    const config::Node* sys = n ? n->find("system") : nullptr;
    config::fail_at(sys, "system", "topology",
                    "a full mesh of " + std::to_string(system.chips) + " chips needs " +
                        std::to_string(system.chips - 1) + " links per chip, link.links_per_chip is " +
                        std::to_string(link.links_per_chip),
                    "mesh", "ring, or link.links_per_chip >= system.chips - 1");
  }
  if (system.all_reduce == AllReduceAlgo::OneShot) {
    // PyTorch's intra-node comm: GPUs of one node (kMaxDevices = 8), each loading from every
    // peer directly, which a switch or a full mesh gives and a torus does not.
    const config::Node* sys = n ? n->find("system") : nullptr;
    if (system.arch != Arch::Gpu)
      config::fail_at(sys, "system", "all_reduce",
                      std::string("one_shot is PyTorch's intra-node GPU all-reduce; this system's arch is ") +
                          arch_name(system.arch),
                      "one_shot", "schedule");
    if (system.topology == Topology::Torus2d)
      config::fail_at(sys, "system", "all_reduce", "one_shot loads from every peer directly, which a torus does not give",
                      "one_shot", "schedule, or topology ring (a switch) or mesh");
    if (system.chips > 8)
      config::fail_at(sys, "system", "all_reduce",
                      "one_shot serves the GPUs of one node, at most 8; system.chips is " +
                          std::to_string(system.chips),
                      "one_shot", "schedule, or system.chips <= 8");
  }
  if (system.arch == Arch::Lpu) {
    // The LPU's network is its own (lpu.c2c): nodes of directly linked chips, global ports between.
    const config::Node* sys = n ? n->find("system") : nullptr;
    if (system.topology != Topology::Ring)
      config::fail_at(sys, "system", "topology", "the LPU is wired by lpu.c2c, not a torus or mesh",
                      system.topology == Topology::Torus2d ? "torus2d" : "mesh", "ring");
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

nlohmann::json SystemConfig::resolved_own() const {
  nlohmann::json all = resolved();
  nlohmann::json own = nlohmann::json::object();
  for (const auto& s : applicable_sections(system.arch)) own[s] = all[s];
  return own;
}

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
  cfg.tree = config::load_file(file, {}, "--system");
  // A file that does not say what it is (a model file given as --system) is refused, not run
  // on defaults.
  const config::Node* sys = cfg.tree.find("system");
  if (!sys || !sys->is_map() || !sys->find("arch"))
    throw config::InputError(config::SourceLoc{file, 1, 1}, "system.arch",
                             "not a system file: no `system:` map naming its architecture", "",
                             "system: {arch: tpu | lpu | gpu} (see configs/systems/)");
  cfg.source_file = file;
  return with_sets(cfg, sets);
}

SystemConfig with_sets(const SystemConfig& loaded, const std::vector<std::string>& sets) {
  SystemConfig cfg;
  cfg.tree = loaded.tree;
  for (const auto& s : sets) config::apply_set(cfg.tree, s);
  SystemConfig::schema().read(&cfg.tree, "", cfg);
  cfg.source_file = loaded.source_file;
  if (cfg.system.name.empty()) cfg.system.name = fs::path(cfg.source_file).stem().string();
  return cfg;
}

}  // namespace decodesim::system
