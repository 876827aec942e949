#include "sweep/result_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/config/error.h"
#include "report/report.h"

namespace decodesim::sweep {
namespace fs = std::filesystem;
using nlohmann::json;

Shard Shard::parse(const std::string& text) {
  const config::SourceLoc at{"--shard", 1, 1};
  const auto slash = text.find('/');
  Shard s;
  auto num = [&](const std::string& part, std::size_t& out) {
    const auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return !part.empty() && ec == std::errc() && p == part.data() + part.size();
  };
  if (slash == std::string::npos || !num(text.substr(0, slash), s.index) || !num(text.substr(slash + 1), s.count) ||
      s.count == 0 || s.index >= s.count)
    throw config::InputError(at, "shard", "expected i/N with 0 <= i < N", "'" + text + "'", "e.g. 0/4 .. 3/4");
  return s;
}

json make_manifest(const SweepPlan& plan, const Shard& shard) {
  std::size_t mine = 0;
  for (const auto& p : plan.points) mine += shard.holds(p.index);
  return {{"schema", kSweepSchema},
          {"name", plan.name},
          {"spec_file", plan.spec_file},
          {"spec_hash", plan.spec_hash},
          {"shard", {{"index", shard.index}, {"count", shard.count}}},
          {"points", mine},
          {"total_points", plan.points.size()},
          {"param_keys", plan.param_keys},
          {"columns", plan.columns}};
}

namespace {

std::string csv_field(const json& v) {
  std::string s;
  if (v.is_null()) return "";
  // Numbers as JSON writes them (shortest text that reads back to the same double), so the
  // CSV and the JSON rows carry identical values.
  if (v.is_string()) s = v.get<std::string>();
  else s = v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

int open_append(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

std::string row_csv(const json& manifest, const json& row) {
  std::string line = csv_field(row["id"]) + "," + csv_field(row["index"]);
  for (const auto& k : manifest["param_keys"]) line += "," + csv_field(row["params"].value(k.get<std::string>(), json()));
  for (const auto& c : manifest["columns"]) line += "," + csv_field(row["metrics"].value(c.get<std::string>(), json()));
  line += "," + csv_field(row["status"]) + "," + csv_field(row["exit_code"]) + "," + csv_field(row["wall_s"]) + "," +
          csv_field(row["error"]);
  return line + "\n";
}

std::string rows_csv(const json& manifest, const std::vector<json>& rows) {
  std::string out = "id,index";
  for (const auto& k : manifest["param_keys"]) out += "," + csv_field(k);
  for (const auto& c : manifest["columns"]) out += "," + csv_field(c);
  out += ",status,exit_code,wall_s,error\n";
  for (const auto& r : rows) out += row_csv(manifest, r);
  return out;
}

namespace {

bool is_index(const json& v) { return v.is_number_unsigned() || (v.is_number_integer() && v.get<long long>() >= 0); }

bool printable(const std::string& s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

/// Why `r` is not a result row, or empty.
std::string row_problem(const json& r, std::size_t total) {
  if (!r.is_object()) return "not an object";
  const json* id = r.contains("id") ? &r["id"] : nullptr;
  if (!id || !id->is_string()) return "no id";
  const std::string& s = id->get_ref<const std::string&>();
  if (s.size() != 16 || s.find_first_not_of("0123456789abcdef") != std::string::npos) return "malformed id";
  if (!r.contains("index") || !is_index(r["index"])) return "no index";
  if (r["index"].get<std::size_t>() >= total) return "index " + r["index"].dump() + " beyond the sweep's points";
  for (const char* k : {"params", "metrics"})
    if (!r.contains(k) || !r[k].is_object()) return std::string("no ") + k + " object";
  if (!r.contains("status") || !r["status"].is_string()) return "no status";
  const std::string st = r["status"];
  if (st != "ok" && st != "failed" && st != "timeout") return "unknown status";
  if (!r.contains("exit_code") || !r["exit_code"].is_number_integer()) return "no exit_code";
  if (!r.contains("wall_s") || !r["wall_s"].is_number()) return "no wall_s";
  if (!r.contains("error") || !r["error"].is_string()) return "no error text";
  return {};
}

}  // namespace

std::vector<json> read_ledger(const std::string& dir, const json& manifest, std::vector<std::string>* skipped,
                              std::size_t* complete_bytes) {
  std::vector<json> rows;
  const std::string file = (fs::path(dir) / "results.jsonl").string();
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const std::size_t total = manifest.value("total_points", std::size_t{0});
  std::set<std::string> ids;
  std::set<std::size_t> indices;
  std::size_t start = 0, line_no = 1;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1, ++line_no) {
    std::string problem;
    json r;
    try {
      r = json::parse(text.substr(start, nl - start));
      problem = row_problem(r, total);
    } catch (const json::exception&) {
      problem = "not JSON";
    }
    if (problem.empty() && !ids.insert(r["id"].get<std::string>()).second) problem = "repeats id " + r["id"].get<std::string>();
    if (problem.empty() && !indices.insert(r["index"].get<std::size_t>()).second)
      problem = "repeats index " + r["index"].dump();
    if (!problem.empty()) {
      if (skipped) skipped->push_back(file + ":" + std::to_string(line_no) + ": skipped: " + problem);
      continue;
    }
    rows.push_back(std::move(r));
  }
  if (complete_bytes) *complete_bytes = start;
  return rows;
}

json read_manifest(const std::string& dir) {
  const std::string file = (fs::path(dir) / "sweep.json").string();
  const config::SourceLoc at{file, 0, 0};
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw config::InputError(config::SourceLoc{dir, 0, 0}, "", "not a sweep folder (no sweep.json)");
  json m;
  try {
    m = json::parse(std::ifstream(file));
  } catch (const json::exception&) {
    throw config::InputError(at, "", "unreadable manifest (not JSON)");
  }
  auto bad = [&](const std::string& key, const std::string& what) {
    throw config::InputError(at, key, what, "", "a manifest written by decodesim sweep");
  };
  if (!m.is_object()) bad("", "not an object");
  if (m.value("schema", "") != kSweepSchema) bad("schema", std::string("expected ") + kSweepSchema);
  for (const char* k : {"name", "spec_hash", "spec_file"})
    if (!m.contains(k) || !m[k].is_string() || !printable(m[k].get<std::string>())) bad(k, "expected printable text");
  for (const char* k : {"points", "total_points"})
    if (!m.contains(k) || !is_index(m[k])) bad(k, "expected a count");
  if (!m.contains("shard") || !m["shard"].is_object() || !is_index(m["shard"].value("index", json())) ||
      !is_index(m["shard"].value("count", json())) || m["shard"]["count"].get<std::size_t>() == 0 ||
      m["shard"]["index"].get<std::size_t>() >= m["shard"]["count"].get<std::size_t>())
    bad("shard", "expected {index, count} with index < count");
  for (const char* k : {"param_keys", "columns"}) {
    if (!m.contains(k) || !m[k].is_array()) bad(k, "expected a list of names");
    for (const auto& c : m[k])
      if (!c.is_string() || c.get<std::string>().empty() || !printable(c.get<std::string>()))
        bad(k, "expected printable names");
  }
  return m;
}

int lock_folder(const std::string& dir, const std::string& flag) {
  const config::SourceLoc at{flag, 1, 1};
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw config::InputError(at, "out", "not a directory", "'" + dir + "'");
  fs::create_directories(dir);
  const int fd = ::open((fs::path(dir) / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (fd >= 0) ::close(fd);
    throw config::InputError(at, "out", "another sweep or merge is writing into this folder", "'" + dir + "'",
                             "one writer per folder (shards each take their own)");
  }
  return fd;
}

ResultStore::ResultStore(const std::string& dir, const SweepPlan& plan, const Shard& shard, bool retry_failed)
    : m_dir(dir), m_manifest(make_manifest(plan, shard)) {
  const config::SourceLoc at{"--out", 1, 1};
  std::error_code ec;
  m_lock_fd = lock_folder(dir, "--out");
  const fs::path manifest_path = fs::path(dir) / "sweep.json";
  if (fs::exists(manifest_path)) {
    const json old = read_manifest(dir);
    if (old.value("spec_hash", "") != m_manifest["spec_hash"] || old.value("shard", json()) != m_manifest["shard"])
      throw config::InputError(at, "out", "the folder holds results of a different sweep or shard",
                               "'" + dir + "' (spec hash " + old.value("spec_hash", "?") + ", shard " +
                                   old.value("shard", json()).dump() + ")",
                               "the same spec and --shard as before, or a new --out");
  } else {
    report::write_file_atomic(manifest_path.string(), m_manifest.dump(2) + "\n", true);
  }

  // Cut a torn tail so the next append starts on a line of its own.
  std::size_t complete = 0;
  const std::vector<json> rows = read_ledger(dir, m_manifest, &m_skipped, &complete);
  const fs::path jsonl = fs::path(dir) / "results.jsonl";
  if (fs::exists(jsonl) && fs::file_size(jsonl) != complete) fs::resize_file(jsonl, complete);
  bool rewrite = !m_skipped.empty();
  std::map<std::string, std::size_t> plan_index;
  for (const auto& p : plan.points) plan_index.emplace(p.id, p.index);
  for (const auto& r : rows) {
    const std::string id = r["id"];
    // A row this plan does not know (or knows at another index) would be counted as done
    // and never run: report it and drop it.
    const auto it = plan_index.find(id);
    if (it == plan_index.end() || it->second != r["index"].get<std::size_t>()) {
      m_skipped.push_back(jsonl.string() + ": skipped: point " + id + " is not point " + r["index"].dump() +
                          " of this sweep");
      rewrite = true;
      continue;
    }
    if (retry_failed && r["status"] != "ok") { rewrite = true; continue; }
    m_rows.emplace(id, r);
  }
  if (rewrite || complete != fs::file_size(jsonl, ec)) {
    std::string text;
    std::vector<const json*> kept;
    for (const auto& [id, r] : m_rows) kept.push_back(&r);
    std::sort(kept.begin(), kept.end(), [](const json* a, const json* b) { return (*a)["index"] < (*b)["index"]; });
    for (const json* r : kept) text += r->dump() + "\n";
    report::write_file_atomic(jsonl.string(), text, true);
  }
  std::vector<json> ordered;
  for (const auto& [id, r] : m_rows) ordered.push_back(r);
  std::sort(ordered.begin(), ordered.end(), [](const json& a, const json& b) { return a["index"] < b["index"]; });
  report::write_file_atomic((fs::path(dir) / "results.csv").string(), rows_csv(m_manifest, ordered), true);

  m_jsonl_fd = open_append(jsonl.string());
  m_csv_fd = open_append((fs::path(dir) / "results.csv").string());
}

ResultStore::~ResultStore() {
  for (int fd : {m_csv_fd, m_jsonl_fd, m_lock_fd})
    if (fd >= 0) ::close(fd);
}

void ResultStore::append_line(int fd, const std::string& line, const char* what) {
  // One write(2) per row: a kill between rows never leaves half a row behind, and the
  // reader treats a line without its newline (power loss) as not written.
  std::size_t off = 0;
  while (off < line.size()) {
    const ssize_t n = ::write(fd, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("cannot append to ") + what + ": " + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd) != 0) throw std::runtime_error(std::string("cannot sync ") + what + ": " + std::strerror(errno));
}

void ResultStore::append(const json& row) {
  std::lock_guard<std::mutex> lock(m_mu);
  // The ledger first: it is the truth a resumed sweep reads; the CSV is rebuilt from it.
  append_line(m_jsonl_fd, row.dump() + "\n", "results.jsonl");
  append_line(m_csv_fd, row_csv(m_manifest, row), "results.csv");
  m_rows[row["id"].get<std::string>()] = row;
}

void ResultStore::finalize() {
  std::lock_guard<std::mutex> lock(m_mu);
  std::vector<json> ordered;
  for (const auto& [id, r] : m_rows) ordered.push_back(r);
  std::sort(ordered.begin(), ordered.end(), [](const json& a, const json& b) { return a["index"] < b["index"]; });
  std::string text;
  for (const auto& r : ordered) text += r.dump() + "\n";
  report::write_file_atomic((fs::path(m_dir) / "results.jsonl").string(), text, true);
  report::write_file_atomic((fs::path(m_dir) / "results.csv").string(), rows_csv(m_manifest, ordered), true);
}

}  // namespace decodesim::sweep
