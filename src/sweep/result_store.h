// The results folder of a sweep: the ledger that makes a sweep resumable.
//
//   DIR/sweep.json      manifest: spec hash, shard, parameter keys, columns (written once)
//   DIR/results.jsonl   the ledger: one JSON row per finished point, appended with a single
//                       write(2) and fdatasync'ed before the next point is reported done
//   DIR/results.csv     the same rows as CSV, appended alongside and rebuilt from the ledger
//                       whenever the folder is opened, so the two cannot disagree for long
//   DIR/.lock           flock'ed while a sweep writes here, so two sweeps cannot interleave
//
// A sweep killed at any instant leaves every finished row whole: a row is either entirely in
// the ledger or absent, and a torn last line (power loss mid-write) is cut off on reopening,
// so that point simply runs again. Rows are in completion order while running and are
// rewritten in point order when the sweep ends.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "sweep/sweep_spec.h"

namespace decodesim::sweep {

inline constexpr const char* kSweepSchema = "decodesim.sweep/1";

/// `--shard i/N`: points whose index % N == i. The default 0/1 is the whole sweep.
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
  bool holds(std::size_t point_index) const { return point_index % count == index; }
  /// Parses "i/N" (0 <= i < N). Throws InputError located at `--shard`.
  static Shard parse(const std::string& text);
};

/// The manifest (DIR/sweep.json) for `plan` sliced by `shard`.
nlohmann::json make_manifest(const SweepPlan& plan, const Shard& shard);

/// The CSV of `rows` under `manifest`'s parameter keys and columns (header included).
std::string rows_csv(const nlohmann::json& manifest, const std::vector<nlohmann::json>& rows);
/// One CSV line (with newline) of `row`.
std::string row_csv(const nlohmann::json& manifest, const nlohmann::json& row);

/// Reads the complete lines of DIR/results.jsonl, ignoring a torn last line, and keeps the
/// rows that are well formed: an object with a 16-hex-digit id, an index below the manifest's
/// total_points, params and metrics objects, a known status, numeric exit_code and wall_s and
/// a string error. A line that is not such a row, or repeats an earlier row's id or index, is
/// skipped and described in `skipped` (never counted). `complete_bytes` gets the byte length
/// of the complete part (where a writer must truncate before appending).
std::vector<nlohmann::json> read_ledger(const std::string& dir, const nlohmann::json& manifest,
                                        std::vector<std::string>* skipped, std::size_t* complete_bytes = nullptr);

/// Reads DIR/sweep.json and checks every field the sweep verbs use (names and keys must be
/// printable: they reach generated scripts). Throws InputError naming the file.
nlohmann::json read_manifest(const std::string& dir);

/// Takes the exclusive lock of a results folder (DIR/.lock, creating DIR): one writer at a
/// time, sweep or merge. Returns the descriptor that holds it; throws InputError at `flag`.
int lock_folder(const std::string& dir, const std::string& flag);

class ResultStore {
 public:
  /// Opens (creating if needed) `dir` for the plan's shard: takes the lock, refuses a folder
  /// holding another sweep or shard (InputError at --out), cuts a torn ledger tail, drops
  /// failed rows when `retry_failed`, and rebuilds results.csv from the ledger.
  ResultStore(const std::string& dir, const SweepPlan& plan, const Shard& shard, bool retry_failed);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  bool finished(const std::string& id) const { return m_rows.count(id) > 0; }
  std::size_t finished_count() const { return m_rows.size(); }
  const std::string& dir() const { return m_dir; }
  /// Ledger rows dropped on opening (malformed, unknown to this plan, duplicated), described.
  const std::vector<std::string>& skipped() const { return m_skipped; }

  /// Records one finished point, durably, before returning. Thread-safe.
  void append(const nlohmann::json& row);
  /// Rewrites results.jsonl and results.csv in point order (each atomically and durably).
  /// Call it last: rows appended afterwards would go to the replaced files.
  void finalize();

 private:
  void append_line(int fd, const std::string& line, const char* what);

  std::string m_dir;
  nlohmann::json m_manifest;
  std::map<std::string, nlohmann::json> m_rows;  ///< by point id
  std::vector<std::string> m_skipped;
  int m_lock_fd = -1;
  int m_jsonl_fd = -1;
  int m_csv_fd = -1;
  std::mutex m_mu;
};

}  // namespace decodesim::sweep
