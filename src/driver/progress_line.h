// The one-line progress display of `run` and `compare`: silent for the first seconds (most runs
// are done by then), then one line on stderr, rewritten in place, erased when the work ends.
// Shown only when stdout and stderr are both a terminal and the user did not ask for --quiet,
// so logs, pipes and scripts never see it. DECODESIM_PROGRESS_AFTER_S overrides the delay
// (tests use 0).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace decodesim::driver {

class ProgressLine {
 public:
  /// `status` is called from the display thread and must be safe to call from there.
  ProgressLine(bool wanted, std::function<std::string()> status);
  ~ProgressLine();  ///< stops the display and erases the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  /// Whether a progress line may be shown at all: both streams are terminals, not --quiet.
  static bool on_terminal(bool quiet);

 private:
  void loop();
  std::function<std::string()> m_status;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_stop = false;
  bool m_shown = false;
  std::chrono::steady_clock::time_point m_start;
  std::thread m_thread;
};

}  // namespace decodesim::driver
