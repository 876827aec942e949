#include "driver/reports.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/html.h"
#include "report/report.h"
#include "system/run.h"
#include "workload/lowering.h"

namespace decodesim::driver {
namespace fs = std::filesystem;
using nlohmann::json;
using report::fmt;

namespace {

void check_positive(const char* flag, std::uint64_t v) {
  if (v == 0)
    throw config::InputError(config::SourceLoc{flag, 1, 1}, "", "must be a positive integer", "0", "1 or more");
}

/// "1,2,4" -> {1, 2, 4}; each a batch the scenario schema accepts.
std::vector<std::uint32_t> parse_batches(const std::string& text) {
  std::vector<std::uint32_t> out;
  std::stringstream ss(text);
  std::string part;
  int col = 1;
  while (std::getline(ss, part, ',')) {
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || p != part.data() + part.size() || v == 0 || v > 65536)
      throw config::InputError(config::SourceLoc{"--batches", 1, col}, "batches", "expected a batch size",
                               "'" + part + "'", "comma-separated integers 1..65536, e.g. 1,2,4,8");
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    col += static_cast<int>(part.size()) + 1;
  }
  if (out.empty())
    throw config::InputError(config::SourceLoc{"--batches", 1, 1}, "batches", "no batch sizes", "''",
                             "comma-separated integers, e.g. 1,2,4,8");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int cmd_gemm(const GemmOptions& o, std::ostream& out, std::ostream& err) {
  const auto build = [&] {
    check_positive("--m", o.m);
    check_positive("--k", o.k);
    check_positive("--n", o.n);
    // One chip: no shards, no collectives; every layer-reuse shortcut off (there is one kernel).
    std::vector<std::string> sets = o.sets;
    for (const char* s : {"system.chips=1", "system.topology=ring", "sim.reuse=false"}) sets.push_back(s);
    system::RunRequest req;
    req.cfg = system::load_system(o.system, Paths::from_env().configs_dir, sets);
    if (req.cfg.system.arch == system::Arch::Lpu)
      throw config::InputError(config::SourceLoc{"--system", 1, 1}, "", "gemm runs on one TPU or GPU chip",
                               "'" + o.system + "' (lpu)",
                               "a tpu or gpu system; an LPU runs only whole-model schedules compiled across its chips");
    ScenarioFlags flags;
    flags.weight_dtype = o.dtype;
    flags.act_dtype = o.dtype;
    flags.context = "1";
    try {
      req.scenario = scenario_from_flags(flags, req.cfg.sim.seed);
    } catch (const config::InputError& e) {
      // The dtype is the only value the user gave: point at the flag they typed, keeping the
      // schema's list of allowed values.
      const std::string w = e.what();
      const auto at = w.find("allowed ");
      throw config::InputError(config::SourceLoc{"--dtype", 1, 1}, "", "unknown dtype", "'" + o.dtype + "'",
                               at == std::string::npos ? std::string() : w.substr(at + 8));
    }
    req.model.name = "gemm";
    req.graphs = {workload::lower_gemm(req.scenario, o.m, o.n, o.k)};
    return req;
  };
  const json extra = {{"gemm", {{"m", o.m}, {"k", o.k}, {"n", o.n}, {"dtype", o.dtype}}}};
  return simulate_and_report(build, {o.out_dir, o.trace_file, o.html_file, o.quiet, {}}, "gemm", report::print_gemm, extra,
                             out, err);
}

int cmd_portfolio(const PortfolioOptions& o, std::ostream& out, std::ostream& err) {
  std::vector<std::uint32_t> batches;
  std::vector<std::uint32_t> chips;
  try {
    if (o.systems.empty())
      throw config::InputError(config::SourceLoc{"--systems", 1, 1}, "", "at least one system is required", "none");
    batches = parse_batches(o.batches);
    // Bad names fail here, once, instead of in every child.
    const Paths paths = Paths::from_env();
    workload::load_model(o.model, paths.workloads_dir);
    for (const auto& sys : o.systems) chips.push_back(system::load_system(sys, paths.configs_dir, o.sets).system.chips);
    if (!o.html_file.empty()) check_output_file("--html", o.html_file);
    if (!o.csv_file.empty()) check_output_file("--csv", o.csv_file);
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return kExitBadInput;
  }

  const fs::path base = fs::temp_directory_path() / ("decodesim-portfolio-" + std::to_string(::getpid()));
  fs::create_directories(base);
  struct Point {
    std::size_t system;
    std::uint32_t batch;
  };
  std::vector<Point> points;
  std::vector<RunOptions> runs;
  for (std::size_t si = 0; si < o.systems.size(); ++si)
    for (const std::uint32_t b : batches) {
      points.push_back({si, b});
      RunOptions run;
      run.system = o.systems[si];
      run.model = o.model;
      run.scenario = o.scenario;
      run.scenario.batch = std::to_string(b);
      run.sets = o.sets;
      run.out_dir = (base / (std::to_string(runs.size()) + "_" + fs::path(o.systems[si]).stem().string() + "_b" +
                             std::to_string(b)))
                        .string();
      run.no_reuse = o.no_reuse;
      run.quiet = true;
      runs.push_back(run);
    }
  Progress progress(err, "portfolio", o.progress, runs.size());
  const std::vector<ChildResult> results = run_children(runs, o.jobs, &progress);

  int status = kExitOk;
  json rows = json::array();
  json first_scenario;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::string name = fs::path(o.systems[points[i].system]).stem().string();
    json p = {{"system", name}, {"chips", chips[points[i].system]}, {"batch", points[i].batch}};
    if (results[i].exit_code != 0) {
      const std::string why = child_error_line(results[i].stderr_text);
      // Not fitting is an answer (this system cannot serve that batch), not a failure.
      const bool no_fit = why.find("does not fit") != std::string::npos;
      p["status"] = no_fit ? "does not fit" : "failed";
      p["error"] = why;
      if (!no_fit) status = std::max(status, results[i].exit_code == kExitBadInput ? kExitBadInput : kExitSimFailure);
    } else {
      const json r = json::parse(std::ifstream(fs::path(runs[i].out_dir) / "result.json"));
      const json& s = r["summary"];
      const double tps = s["tokens_per_s"].get<double>(), time = s["simulated_time_s"].get<double>();
      const double power_w = time > 0 ? r["energy"]["total_j"].get<double>() / time : 0;
      if (first_scenario.is_null()) first_scenario = r["scenario"];
      p["status"] = "ok";
      p["tokens_per_s_per_user"] = s["tokens_per_s_per_user"];
      if (r.contains("turn") && r["turn"]["tpot_s"].get<double>() > 0) {
        // An agent turn (--turn): interactivity is the pace of the answer, 1 / TPOT; the wait
        // before it (TTFT) rides along.
        p["tokens_per_s_per_user"] = 1.0 / r["turn"]["tpot_s"].get<double>();
        p["tpot_s"] = r["turn"]["tpot_s"];
        p["ttft_s"] = r["turn"]["ttft_s"];
      }
      p["tokens_per_s"] = tps;
      p["tokens_per_s_per_chip"] = tps / r["system"]["chips"].get<double>();
      p["power_w"] = power_w;
      p["tokens_per_s_per_kw"] = power_w > 0 ? tps / (power_w / 1e3) : 0;
      p["joules_per_token"] = s["energy_per_token_j"];
      p["bottleneck"] = s["bottleneck"];
    }
    rows.push_back(p);
  }
  std::error_code ec;
  fs::remove_all(base, ec);

  // Console: one row per system and batch, then the best system per target.
  char line[256];
  std::snprintf(line, sizeof line, "%-18s %6s %6s %12s %12s %12s %12s %10s  %s\n", "system", "chips", "batch",
                "tok/s/user", "tok/s total", "tok/s/chip", "tok/s/kW", "J/token", "status");
  out << o.model << "\n" << line;
  for (const auto& p : rows) {
    if (p["status"] == "ok")
      std::snprintf(line, sizeof line, "%-18s %6u %6u %12.1f %12.1f %12.1f %12.1f %10.4f  ok (%s)\n",
                    p["system"].get<std::string>().c_str(), p["chips"].get<unsigned>(), p["batch"].get<unsigned>(),
                    p["tokens_per_s_per_user"].get<double>(), p["tokens_per_s"].get<double>(),
                    p["tokens_per_s_per_chip"].get<double>(), p["tokens_per_s_per_kw"].get<double>(),
                    p["joules_per_token"].get<double>(), p["bottleneck"].get<std::string>().c_str());
    else
      std::snprintf(line, sizeof line, "%-18s %6u %6u %12s %12s %12s %12s %10s  %s\n",
                    p["system"].get<std::string>().c_str(), p["chips"].get<unsigned>(), p["batch"].get<unsigned>(), "-",
                    "-", "-", "-", "-", p["status"].get<std::string>().c_str());
    out << line;
  }
  out << "\nbest system per user-speed target (most tokens/s per chip among points that meet it):\n";
  for (const double target : o.targets) {
    const json* best = nullptr;
    for (const auto& p : rows)
      if (p["status"] == "ok" && p["tokens_per_s_per_user"].get<double>() >= target &&
          (!best || p["tokens_per_s_per_chip"].get<double>() > (*best)["tokens_per_s_per_chip"].get<double>()))
        best = &p;
    out << "  >= " << fmt("%g", target) << " tok/s/user: ";
    if (best)
      out << (*best)["system"].get<std::string>() << " at batch " << (*best)["batch"].get<unsigned>() << " ("
          << fmt("%.1f", (*best)["tokens_per_s_per_chip"].get<double>()) << " tok/s/chip)\n";
    else
      out << "no system meets it\n";
  }

  if (!o.csv_file.empty()) {
    std::ostringstream csv;
    csv << "system,chips,batch,status,tokens_per_s_per_user,tokens_per_s,tokens_per_s_per_chip,tokens_per_s_per_kw,"
           "joules_per_token,power_w,bottleneck,error\n";
    for (const auto& p : rows) {
      csv << p["system"].get<std::string>() << ',' << p["chips"] << ',' << p["batch"] << ',' << p["status"].get<std::string>();
      if (p["status"] == "ok") {
        for (const char* k : {"tokens_per_s_per_user", "tokens_per_s", "tokens_per_s_per_chip", "tokens_per_s_per_kw",
                              "joules_per_token", "power_w"})
          csv << ',' << fmt("%.12g", p[k].get<double>());
        csv << ',' << p["bottleneck"].get<std::string>() << ",\n";
      } else {
        std::string e = p["error"].get<std::string>();
        for (char& c : e)
          if (c == '"') c = '\'';
        csv << ",,,,,,,,\"" << e << "\"\n";
      }
    }
    report::write_file_atomic(o.csv_file, csv.str());
    out << "csv: " << o.csv_file << "\n";
  }
  if (!o.html_file.empty()) {
    json systems = json::array();
    for (std::size_t si = 0; si < o.systems.size(); ++si)
      systems.push_back({{"name", fs::path(o.systems[si]).stem().string()}, {"chips", chips[si]}});
    const json data = {{"kind", "portfolio"},
                       {"model", o.model},
                       {"version", report::version_string()},
                       {"systems", systems},
                       {"batches", batches},
                       {"targets", o.targets},
                       {"context", first_scenario.is_null() ? json("default") : first_scenario["context"]},
                       {"weight_dtype", first_scenario.is_null() ? json("default") : first_scenario["weight_dtype"]},
                       {"points", rows}};
    report::write_file_atomic(o.html_file, report::html_page("decodesim portfolio: " + o.model, data));
    out << "html: " << o.html_file << "\n";
  }
  return status;
}

}  // namespace decodesim::driver
