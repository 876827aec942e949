// The progress line of verbs that run many child simulations (sweep, portfolio): done/total,
// failures, elapsed and ETA on stderr, overwritten in place on a terminal, one line per finished
// child in a log. Thread-safe: parallel_for's threads report into it.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>

namespace decodesim::driver {

class Progress {
 public:
  /// `label` starts the line ("sweep", "portfolio"); `already` counts work done before this
  /// process started (a resumed sweep), which does not set the pace of the ETA.
  Progress(std::ostream& os, std::string label, bool enabled, std::size_t total, std::size_t already = 0);
  void point_done(bool failed);

 private:
  std::ostream& m_os;
  std::string m_label;
  bool m_enabled, m_tty;
  std::size_t m_total, m_done, m_ran = 0, m_failed = 0;
  std::chrono::steady_clock::time_point m_t0;
  std::mutex m_mu;
};

/// "m:ss" or "h:mm:ss".
std::string hms(double seconds);

}  // namespace decodesim::driver
