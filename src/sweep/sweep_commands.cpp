#include "sweep/sweep_commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "common/config/schema.h"
#include "driver/commands.h"
#include "driver/outputs.h"
#include "driver/progress.h"
#include "driver/spawn.h"
#include "report/report.h"
#include "sweep/result_store.h"
#include "sweep/slurm.h"
#include "sweep/sweep_spec.h"

namespace decodesim::sweep {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// Runs one point as a child `decodesim run` and turns what it left into a result row.
json run_point(const SweepPlan& plan, const Point& p, const std::string& work_root, double timeout_s,
               const std::string& keep_dir) {
  // A folder per attempt: a child orphaned by a killed sweep may still be writing into its
  // own, so a resumed sweep never shares one with it.
  const fs::path work = fs::path(work_root) / (p.id + "-" + std::to_string(::getpid()));
  fs::remove_all(work);
  driver::RunOptions run = p.run;
  run.out_dir = work.string();
  const driver::ChildResult r = driver::run_child(driver::run_child_argv(run), {}, timeout_s);
  json row = {{"id", p.id}, {"index", p.index}, {"params", p.params}, {"metrics", json::object()},
              {"status", "ok"}, {"exit_code", r.exit_code}, {"wall_s", std::round(r.wall_s * 1e4) / 1e4},
              {"error", ""}};
  if (r.exit_code == 124 && timeout_s > 0) {
    row["status"] = "timeout";
    char buf[64];
    std::snprintf(buf, sizeof buf, "killed after the per-point timeout of %g s", timeout_s);
    row["error"] = buf;
  } else if (r.exit_code != 0) {
    row["status"] = "failed";
    row["error"] = driver::child_error_line(r.stderr_text);
  } else {
    try {
      const json result = json::parse(std::ifstream(work / "result.json"));
      for (const auto& c : plan.columns) row["metrics"][c] = column_value(result, c);
      if (!keep_dir.empty()) {
        fs::create_directories(keep_dir);
        fs::rename(work / "result.json", fs::path(keep_dir) / (p.id + ".json"));
      }
    } catch (const std::exception& e) {
      row["status"] = "failed";
      row["error"] = std::string("no readable result.json: ") + e.what();
    }
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  return row;
}

/// Attempt folders of a killed sweep (.work/<id>-<pid>/ of another pid). The store's lock is
/// held, so no live sweep owns them; a child the killed sweep left running loses its output.
void remove_orphans(const std::string& work_root) {
  std::error_code ec;
  const std::string mine = "-" + std::to_string(::getpid());
  for (const auto& e : fs::directory_iterator(work_root, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() < mine.size() || name.compare(name.size() - mine.size(), mine.size(), mine) != 0)
      fs::remove_all(e.path(), ec);
  }
}

/// --timeout: a positive, finite number of seconds (at most a week), or 0 when not given.
double timeout_flag(const SweepOptions& o) {
  if (o.timeout.empty()) return 0;
  const config::SourceLoc at{"--timeout", 1, 1};
  config::Node n;
  n.kind = config::Node::Kind::Scalar;
  n.scalar = o.timeout;
  n.loc = at;
  const double t = config::detail::parse_number<double>(n, "timeout", "seconds in (0, 604800]");
  if (!(t > 0) || t > 604800)
    throw config::InputError(at, "timeout", "value out of range", o.timeout, "seconds in (0, 604800]");
  return t;
}

int emit_slurm(const SweepOptions& o, const SweepPlan& plan, std::ostream& out) {
  if (o.slurm_shards == 0) throw config::InputError(config::SourceLoc{"--shards", 1, 1}, "shards", "must be at least 1", "0");
  SlurmJob job;
  job.name = plan.name;
  job.decodesim = driver::self_exe();
  job.spec_file = plan.spec_file;
  job.out_dir = fs::absolute(o.out_dir).lexically_normal().string();
  job.script_file = fs::absolute(o.emit_slurm).lexically_normal().string();
  if (const char* h = std::getenv("DECODESIM_HOME"); h && *h) job.decodesim_home = fs::absolute(h).string();
  job.shards = std::min(o.slurm_shards, plan.points.size());
  job.jobs = std::max(1u, o.jobs);
  job.timeout_s = timeout_flag(o);
  job.sbatch_options = o.sbatch_options;
  report::write_file_atomic(job.script_file, slurm_array_script(job));
  report::write_file_atomic(job.script_file + ".merge", slurm_merge_script(job));
  fs::permissions(job.script_file, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
  out << "wrote " << job.script_file << " (" << job.shards << " array tasks over " << plan.points.size()
      << " points) and " << job.script_file << ".merge\n"
      << "submit both with: bash " << shell_quote(job.script_file) << "\n";
  return driver::kExitOk;
}

}  // namespace

int cmd_sweep(const SweepOptions& o, std::ostream& out, std::ostream& err) {
  try {
    // Every flag and output path is checked before the spec is expanded and anything runs.
    driver::check_printable(o.spec, "spec");
    const double timeout_override = timeout_flag(o);
    if (o.jobs > driver::kMaxJobs)
      throw config::InputError(config::SourceLoc{"--jobs", 1, 1}, "jobs", "too many child processes at a time",
                               std::to_string(o.jobs), "[1, " + std::to_string(driver::kMaxJobs) + "]");
    const Shard shard = Shard::parse(o.shard);
    if (!o.dry_run) {
      if (o.out_dir.empty())
        throw config::InputError(config::SourceLoc{"--out", 1, 1}, "out", "required", "", "a results folder");
      driver::check_output(o.out_dir, "--out", driver::OutKind::Dir, {o.spec});
      if (!o.emit_slurm.empty()) {
        driver::check_output(o.emit_slurm, "--emit-slurm", driver::OutKind::File, {o.spec});
        driver::check_output(o.emit_slurm + ".merge", "--emit-slurm", driver::OutKind::File, {o.spec});
        for (const auto& opt : o.sbatch_options) driver::check_printable(opt, "--sbatch-opt");
        if (o.slurm_shards == 0)
          throw config::InputError(config::SourceLoc{"--shards", 1, 1}, "shards", "must be at least 1", "0");
      }
    }
    const SweepPlan plan = load_plan(o.spec, driver::Paths::from_env());
    std::vector<const Point*> mine;
    for (const auto& p : plan.points)
      if (shard.holds(p.index)) mine.push_back(&p);
    if (o.dry_run) {
      out << plan.name << ": " << plan.points.size() << " points (" << plan.dropped << " dropped by filters), "
          << mine.size() << " in shard " << o.shard << "\n";
      for (const Point* p : mine) out << p->index << "  " << p->id << "  " << p->params.dump() << "\n";
      return driver::kExitOk;
    }
    if (!o.emit_slurm.empty()) return emit_slurm(o, plan, out);

    ResultStore store(o.out_dir, plan, shard, o.retry_failed);
    for (const auto& line : store.skipped()) err << "sweep: " << line << "\n";
    std::vector<const Point*> todo;
    for (const Point* p : mine)
      if (!store.finished(p->id)) todo.push_back(p);
    const std::size_t skipped = mine.size() - todo.size();
    if (skipped > 0)
      err << "sweep: resuming " << o.out_dir << ": " << skipped << " of " << mine.size()
          << " points already recorded, running " << todo.size() << "\n";
    const double timeout = timeout_override > 0 ? timeout_override : plan.timeout_s;
    const std::string work_root = (fs::path(o.out_dir) / ".work").string();
    remove_orphans(work_root);
    const std::string keep_dir = o.keep_results ? (fs::path(o.out_dir) / "points").string() : std::string();
    driver::Progress progress(err, "sweep", o.progress, mine.size(), skipped);
    std::size_t failed = 0;
    std::mutex mu;
    driver::parallel_for(todo.size(), o.jobs, [&](std::size_t i) {
      const json row = run_point(plan, *todo[i], work_root, timeout, keep_dir);
      store.append(row);
      const bool bad = row["status"] != "ok";
      {
        std::lock_guard<std::mutex> lock(mu);
        failed += bad;
      }
      progress.point_done(bad);
    });
    store.finalize();
    std::error_code ec;
    fs::remove(work_root, ec);  // empty unless orphans of a killed sweep still write there

    std::size_t ok = 0, bad_total = 0;
    for (const json& r : read_ledger(o.out_dir, make_manifest(plan, shard), nullptr))
      (r["status"] == "ok" ? ok : bad_total)++;
    out << "sweep " << plan.name << ": " << mine.size() << " points";
    if (shard.count > 1) out << " (shard " << o.shard << " of " << plan.points.size() << ")";
    out << ", " << ok << " ok, " << bad_total << " failed" << (skipped ? ", " + std::to_string(skipped) + " resumed" : "")
        << "\nresults: " << (fs::path(o.out_dir) / "results.csv").string() << "\n";
    if (failed > 0) out << "failed points keep their error in the error column; rerun them with --retry-failed\n";
    return driver::kExitOk;
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return driver::kExitBadInput;
  } catch (const std::exception& e) {
    err << "decodesim: sweep failed: " << e.what() << "\n";
    return driver::kExitSimFailure;
  }
}

int cmd_sweep_merge(const std::vector<std::string>& dirs, const std::string& out_dir, std::ostream& out,
                    std::ostream& err) {
  try {
    if (dirs.empty())
      throw config::InputError(config::SourceLoc{"dirs", 1, 1}, "", "at least one shard folder is required");
    if (out_dir.empty())
      throw config::InputError(config::SourceLoc{"--out", 1, 1}, "out", "required", "", "a results folder");
    driver::check_output(out_dir, "--out", driver::OutKind::Dir);
    // Merging into one of the inputs would replace its ledger while reading it.
    for (const auto& d : dirs) {
      std::error_code ec;
      if (fs::equivalent(d, out_dir, ec))
        throw config::InputError(config::SourceLoc{"--out", 1, 1}, "out", "is one of the shard folders being merged",
                                 "'" + out_dir + "'", "a folder other than every input");
    }
    json manifest;
    std::map<std::string, std::string> owner;  // point id -> shard folder
    std::map<std::size_t, std::string> index_owner;
    std::vector<json> rows;
    std::set<std::size_t> shard_ids;
    for (const auto& d : dirs) {
      const json m = read_manifest(d);
      if (manifest.is_null()) {
        manifest = m;
      } else if (m["spec_hash"] != manifest["spec_hash"] || m["shard"]["count"] != manifest["shard"]["count"] ||
                 m["total_points"] != manifest["total_points"]) {
        throw config::InputError(config::SourceLoc{d, 0, 0}, "",
                                 "belongs to a different sweep: refusing to merge mismatched specs",
                                 "spec hash " + m["spec_hash"].get<std::string>() + ", " + m["shard"]["count"].dump() +
                                     " shards",
                                 "spec hash " + manifest["spec_hash"].get<std::string>() + ", " +
                                     manifest["shard"]["count"].dump() + " shards (from " + dirs.front() + ")");
      }
      if (!shard_ids.insert(m["shard"]["index"].get<std::size_t>()).second)
        throw config::InputError(config::SourceLoc{d, 0, 0}, "", "shard given twice",
                                 m["shard"]["index"].dump() + "/" + m["shard"]["count"].dump());
      std::vector<std::string> skipped;
      const Shard shard{m["shard"]["index"].get<std::size_t>(), m["shard"]["count"].get<std::size_t>()};
      for (json& r : read_ledger(d, m, &skipped)) {
        const std::string id = r["id"];
        const std::size_t index = r["index"];
        if (!shard.holds(index)) {
          skipped.push_back(d + ": skipped: point " + std::to_string(index) + " is not in shard " +
                            m["shard"]["index"].dump() + "/" + m["shard"]["count"].dump());
          continue;
        }
        if (const auto [it, fresh] = owner.emplace(id, d); !fresh)
          throw config::InputError(config::SourceLoc{d, 0, 0}, "", "point " + id + " is also in " + it->second +
                                                                       ": shards overlap");
        if (const auto [it, fresh] = index_owner.emplace(index, d); !fresh) {
          skipped.push_back(d + ": skipped: point index " + std::to_string(index) + " is also in " + it->second);
          continue;
        }
        rows.push_back(std::move(r));
      }
      for (const auto& line : skipped) err << "sweep-merge: " << line << "\n";
    }
    std::sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
      return a["index"].get<std::size_t>() < b["index"].get<std::size_t>();
    });
    // One writer at a time, as for `sweep`: a sweep resuming into the merged folder, or a second
    // merge, must not interleave with this one. Taken once the inputs proved good, so a refused
    // merge creates nothing.
    const int lock = lock_folder(out_dir, "--out");
    struct Unlock {
      int fd;
      ~Unlock() { ::close(fd); }
    } unlock{lock};
    const std::size_t total = manifest["total_points"];
    // The merged folder is the whole sweep (shard 0/1): `decodesim sweep SPEC --out MERGED`
    // resumes it and runs only what the shards missed.
    manifest["shard"] = {{"index", 0}, {"count", 1}};
    manifest["points"] = total;
    std::string jsonl;
    for (const auto& r : rows) jsonl += r.dump() + "\n";
    report::write_file_atomic((fs::path(out_dir) / "results.jsonl").string(), jsonl, true);
    report::write_file_atomic((fs::path(out_dir) / "results.csv").string(), rows_csv(manifest, rows), true);
    report::write_file_atomic((fs::path(out_dir) / "sweep.json").string(), manifest.dump(2) + "\n", true);
    out << "merged " << dirs.size() << " shard folder(s): " << rows.size() << " of " << total << " points into "
        << (fs::path(out_dir) / "results.csv").string() << "\n";
    if (rows.size() != total) {
      err << "decodesim: sweep-merge: " << total - rows.size() << " of " << total
          << " points are missing: rerun the shards (they resume) or `decodesim sweep SPEC --out " << out_dir << "`\n";
      return driver::kExitSimFailure;
    }
    return driver::kExitOk;
  } catch (const config::InputError& e) {
    err << "decodesim: error: " << e.what() << "\n";
    return driver::kExitBadInput;
  } catch (const std::exception& e) {
    err << "decodesim: sweep-merge failed: " << e.what() << "\n";
    return driver::kExitSimFailure;
  }
}

}  // namespace decodesim::sweep
