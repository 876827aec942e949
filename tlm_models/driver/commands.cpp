#include "driver/commands.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "driver/progress.h"
#include "driver/spawn.h"
#include "report/html.h"
#include "report/report.h"
#include "system/run.h"
#include "workload/lowering.h"

namespace decodesim::driver {
namespace fs = std::filesystem;

Paths Paths::from_env() {
  std::string home = DECODESIM_SOURCE_DIR;
  if (const char* h = std::getenv("DECODESIM_HOME"); h && *h) home = h;
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
  return a;
}

workload::Scenario scenario_from_flags(const ScenarioFlags& f, std::uint64_t seed) {
  config::Node root;
  root.kind = config::Node::Kind::Map;
  root.loc = {"<flags>", 1, 1};
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
  if (!root.find("seed")) {
    config::Node n;
    n.kind = config::Node::Kind::Scalar;
    n.scalar = std::to_string(seed);
    n.loc = {"--seed", 1, 1};
    root.map.emplace_back("seed", std::move(n));
  }
  config::assign_paths(root, "scenario");
  workload::Scenario s;
  workload::Scenario::schema().read(&root, "scenario", s);
  return s;
}

namespace {

system::RunRequest build_request(const RunOptions& o, const Paths& paths) {
  std::vector<std::string> sets = o.sets;
  if (o.scenario.seed) sets.push_back("sim.seed=" + *o.scenario.seed);
  if (o.no_reuse) sets.push_back("sim.reuse=false");
  system::RunRequest req;
  req.cfg = system::load_system(o.system, paths.configs_dir, sets);
  req.model = workload::load_model(o.model, paths.workloads_dir);
  ScenarioFlags flags = o.scenario;
  flags.seed.reset();
  req.scenario = scenario_from_flags(flags, req.cfg.sim.seed);
  return req;
}

}  // namespace

int simulate_and_report(const std::function<system::RunRequest()>& build, const RunOutputs& o, const std::string& kind,
                        const ConsoleFn& console, const nlohmann::json& extra, std::ostream& out, std::ostream& err) {
  try {
    system::RunRequest req = build();
    // The HTML timeline is drawn from the trace's events.
    req.trace = !o.trace_file.empty() || !o.html_file.empty();
    if (!o.out_dir.empty() && fs::exists(o.out_dir) && !fs::is_directory(o.out_dir))
      throw config::InputError(config::SourceLoc{"--out", 1, 1}, "out", "not a directory", "'" + o.out_dir + "'",
                               "a directory path");
    if (!o.html_file.empty()) check_output_file("--html", o.html_file);
    if (!o.trace_file.empty()) check_output_file("--trace", o.trace_file);
    const system::RunResult res = system::simulate(req);
    const report::Summary s = report::summarize(req, res);
    if (!o.quiet) console(out, req, res, s);
    nlohmann::json j = report::result_json(req, res, s);
    for (const auto& [k, v] : extra.items()) j[k] = v;
    // Outputs appear only after the simulation succeeded, each file atomically.
    if (!o.out_dir.empty()) {
      fs::create_directories(o.out_dir);
      report::write_file_atomic((fs::path(o.out_dir) / "result.json").string(), j.dump(1) + "\n");
      report::write_file_atomic((fs::path(o.out_dir) / "kernels.csv").string(), report::kernels_csv(res));
    }
    if (!o.trace_file.empty()) report::write_file_atomic(o.trace_file, res.trace_json);
    if (!o.html_file.empty()) report::write_file_atomic(o.html_file, report::run_html(j, res.trace_json, kind));
    return kExitOk;
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const system::SimulationError& e) {
    err << "decodesim: simulation failed: " << e.what() << "\n";
    return kExitSimFailure;
  }
}

int cmd_run(const RunOptions& o, std::ostream& out, std::ostream& err) {
  return simulate_and_report([&] { return build_request(o, Paths::from_env()); },
                             {o.out_dir, o.trace_file, o.html_file, o.quiet}, "run", report::print_console,
                             nlohmann::json::object(), out, err);
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
  double scale;
  const char* fmt;
};

}  // namespace

int cmd_compare(const CompareOptions& o, std::ostream& out, std::ostream& err) {
  if (o.systems.empty()) {
    err << "decodesim: error: --systems: at least one system is required\n";
    return kExitBadInput;
  }
  const bool keep = !o.out_dir.empty();
  fs::path base = keep ? fs::path(o.out_dir) : fs::temp_directory_path() / ("decodesim-compare-" + std::to_string(::getpid()));
  fs::create_directories(base);

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
  for (std::size_t i = 0; i < o.systems.size(); ++i) {
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
  }
  const std::vector<ChildResult> results = run_children(runs, o.jobs, nullptr);

  int status = kExitOk;
  std::vector<nlohmann::json> docs(o.systems.size());
  for (std::size_t i = 0; i < o.systems.size(); ++i) {
    if (results[i].exit_code != 0) {
      err << "decodesim: " << o.systems[i] << ": " << results[i].stderr_text;
      status = std::max(status, results[i].exit_code == kExitBadInput ? kExitBadInput : kExitSimFailure);
      continue;
    }
    std::ifstream in(fs::path(dirs[i]) / "result.json");
    docs[i] = nlohmann::json::parse(in);
  }

  const std::vector<CompareRow> rows = {
      {"time/token", "token_latency_s", 1e3, "%.3f ms"},
      {"tokens/s (per seq)", "tokens_per_s_per_user", 1, "%.1f"},
      {"tokens/s (total)", "tokens_per_s", 1, "%.1f"},
      {"roofline/token", "roofline_latency_s", 1e3, "%.3f ms"},
      {"sim/roofline", "roofline_ratio", 1, "%.3f"},
      {"energy/token", "energy_per_token_j", 1, "%.3f J"},
      {"avg power/chip", "average_power_w_per_chip", 1, "%.1f W"},
      {"HBM energy/byte", "hbm_pj_per_byte", 1, "%.1f pJ"},
      {"SRAM energy/byte", "sram_pj_per_byte", 1, "%.2f pJ"},
      {"mem bytes/token/chip", "hbm_bytes_per_token_per_chip", 1e-9, "%.3f GB"},
      {"achieved mem BW/chip", "achieved_hbm_bw_bytes_per_s", 1e-9, "%.1f GB/s"},
      {"peak mem BW/chip", "peak_hbm_bw_bytes_per_s", 1e-9, "%.1f GB/s"},
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
      std::snprintf(cell, sizeof cell, "%18s", docs[i].is_null() ? "failed" : value_of(docs[i]).c_str());
      out << cell;
    }
    out << "\n";
  };
  row_out("chips", [](const nlohmann::json& d) { return std::to_string(d["system"]["chips"].get<int>()); });
  for (const auto& r : rows) {
    row_out(r.label, [&](const nlohmann::json& d) {
      char b[48];
      std::snprintf(b, sizeof b, r.fmt, d["summary"][r.key].get<double>() * r.scale);
      return std::string(b);
    });
  }
  row_out("bottleneck", [](const nlohmann::json& d) { return d["summary"]["bottleneck"].get<std::string>(); });
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
  else fs::remove_all(base);
  return status;
}

int cmd_config_explain(const std::string& section, bool markdown, std::ostream& out, std::ostream& err) {
  const auto& schema = system::SystemConfig::schema();
  if (section.empty() && markdown) {
    // The whole reference, one table per section: docs/config-reference.md is this output.
    out << "# Configuration reference\n\nGenerated by `decodesim config explain --markdown`; a test keeps it in "
           "sync with the code.\nSystem files (configs/systems/*.yaml) hold the sections below; `--set a.b=v` "
           "overrides any key.\n";
    auto table = [&](const std::string& name, const std::string& desc, const auto& collect) {
      std::vector<config::ParamInfo> rows;
      collect(rows);
      out << "\n## `" << name << "`\n\n" << desc << "\n\n";
      config::print_params_markdown(out, rows);
    };
    std::vector<config::ParamInfo> all;
    schema.collect("", all);
    for (const auto& [name, desc] : schema.sections())
      table(name, desc, [&](auto& rows) {
        for (const auto& r : all)
          if (r.key.rfind(name + ".", 0) == 0) rows.push_back(r);
      });
    table("scenario", "run flags: --batch, --context, --tokens, --weight-dtype, --act-dtype, --kv-dtype, --seed",
          [](auto& rows) { workload::Scenario::schema().collect("scenario", rows); });
    table("model", "workload files (workloads/*.yaml)",
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
      out << "  model  workload files (workloads/*.yaml)\n\n";
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

int cmd_config_show(const std::string& system, const std::vector<std::string>& sets, std::ostream& out,
                    std::ostream& err) {
  try {
    const auto cfg = system::load_system(system, Paths::from_env().configs_dir, sets);
    out << cfg.resolved().dump(2) << "\n";
    return kExitOk;
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}

int cmd_validate_rtl(matmul::ValidateOptions opts, const std::string& sizes, std::ostream& out, std::ostream& err) {
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
    return matmul::run_validate_rtl(opts, out);
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}

}  // namespace decodesim::driver
