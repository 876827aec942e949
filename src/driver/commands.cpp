#include "driver/commands.h"

#include <systemc>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "common/base/progress.h"
#include "driver/progress_line.h"
#include "driver/outputs.h"
#include "matmul/rtl_matmul_core.h"
#include "matmul/rtl_sc_core.h"
#include "driver/progress.h"
#include "driver/spawn.h"
#include "report/html.h"
#include "report/report.h"
#include "system/run.h"
#include "workload/hf_import.h"
#include "workload/lowering.h"

namespace decodesim::driver {
namespace fs = std::filesystem;

Paths Paths::from_env() {
  const std::string home = config::home_dir();
  return {(fs::path(home) / "configs").string(), (fs::path(home) / "workloads").string()};
}

std::vector<std::string> ScenarioFlags::to_args() const {
  std::vector<std::string> a;
  auto add = [&](const char* flag, const std::optional<std::string>& v) {
    if (v) { a.push_back(flag); a.push_back(*v); }
  };
  add("--batch", batch);
  add("--context", context);
  add("--tokens", tokens);
  add("--weight-dtype", weight_dtype);
  add("--act-dtype", act_dtype);
  add("--kv-dtype", kv_dtype);
  add("--seed", seed);
  if (turn && *turn == "true") a.push_back("--turn");
  add("--prompt-tokens", prompt_tokens);
  add("--cached-tokens", cached_tokens);
  add("--output-tokens", output_tokens);
  return a;
}

int guarded(std::ostream& err, const std::function<int()>& verb) {
  auto one_line = [](std::string m) {
    for (char& c : m)
      if (c == '\n' || c == '\r') c = ' ';
    return m;
  };
  try {
    return verb();
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << one_line(e.what()) << "\n";
    return kExitBadInput;
  } catch (const system::SimulationError& e) {
    err << "decodesim: simulation failed: " << one_line(e.what()) << "\n";
    return kExitSimFailure;
  } catch (const fs::filesystem_error& e) {
    err << "decodesim: error: " << one_line(e.what()) << "\n";
    return kExitBadInput;
  } catch (const sc_core::sc_report& e) {
    // An exception thrown inside a SystemC process comes out of sc_start() as a report; say
    // what it was without SystemC's framing.
    err << "decodesim: simulation failed: " << one_line(e.get_msg()) << "\n";
    return kExitSimFailure;
  } catch (const std::bad_alloc&) {
    err << "decodesim: failed: out of memory (see the limits in docs/cli.md)\n";
    return kExitSimFailure;
  } catch (const std::exception& e) {
    err << "decodesim: failed: " << one_line(e.what()) << "\n";
    return kExitSimFailure;
  } catch (...) {
    err << "decodesim: failed: unknown error\n";
    return kExitSimFailure;
  }
}

namespace {

/// Builds the `scenario:` section from flags, each value located at its flag, then applies
/// `--set scenario.<key>=value` on top (located in that --set).
workload::Scenario scenario_from_flags(const ScenarioFlags& f, std::uint64_t seed, const std::vector<std::string>& sets) {
  config::Node top;
  top.kind = config::Node::Kind::Map;
  top.loc = {"<flags>", 1, 1};
  config::Node& root = top.child("scenario", top.loc);
  auto put = [&](const char* key, const char* flag, const std::optional<std::string>& v) {
    if (!v) return;
    config::Node n;
    n.kind = config::Node::Kind::Scalar;
    n.scalar = *v;
    n.loc = {flag, 1, 1};
    root.map.emplace_back(key, std::move(n));
  };
  put("batch", "--batch", f.batch);
  put("context", "--context", f.context);
  put("tokens", "--tokens", f.tokens);
  put("weight_dtype", "--weight-dtype", f.weight_dtype);
  put("act_dtype", "--act-dtype", f.act_dtype);
  put("kv_dtype", "--kv-dtype", f.kv_dtype);
  put("turn", "--turn", f.turn);
  put("prompt_tokens", "--prompt-tokens", f.prompt_tokens);
  put("cached_tokens", "--cached-tokens", f.cached_tokens);
  put("output_tokens", "--output-tokens", f.output_tokens);
  if (!root.find("seed")) {
    config::Node n;
    n.kind = config::Node::Kind::Scalar;
    n.scalar = std::to_string(seed);
    n.loc = {"--seed", 1, 1};
    root.map.emplace_back("seed", std::move(n));
  }
  for (const auto& s : sets) config::apply_set(top, s);
  config::assign_paths(top);
  workload::Scenario sc;
  workload::Scenario::schema().read(top.find("scenario"), "scenario", sc);
  return sc;
}

/// The one rule for `--set` (run, compare and sweeps alike): `scenario.<key>` is the scenario
/// flag of that name, `model.<key>` overrides the workload file, anything else is a key of the
/// system file. scenario.seed is sim.seed, which also seeds the scenario.
struct SplitSets {
  std::vector<std::string> system, model, scenario;
};
SplitSets split_sets(const std::vector<std::string>& sets) {
  SplitSets out;
  for (const auto& s : sets) {
    if (s.rfind("scenario.seed=", 0) == 0) out.system.push_back("sim.seed=" + s.substr(14));
    else if (s.rfind("scenario.", 0) == 0) out.scenario.push_back(s);
    else if (s.rfind("model.", 0) == 0) out.model.push_back(s);
    else out.system.push_back(s);
  }
  return out;
}


system::RunRequest build_request(const RunOptions& o, const Paths& paths) {
  SplitSets sets = split_sets(o.sets);
  if (o.scenario.seed) sets.system.push_back("sim.seed=" + *o.scenario.seed);
  if (o.no_reuse) sets.system.push_back("sim.reuse=false");
  system::RunRequest req;
  req.cfg = system::load_system(o.system, paths.configs_dir, sets.system);
  req.model = workload::load_model(o.model, paths.workloads_dir, sets.model);
  ScenarioFlags flags = o.scenario;
  flags.seed.reset();
  req.scenario = scenario_from_flags(flags, req.cfg.sim.seed, sets.scenario);
  return req;
}

}  // namespace

workload::Scenario scenario_from_flags(const ScenarioFlags& f, std::uint64_t seed) {
  return scenario_from_flags(f, seed, {});
}

int simulate_and_report(const std::function<system::RunRequest()>& build, const RunOutputs& o, const std::string& kind,
                        const ConsoleFn& console, const nlohmann::json& extra, std::ostream& out, std::ostream& err) {
  try {
    system::RunRequest req = build();
    // The HTML timeline is drawn from the trace's events.
    req.trace = !o.trace_file.empty() || !o.html_file.empty();
    // Outputs are checked before the simulation, against every file this run reads.
    std::vector<std::string> inputs = o.inputs;
    inputs.push_back(req.cfg.source_file);
    check_output(o.out_dir, "--out", OutKind::Dir, inputs);
    check_output(o.trace_file, "--trace", OutKind::File, inputs);
    check_output(o.html_file, "--html", OutKind::File, inputs);
    system::RunResult res;
    {
      ProgressLine progress(ProgressLine::on_terminal(o.quiet), [&req] {
        const progress::Snapshot s = progress::read();
        const double pct = s.total ? 100.0 * static_cast<double>(s.done) / static_cast<double>(s.total) : 0;
        char buf[160];
        std::snprintf(buf, sizeof buf, "decodesim: simulating %s on %s: %.0f%%", req.model.name.c_str(),
                      req.cfg.system.name.c_str(), pct);
        return std::string(buf);
      });
      res = system::simulate(req);
    }
    const report::Summary s = report::summarize(req, res);
    nlohmann::json j = report::result_json(req, res, s);
    for (const auto& [key, v] : extra.items()) j[key] = v;
    // Outputs appear only after the simulation succeeded, all of them or none.
    OutputSet files;
    if (!o.trace_file.empty()) files.stage_file(o.trace_file, res.trace_json);
    if (!o.html_file.empty()) files.stage_file(o.html_file, report::run_html(j, res.trace_json, kind));
    if (!o.out_dir.empty())
      files.stage_dir(o.out_dir, {{"kernels.csv", report::kernels_csv(res)}, {"result.json", j.dump(1) + "\n"}});
    files.commit();
    if (!o.quiet) console(out, req, res, s);
    return kExitOk;
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const system::SimulationError& e) {
    err << "decodesim: simulation failed: " << e.what() << "\n";
    return kExitSimFailure;
  }
}

namespace {

/// Speculative decoding's two reference figures, each from its own plain-decode run (one
/// SystemC elaboration per process): one draft-model step on the draft's system, and one
/// target step, both at the middle of the turn's output. Fills req.speculative_ref.
void measure_speculative_refs(const RunOptions& o, system::RunRequest& req) {
  const workload::Scenario& sc = req.scenario;
  const workload::SpeculativeConfig& sp = sc.speculative;
  std::string tmpl = (fs::temp_directory_path() / "decodesim-draft-XXXXXX").string();
  if (!::mkdtemp(tmpl.data()))
    throw std::runtime_error("cannot create a temporary folder: " + std::string(std::strerror(errno)));
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmpl};
  ScenarioFlags flags = o.scenario;
  flags.turn.reset();
  flags.prompt_tokens.reset();
  flags.cached_tokens.reset();
  flags.output_tokens.reset();
  flags.context = std::to_string(sc.cached_tokens + sc.prompt_tokens + sc.output_tokens / 2 + 1);
  flags.tokens = "1";
  // Scenario keys of the turn mean nothing to a plain decode; system keys only to the target's system.
  // Model keys only to the target model.
  auto plain_sets = [&o](bool same_system, bool same_model) {
    std::vector<std::string> keep;
    for (const auto& s : o.sets) {
      bool turn_key = false;
      for (const auto& k : workload::turn_only_keys()) turn_key = turn_key || s.rfind("scenario." + k, 0) == 0;
      const bool model_key = s.rfind("model.", 0) == 0;
      const bool system_key = s.rfind("scenario.", 0) != 0 && !model_key;
      if (!turn_key && (same_system || !system_key) && (same_model || !model_key)) keep.push_back(s);
    }
    return keep;
  };
  // A draft on the target's TPU or GPU chips runs in the turn's own simulation: only the plain
  // target step needs its own run then.
  const bool draft_here = !req.draft.name.empty();
  std::vector<RunOptions> runs(draft_here ? 1 : 2);
  if (!draft_here) {
    runs[1].system = sp.draft_system.empty() ? o.system : sp.draft_system;
    runs[1].model = sp.draft_model;
    runs[1].sets = plain_sets(sp.draft_system.empty(), false);
  }
  runs[0].system = o.system;
  runs[0].model = o.model;
  runs[0].sets = plain_sets(true, true);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    runs[i].scenario = flags;
    runs[i].no_reuse = o.no_reuse;
    runs[i].quiet = true;
    runs[i].out_dir = (fs::path(tmpl) / std::to_string(i)).string();
  }
  const std::vector<ChildResult> got = run_children(runs, 2, nullptr);
  double step[2] = {0, 0};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (got[i].exit_code != 0)
      throw config::InputError(config::SourceLoc{"<scenario>", 0, 0}, i == 1 ? "scenario.speculative.draft_model" : "",
                               std::string(i == 1 ? "the draft model's run failed" : "the plain-decode reference run failed") +
                                   ": " + got[i].stderr_text);
    std::ifstream in(fs::path(runs[i].out_dir) / "result.json");
    step[i] = nlohmann::json::parse(in).at("summary").at("token_latency_s").get<double>();
  }
  req.speculative_ref.decode_step_s = step[0];
  req.speculative_ref.draft_step_s = step[1];
}

}  // namespace

namespace {

// --rtl-wave: SystemC writes the VCD while it simulates, so it goes to a temporary name beside
// the target, renamed there only when the run succeeded (no partial output) and removed
// otherwise. The run's other outputs do not depend on it.
struct RtlWave {
  std::string target, stem;
  explicit RtlWave(const std::string& file)
      : target(file), stem(file.empty() ? "" : file + ".tmp-" + std::to_string(::getpid())) {}
  // Before the tiles are built: the run must have an rtl_sc tile.
  void arm(const system::RunRequest& req) const {
    if (target.empty()) return;
    const auto& c = req.cfg;
    const bool sc = c.tpu.matmul.impl == matmul::MatmulImpl::RtlSc || c.lpu.matmul.impl == matmul::MatmulImpl::RtlSc ||
                    c.gpu.matmul.impl == matmul::MatmulImpl::RtlSc;
    if (!sc)
      throw config::InputError(config::SourceLoc{"--rtl-wave", 1, 1}, "--rtl-wave",
                               "writes the pins of the in-kernel RTL arrays, and no tile of this run has one", target,
                               "a run with <tile>.matmul.impl=rtl_sc (tpu, lpu or gpu)");
    check_output(target, "--rtl-wave", OutKind::File, {c.source_file});
    matmul::set_rtl_sc_wave(stem);
  }
  ~RtlWave() {
    if (target.empty()) return;
    std::error_code ec;
    fs::remove(stem + ".vcd", ec);
  }
  void publish(int rc) const {
    std::error_code ec;
    if (rc == kExitOk && fs::exists(stem + ".vcd")) fs::rename(stem + ".vcd", target, ec);
  }
};

}  // namespace

int cmd_run(const RunOptions& o, std::ostream& out, std::ostream& err) {
  const Paths paths = Paths::from_env();
  const RunOutputs outputs{o.out_dir, o.trace_file, o.html_file, o.quiet,
                           {o.system, o.model, (fs::path(paths.workloads_dir) / (o.model + ".yaml")).string()}};
  const RtlWave wave(o.rtl_wave_file);
  const int rc = simulate_and_report(
      [&] {
        system::RunRequest req = build_request(o, paths);
        wave.arm(req);
        if (req.scenario.turn && req.scenario.speculative.enabled()) {
          // On the target's own TPU or GPU chips the draft's steps join the turn's simulation
          // (its kernels, time and energy in this run's outputs). The LPU's static placement holds
          // the target alone, so there, as on a draft_system, the draft's step is measured apart.
          const workload::SpeculativeConfig& sp = req.scenario.speculative;
          if (sp.draft_system.empty() && req.cfg.system.arch != system::Arch::Lpu)
            req.draft = workload::load_model(sp.draft_model, paths.workloads_dir, {});
          measure_speculative_refs(o, req);
        }
        return req;
      },
      outputs, "run", report::print_console, nlohmann::json::object(), out, err);
  wave.publish(rc);
  return rc;
}

std::vector<std::string> run_child_argv(const RunOptions& o) {
  std::vector<std::string> argv{self_exe(), "run", "--system", o.system, "--model", o.model};
  for (const auto& a : o.scenario.to_args()) argv.push_back(a);
  for (const auto& s : o.sets) {
    argv.push_back("--set");
    argv.push_back(s);
  }
  if (!o.out_dir.empty()) {
    argv.push_back("--out");
    argv.push_back(o.out_dir);
  }
  if (!o.trace_file.empty()) {
    argv.push_back("--trace");
    argv.push_back(o.trace_file);
  }
  if (!o.html_file.empty()) {
    argv.push_back("--html");
    argv.push_back(o.html_file);
  }
  if (o.no_reuse) argv.push_back("--no-reuse");
  if (o.quiet) argv.push_back("--quiet");
  return argv;
}

std::vector<ChildResult> run_children(const std::vector<RunOptions>& runs, unsigned jobs, Progress* progress) {
  std::vector<ChildResult> results(runs.size());
  parallel_for(runs.size(), jobs, [&](std::size_t i) {
    results[i] = run_child(run_child_argv(runs[i]));
    if (progress) progress->point_done(results[i].exit_code != 0);
  });
  return results;
}

void check_output_file(const std::string& flag, const std::string& path) {
  const fs::path p(path);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (p.filename().empty() || fs::is_directory(p))
    throw config::InputError(config::SourceLoc{flag, 1, 1}, "", "is a folder, not a file", "'" + path + "'",
                             "a file path");
  if (!fs::is_directory(dir))
    throw config::InputError(config::SourceLoc{flag, 1, 1}, "", "folder does not exist", "'" + dir.string() + "'",
                             "a file in an existing folder");
}

namespace {

struct CompareRow {
  const char* label;
  const char* key;
  const char* unit;  ///< SI unit for report::si; empty: a plain number in `fmt`
  const char* fmt = "%.1f";
};

/// Reads a child's result.json; a child that exited 0 without a readable one failed.
nlohmann::json read_result(const fs::path& file) {
  std::ifstream in(file);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

}  // namespace

int cmd_compare(const CompareOptions& o, std::ostream& out, std::ostream& err) {
  if (o.systems.empty()) {
    err << "decodesim: error: --systems: at least one system is required\n";
    return kExitBadInput;
  }
  if (o.jobs > kMaxJobs)
    throw config::InputError(config::SourceLoc{"--jobs", 1, 1}, "jobs", "too many child processes at a time",
                             std::to_string(o.jobs), "[1, " + std::to_string(kMaxJobs) + "]");
  const bool keep = !o.out_dir.empty();
  if (keep) check_output(o.out_dir, "--out", OutKind::Dir, {o.model});
  fs::path base;
  if (keep) {
    base = o.out_dir;
    fs::create_directories(base);
  } else {
    // mkdtemp: a fresh, unguessable folder; a predictable name could be planted by another user.
    std::string tmpl = (fs::temp_directory_path() / "decodesim-compare-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      const int e = errno;
      throw std::runtime_error("cannot create a temporary folder: " + std::string(std::strerror(e)));
    }
    base = tmpl;
  }
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } cleanup{keep ? fs::path() : base};

  if (!o.html_file.empty()) {
    try {
      check_output_file("--html", o.html_file);
    } catch (const config::InputError& e) {
      err << "decodesim: error: " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  std::vector<std::string> dirs(o.systems.size());
  std::vector<RunOptions> runs(o.systems.size());
  std::vector<ChildResult> results(o.systems.size());
  std::atomic<std::size_t> finished{0};
  ProgressLine progress(ProgressLine::on_terminal(o.quiet), [&] {
    return "decodesim: compare: " + std::to_string(finished.load()) + " of " + std::to_string(o.systems.size()) +
           " systems done";
  });
  parallel_for(o.systems.size(), o.jobs, [&](std::size_t i) {
    const std::string label = fs::path(o.systems[i]).stem().string();
    dirs[i] = (base / (std::to_string(i) + "_" + label)).string();
    RunOptions& run = runs[i];
    run.system = o.systems[i];
    run.model = o.model;
    run.scenario = o.scenario;
    run.sets = o.sets;
    run.out_dir = dirs[i];
    run.no_reuse = o.no_reuse;
    run.quiet = true;
    results[i] = run_child(run_child_argv(run));
    ++finished;
  });

  int status = kExitOk;
  std::vector<nlohmann::json> docs(o.systems.size());
  for (std::size_t i = 0; i < o.systems.size(); ++i) {
    if (results[i].exit_code != 0) {
      err << "decodesim: " << o.systems[i] << ": " << results[i].stderr_text;
      status = std::max(status, results[i].exit_code == kExitBadInput ? kExitBadInput : kExitSimFailure);
      continue;
    }
    docs[i] = read_result(fs::path(dirs[i]) / "result.json");
    if (docs[i].is_null()) {
      err << "decodesim: " << o.systems[i] << ": no readable result.json\n";
      status = std::max(status, kExitSimFailure);
    }
  }

  const std::vector<CompareRow> rows = {
      {"time/token", "token_latency_s", "s"},
      {"tokens/s (per seq)", "tokens_per_s_per_user", ""},
      {"tokens/s (total)", "tokens_per_s", ""},
      {"roofline/token", "roofline_latency_s", "s"},
      {"sim/roofline", "roofline_ratio", "", "%.3f"},
      {"energy/token", "energy_per_token_j", "J"},
      {"avg power/chip", "average_power_w_per_chip", "", "%.1f W"},
      {"HBM energy/byte", "hbm_pj_per_byte", "", "%.1f pJ"},
      {"SRAM energy/byte", "sram_pj_per_byte", "", "%.2f pJ"},
      {"mem bytes/token/chip", "hbm_bytes_per_token_per_chip", "B"},
      {"achieved mem BW/chip", "achieved_hbm_bw_bytes_per_s", "B/s"},
      {"peak mem BW/chip", "peak_hbm_bw_bytes_per_s", "B/s"},
  };
  char cell[64];
  std::snprintf(cell, sizeof cell, "%-22s", "");
  out << o.model << "\n" << cell;
  for (std::size_t i = 0; i < o.systems.size(); ++i) {
    std::snprintf(cell, sizeof cell, "%18s", fs::path(o.systems[i]).stem().string().c_str());
    out << cell;
  }
  out << "\n";
  auto row_out = [&](const std::string& label, auto value_of) {
    std::snprintf(cell, sizeof cell, "%-22s", label.c_str());
    out << cell;
    for (std::size_t i = 0; i < o.systems.size(); ++i) {
      std::string v = "failed";
      if (!docs[i].is_null()) {
        try {
          v = value_of(docs[i]);
        } catch (const nlohmann::json::exception&) {
          v = "?";
        }
      }
      std::snprintf(cell, sizeof cell, "%18s", v.c_str());
      out << cell;
    }
    out << "\n";
  };
  row_out("chips", [](const nlohmann::json& d) { return std::to_string(d.at("system").at("chips").get<int>()); });
  for (const auto& r : rows) {
    row_out(r.label, [&](const nlohmann::json& d) {
      const double v = d.at("summary").at(r.key).get<double>();
      if (*r.unit) return report::si(v, r.unit);
      char b[48];
      // A plain number too small for its format keeps three significant digits.
      std::string f = r.fmt;
      if (v != 0 && std::fabs(v) < 0.1) f = "%.3g" + f.substr(std::min(f.find(' '), f.size()));
      std::snprintf(b, sizeof b, f.c_str(), v);
      return std::string(b);
    });
  }
  row_out("bottleneck", [](const nlohmann::json& d) { return d.at("summary").at("bottleneck").get<std::string>(); });
  if (o.scenario.turn) {
    // An agent turn: the figures a user waits on (docs/turns.md).
    for (const auto& [label, key] : std::vector<std::pair<std::string, std::string>>{
             {"TTFT", "ttft_s"}, {"TPOT", "tpot_s"}, {"turn time", "turn_s"}, {"turn energy", "energy_j"}})
      row_out(label, [&key = key](const nlohmann::json& d) {
        const double v = d.at("turn").at(key).get<double>();
        return report::si(v, key == "energy_j" ? "J" : "s");
      });
  }
  // What each run said about itself (model caveats, reuse) belongs with its numbers.
  bool header = false;
  for (std::size_t i = 0; i < o.systems.size(); ++i) {
    if (docs[i].is_null() || !docs[i].contains("notes") || !docs[i]["notes"].is_array()) continue;
    for (const auto& n : docs[i]["notes"]) {
      if (!n.is_string()) continue;
      if (!header) out << "notes:\n";
      header = true;
      out << "  " << fs::path(o.systems[i]).stem().string() << ": " << n.get<std::string>() << "\n";
    }
    std::istringstream warn(results[i].stderr_text);
    for (std::string line; std::getline(warn, line);) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (!header) out << "notes:\n";
      header = true;
      out << "  " << fs::path(o.systems[i]).stem().string() << ": " << line << "\n";
    }
  }
  if (!o.html_file.empty()) {
    nlohmann::json runs_data = nlohmann::json::array();
    for (std::size_t i = 0; i < o.systems.size(); ++i) {
      nlohmann::json r = {{"label", fs::path(o.systems[i]).stem().string()}};
      if (docs[i].is_null()) r["error"] = child_error_line(results[i].stderr_text);
      else r["result"] = report::for_page(docs[i]);
      runs_data.push_back(r);
    }
    const nlohmann::json data = {{"kind", "compare"}, {"model", o.model}, {"version", report::version_string()},
                                 {"runs", runs_data}};
    report::write_file_atomic(o.html_file, report::html_page("decodesim compare: " + o.model, data));
    out << "html: " << o.html_file << "\n";
  }
  if (keep) out << "results: " << base.string() << "/<n>_<system>/result.json\n";
  return status;
}

int cmd_model_import(const std::string& json_path, const std::string& out_file, const std::string& name,
                     std::ostream& out, std::ostream& err) {
  return guarded(err, [&] {
    if (!out_file.empty()) check_output_file("-o", out_file);
    std::string n = name;
    if (n.empty()) n = !out_file.empty() ? fs::path(out_file).stem().string()
                                         : fs::absolute(json_path).parent_path().filename().string();
    if (n.empty()) n = "imported";
    const std::string yaml = workload::import_hf_config(json_path, n);
    if (out_file.empty()) {
      out << yaml;
      return kExitOk;
    }
    // Staged and renamed: a failed write leaves no partial workload behind.
    const std::string tmp = out_file + ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f << yaml;
      if (!f.flush())
        throw config::InputError(config::SourceLoc{"-o", 0, 0}, "", "cannot write", "'" + out_file + "'", "");
    }
    fs::rename(tmp, out_file);
    return kExitOk;
  });
}

int cmd_config_explain(const std::string& section, bool markdown, std::ostream& out, std::ostream& err) {
  const auto& schema = system::SystemConfig::schema();
  if (section.empty() && markdown) {
    // The whole reference, one table per section: docs/config-reference.md is this output.
    out << "# Configuration reference\n\nGenerated by `decodesim config explain --markdown`; a test keeps it in "
           "sync with the code.\nSystem files (configs/systems/*.yaml) hold the sections below (a system reads only those of "
           "its architecture: see docs/cli.md); `--set a.b=v` overrides any key, `scenario.*` and `model.*` "
           "included.\n";
    auto table = [&](const std::string& name, const std::string& desc, const auto& collect) {
      std::vector<config::ParamInfo> rows;
      collect(rows);
      out << "\n## `" << name << "`\n\n" << desc << "\n\n";
      config::print_params_markdown(out, rows);
    };
    std::vector<config::ParamInfo> all;
    schema.collect("", all);
    for (const auto& section_desc : schema.sections()) {
      // A named reference, not a structured binding: the lambda captures it (C++17, clang).
      const std::string& name = section_desc.first;
      table(name, section_desc.second, [&](auto& rows) {
        for (const auto& r : all)
          if (r.key.rfind(name + ".", 0) == 0) rows.push_back(r);
      });
    }
    table("scenario", "run flags: --batch, --context, --tokens, --weight-dtype, --act-dtype, --kv-dtype, --seed",
          [](auto& rows) { workload::Scenario::schema().collect("scenario", rows); });
    table("model", "workload files (workloads/*.yaml); `--set model.<key>=v` overrides one",
          [](auto& rows) { workload::ModelSpec::schema().collect("model", rows); });
    return kExitOk;
  }
  std::vector<config::ParamInfo> rows;
  if (section.empty() || section == "scenario") {
    if (section.empty()) {
      out << "Sections of a system file (configs/systems/*.yaml); `decodesim config explain <section>` "
             "lists one:\n";
      for (const auto& [name, desc] : schema.sections()) out << "  " << name << "  " << desc << "\n";
      out << "  scenario  run flags (--batch, --context, --tokens, --*-dtype)\n";
      out << "  model  workload files (workloads/*.yaml); --set model.<key>=v overrides one\n\n";
      schema.collect("", rows);
    }
    workload::Scenario::schema().collect("scenario", rows);
  } else if (section == "model") {
    workload::ModelSpec::schema().collect("model", rows);
  } else {
    std::vector<config::ParamInfo> all;
    schema.collect("", all);
    for (const auto& r : all)
      if (r.key == section || r.key.rfind(section + ".", 0) == 0) rows.push_back(r);
    if (rows.empty()) {
      std::string allowed;
      for (const auto& [name, desc] : schema.sections()) allowed += name + ", ";
      err << "decodesim: error: config explain: unknown section, got '" << section << "', allowed " << allowed
          << "scenario, model\n";
      return kExitBadInput;
    }
  }
  if (markdown) config::print_params_markdown(out, rows);
  else config::print_params(out, rows);
  return kExitOk;
}

namespace {

void emit_yaml(YAML::Emitter& y, const nlohmann::json& j) {
  if (j.is_object()) {
    y << YAML::BeginMap;
    for (const auto& [k, v] : j.items()) {
      y << YAML::Key << k << YAML::Value;
      emit_yaml(y, v);
    }
    y << YAML::EndMap;
  } else if (j.is_array()) {
    y << YAML::Flow << YAML::BeginSeq;
    for (const auto& v : j) emit_yaml(y, v);
    y << YAML::EndSeq;
  } else if (j.is_string()) {
    y << j.get<std::string>();
  } else {
    y << j.dump();  // numbers and booleans exactly as result.json writes them
  }
}

}  // namespace

int cmd_config_show(const std::string& system, const std::vector<std::string>& sets, std::ostream& out,
                    std::ostream& err) {
  try {
    const auto cfg = system::load_system(system, Paths::from_env().configs_dir, sets);
    // Sections in the order a system file lists them; each complete, so the output can be
    // saved and edited as a self-contained system file.
    const nlohmann::json own = cfg.resolved_own();
    YAML::Emitter y;
    y << YAML::BeginMap;
    for (const auto& section : system::applicable_sections(cfg.system.arch)) {
      y << YAML::Key << section << YAML::Value;
      emit_yaml(y, own[section]);
    }
    y << YAML::EndMap;
    out << "# " << cfg.system.name << " (" << system::arch_name(cfg.system.arch) << "), resolved from "
        << cfg.source_file << (sets.empty() ? "" : " with --set overrides") << "\n"
        << y.c_str() << "\n";
    return kExitOk;
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}

int cmd_validate_rtl(matmul::ValidateOptions opts, const std::string& sizes, const std::string& tiles,
                     const std::vector<std::string>& rtl_files, const std::vector<std::string>& params,
                     std::ostream& out, std::ostream& err) {
  try {
    if (!sizes.empty()) {
      opts.sizes.clear();
      std::stringstream ss(sizes);
      std::string part;
      int col = 1;
      while (std::getline(ss, part, ',')) {
        std::uint32_t v = 0;
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
        if (ec != std::errc() || p != part.data() + part.size() || v == 0)
          throw config::InputError(config::SourceLoc{"--sizes", 1, col}, "sizes", "expected a positive integer",
                                   "'" + part + "'", "a comma-separated list such as 8,16");
        opts.sizes.push_back(v);
        col += static_cast<int>(part.size()) + 1;
      }
    }
    if (!tiles.empty()) {
      // Parsed here, not by CLI11, which reads "-1" into an unsigned as 2^64-1.
      constexpr std::uint64_t kMaxTiles = 10000000;
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(tiles.data(), tiles.data() + tiles.size(), v);
      if (ec != std::errc() || p != tiles.data() + tiles.size() || v == 0 || v > kMaxTiles)
        throw config::InputError(config::SourceLoc{"--tiles", 1, 1}, "tiles", "expected a whole number of tiles",
                                 "'" + tiles + "'", "[1, " + std::to_string(kMaxTiles) + "]");
      opts.tiles = v;
    }
    for (const std::string& f : rtl_files) opts.design.sources.push_back(std::filesystem::absolute(f).string());
    opts.design.where = "--rtl";
    for (const std::string& p : params) {
      const std::size_t eq = p.find('=');
      std::int64_t v = 0;
      const char* b = eq == std::string::npos ? nullptr : p.data() + eq + 1;
      const auto [end, ec] = b ? std::from_chars(b, p.data() + p.size(), v) : std::from_chars_result{nullptr, {}};
      if (!b || eq == 0 || ec != std::errc() || end != p.data() + p.size())
        throw config::InputError(config::SourceLoc{"--param", 1, 1}, "param", "expected NAME=INT", "'" + p + "'",
                                 "e.g. --param Latency=3");
      const std::string name = p.substr(0, eq);
      if (name == "Rows" || name == "Cols" || name == "WeightBuffers")
        throw config::InputError(config::SourceLoc{"--param", 1, 1}, "param", "is set from --sizes", "'" + p + "'",
                                 "other parameters of the top");
      opts.design.parameters[name] = v;
    }
    if (opts.design.empty() && (!params.empty() || opts.design.top != "systolic_array"))
      throw config::InputError(config::SourceLoc{"--top", 1, 1}, "top", "--top and --param need --rtl",
                               opts.design.top, "--rtl FILE.sv... --top NAME");
    // Our own RTL's sizes are checked before anything runs; a user design's contract is
    // checked at each size before its first tile (a wrong width depends on the size).
    if (opts.design.empty())
      for (const std::uint32_t size : opts.sizes)
        if (!matmul::rtl_can_build(matmul::MatmulConfig{}, {size, size, 2}))
          throw config::InputError(config::SourceLoc{"--sizes", 1, 1}, "sizes", "our RTL core has no such size",
                                   std::to_string(size) + "x" + std::to_string(size), matmul::rtl_buildable_sizes());
    for (const std::uint32_t size : opts.sizes)
      check_output(matmul::wave_path_for(opts, size), "--wave", OutKind::File);
    return matmul::run_validate_rtl(opts, out);
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return kExitSimFailure;
  }
}

}  // namespace decodesim::driver
