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

std::vector<json> read_ledger(const std::string& dir, std::size_t* complete_bytes) {
  std::vector<json> rows;
  std::ifstream in(fs::path(dir) / "results.jsonl", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::size_t start = 0, line_no = 1;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1, ++line_no) {
    try {
      rows.push_back(json::parse(text.substr(start, nl - start)));
    } catch (const json::exception&) {
      throw std::runtime_error((fs::path(dir) / "results.jsonl").string() + ":" + std::to_string(line_no) +
                               ": not a result row (the ledger was edited?)");
    }
  }
  if (complete_bytes) *complete_bytes = start;
  return rows;
}

ResultStore::ResultStore(const std::string& dir, const SweepPlan& plan, const Shard& shard, bool retry_failed)
    : m_dir(dir), m_manifest(make_manifest(plan, shard)) {
  const config::SourceLoc at{"--out", 1, 1};
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw config::InputError(at, "out", "not a directory", "'" + dir + "'");
  fs::create_directories(dir);
  m_lock_fd = ::open((fs::path(dir) / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (m_lock_fd < 0 || ::flock(m_lock_fd, LOCK_EX | LOCK_NB) != 0)
    throw config::InputError(at, "out", "another sweep is writing into this folder", "'" + dir + "'",
                             "one sweep per folder (shards each take their own)");

  const fs::path manifest_path = fs::path(dir) / "sweep.json";
  if (fs::exists(manifest_path)) {
    json old;
    try {
      old = json::parse(std::ifstream(manifest_path));
    } catch (const json::exception&) {
      throw config::InputError(at, "out", "sweep.json is unreadable", "'" + manifest_path.string() + "'");
    }
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
  const std::vector<json> rows = read_ledger(dir, &complete);
  const fs::path jsonl = fs::path(dir) / "results.jsonl";
  if (fs::exists(jsonl) && fs::file_size(jsonl) != complete) fs::resize_file(jsonl, complete);
  bool rewrite = false;
  for (const auto& r : rows) {
    const std::string id = r.value("id", "");
    if (retry_failed && r.value("status", "") != "ok") { rewrite = true; continue; }
    if (!m_rows.emplace(id, r).second) rewrite = true;  // a duplicate could only come from a hand edit
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
