// `decodesim sweep-report DIR`: the best points by one metric, the Pareto front of two, and a
// plot of the front drawn by gnuplot (a Debian package) started without a shell.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <unistd.h>

#include "common/config/error.h"
#include "driver/commands.h"
#include "driver/outputs.h"
#include "driver/spawn.h"
#include "report/html.h"
#include "report/report.h"
#include "sweep/result_store.h"
#include "sweep/sweep_commands.h"

namespace decodesim::sweep {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Objective {
  std::string name;
  bool maximize = true;
};

/// Parses "metric:max" / "metric:min"; the metric must be a numeric column or parameter.
Objective parse_objective(const std::string& text, const char* flag, const json& manifest) {
  const auto colon = text.rfind(':');
  const config::SourceLoc at{flag, 1, 1};
  Objective o;
  if (colon == std::string::npos || (text.substr(colon + 1) != "max" && text.substr(colon + 1) != "min"))
    throw config::InputError(at, "", "expected metric:max or metric:min", "'" + text + "'");
  o.name = text.substr(0, colon);
  o.maximize = text.substr(colon + 1) == "max";
  std::string allowed;
  bool found = false;
  for (const char* group : {"columns", "param_keys"})
    for (const auto& c : manifest[group]) {
      allowed += (allowed.empty() ? "" : ", ") + c.get<std::string>();
      found = found || c == o.name;
    }
  if (!found) throw config::InputError(at, "", "not a column of this sweep", "'" + o.name + "'", allowed);
  return o;
}

std::optional<double> number_of(const json& row, const std::string& name) {
  for (const char* group : {"metrics", "params"}) {
    const json& g = row[group];
    if (g.contains(name) && g[name].is_number()) return g[name].get<double>();
  }
  return std::nullopt;
}

std::string describe(const json& row) {
  std::string s;
  for (const auto& [k, v] : row["params"].items()) s += (s.empty() ? "" : "  ") + k + "=" + v.dump();
  return s;
}

/// gnuplot single-quoted string: only ' needs escaping, by doubling. A control character
/// (a newline ends the string and starts a command, such as `system "..."`) never gets here:
/// names come from a checked manifest and paths from check_output; this refuses it anyway.
std::string gp_quote(const std::string& s) {
  driver::check_printable(s, "--plot");
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

std::string find_in_path(const std::string& exe) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= p.size()) {
    const auto colon = p.find(':', start);
    const std::string dir = p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    const fs::path cand = fs::path(dir.empty() ? "." : dir) / exe;
    if (::access(cand.c_str(), X_OK) == 0) return cand.string();
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return {};
}

}  // namespace

int cmd_sweep_report(const ReportOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const json manifest = read_manifest(o.dir);
    if (!o.plot.empty()) {
      driver::check_output(o.plot, "--plot", driver::OutKind::File,
                           {(fs::path(o.dir) / "sweep.json").string(), (fs::path(o.dir) / "results.jsonl").string(),
                            (fs::path(o.dir) / "results.csv").string()});
      const std::string ext = fs::path(o.plot).extension().string();
      if (ext != ".svg" && ext != ".png")
        throw config::InputError(config::SourceLoc{"--plot", 1, 1}, "", "unknown plot format", "'" + ext + "'",
                                 ".svg or .png");
    }
    if (!o.html.empty())
      driver::check_output(o.html, "--html", driver::OutKind::File,
                           {(fs::path(o.dir) / "sweep.json").string(), (fs::path(o.dir) / "results.jsonl").string(),
                            (fs::path(o.dir) / "results.csv").string()});
    std::vector<std::string> skipped;
    const std::vector<json> rows = read_ledger(o.dir, manifest, &skipped);
    for (const auto& line : skipped) err << "sweep-report: " << line << "\n";
    std::vector<const json*> ok;
    for (const auto& r : rows)
      if (r["status"] == "ok") ok.push_back(&r);
    out << manifest.value("name", "sweep") << ": " << rows.size() << " of " << manifest["points"].get<std::size_t>()
        << " points recorded, " << ok.size() << " ok, " << rows.size() - ok.size() << " failed\n";

    if (!o.best.empty()) {
      const Objective obj = parse_objective(o.best, "--best", manifest);
      std::vector<std::pair<double, const json*>> ranked;
      for (const json* r : ok)
        if (auto v = number_of(*r, obj.name)) ranked.emplace_back(*v, r);
      std::stable_sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
        return obj.maximize ? a.first > b.first : a.first < b.first;
      });
      out << "\nbest " << std::min(o.top, ranked.size()) << " by " << obj.name << " (" << (obj.maximize ? "max" : "min")
          << "):\n";
      for (std::size_t i = 0; i < std::min(o.top, ranked.size()); ++i) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%3zu. %14.6g  ", i + 1, ranked[i].first);
        out << buf << describe(*ranked[i].second) << "  [" << (*ranked[i].second)["id"].get<std::string>() << "]\n";
      }
    }

    if (!o.pareto.empty()) {
      const auto comma = o.pareto.find(',');
      if (comma == std::string::npos)
        throw config::InputError(config::SourceLoc{"--pareto", 1, 1}, "", "expected two objectives x:max,y:min",
                                 "'" + o.pareto + "'");
      const Objective x = parse_objective(o.pareto.substr(0, comma), "--pareto", manifest);
      const Objective y = parse_objective(o.pareto.substr(comma + 1), "--pareto", manifest);
      struct Pt {
        double x, y;
        const json* row;
      };
      std::vector<Pt> pts;
      for (const json* r : ok) {
        const auto vx = number_of(*r, x.name), vy = number_of(*r, y.name);
        if (vx && vy) pts.push_back({*vx, *vy, r});
      }
      // Flip signs so "better" is larger on both axes; a point is on the front when no other
      // point is at least as good on both and better on one.
      auto gx = [&](const Pt& p) { return x.maximize ? p.x : -p.x; };
      auto gy = [&](const Pt& p) { return y.maximize ? p.y : -p.y; };
      std::vector<Pt> front;
      for (const auto& p : pts) {
        bool dominated = false;
        for (const auto& q : pts)
          if (gx(q) >= gx(p) && gy(q) >= gy(p) && (gx(q) > gx(p) || gy(q) > gy(p))) { dominated = true; break; }
        if (!dominated) front.push_back(p);
      }
      std::sort(front.begin(), front.end(), [](const Pt& a, const Pt& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
      out << "\nPareto front of " << x.name << " (" << (x.maximize ? "max" : "min") << ") and " << y.name << " ("
          << (y.maximize ? "max" : "min") << "): " << front.size() << " of " << pts.size() << " points\n";
      for (const auto& p : front) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "  %14.6g %14.6g  ", p.x, p.y);
        out << buf << describe(*p.row) << "\n";
      }

      if (!o.plot.empty()) {
        const std::string ext = fs::path(o.plot).extension().string();
        const std::string gnuplot = find_in_path("gnuplot");
        if (gnuplot.empty())
          throw config::InputError(config::SourceLoc{"--plot", 1, 1}, "",
                                   "gnuplot not found on PATH (Debian: apt-get install gnuplot-nox, or make deps)");
        const fs::path plot = fs::absolute(o.plot);
        // gnuplot's inputs live in a fresh mkdtemp folder: no predictable names next to the plot.
        std::string tmpl = (fs::temp_directory_path() / "decodesim-plot-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) {
          const int e = errno;
          throw std::runtime_error("cannot create a temporary folder: " + std::string(std::strerror(e)));
        }
        struct Cleanup {
          std::string dir;
          ~Cleanup() {
            std::error_code ec;
            fs::remove_all(dir, ec);
          }
        } cleanup{tmpl};
        const std::string all_dat = tmpl + "/all.dat", front_dat = tmpl + "/front.dat";
        std::string a, f;
        char buf[64];
        for (const auto& p : pts) { std::snprintf(buf, sizeof buf, "%.17g %.17g\n", p.x, p.y); a += buf; }
        for (const auto& p : front) { std::snprintf(buf, sizeof buf, "%.17g %.17g\n", p.x, p.y); f += buf; }
        report::write_file_atomic(all_dat, a);
        report::write_file_atomic(front_dat, f);
        std::string gp;
        gp += ext == ".svg" ? "set terminal svg size 900,600 dynamic background rgb 'white'\n"
                            : "set terminal pngcairo size 900,600\n";
        gp += "set output " + gp_quote(plot.string()) + "\n";
        gp += "set title " + gp_quote(manifest.value("name", "sweep") + ": Pareto front") + " noenhanced\n";
        gp += "set xlabel " + gp_quote(x.name + (x.maximize ? " (higher is better)" : " (lower is better)")) + " noenhanced\n";
        gp += "set ylabel " + gp_quote(y.name + (y.maximize ? " (higher is better)" : " (lower is better)")) + " noenhanced\n";
        gp += "set grid\nset key outside top center horizontal\n";
        gp += "plot " + gp_quote(all_dat) + " using 1:2 with points pt 7 ps 0.6 lc rgb '#999999' title 'all points', " +
              gp_quote(front_dat) + " using 1:2 with linespoints pt 7 ps 1 lw 2 lc rgb '#d62728' title 'Pareto front'\n";
        const std::string gp_file = tmpl + "/plot.gp";
        report::write_file_atomic(gp_file, gp);
        const driver::ChildResult r = driver::run_child({gnuplot, gp_file}, {}, 60);
        if (r.exit_code != 0) {
          err << "decodesim: gnuplot failed: " << r.stderr_text;
          return driver::kExitSimFailure;
        }
        out << "plot: " << plot.string() << "\n";
      }
    } else if (!o.plot.empty()) {
      throw config::InputError(config::SourceLoc{"--plot", 1, 1}, "", "--plot draws the front: give --pareto x:dir,y:dir");
    }
    if (!o.html.empty()) {
      const json data = {{"kind", "sweep"},
                         {"name", manifest.value("name", "sweep")},
                         {"dir", o.dir},
                         {"points", manifest["points"]},
                         {"columns", manifest["columns"]},
                         {"param_keys", manifest["param_keys"]},
                         {"rows", rows}};
      report::write_file_atomic(o.html, report::html_page("decodesim sweep " + data["name"].get<std::string>(), data));
      out << "html: " << o.html << "\n";
    }
    return driver::kExitOk;
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return driver::kExitBadInput;
  } catch (const std::exception& e) {
    err << "decodesim: sweep-report failed: " << e.what() << "\n";
    return driver::kExitSimFailure;
  }
}

}  // namespace decodesim::sweep
