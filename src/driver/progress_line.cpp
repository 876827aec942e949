#include "driver/progress_line.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace decodesim::driver {
namespace {

double delay_s() {
  if (const char* v = std::getenv("DECODESIM_PROGRESS_AFTER_S"); v && *v) {
    char* end = nullptr;
    const double d = std::strtod(v, &end);
    if (end && *end == '\0' && d >= 0 && d < 1e6) return d;
  }
  return 2.0;
}

}  // namespace

bool ProgressLine::on_terminal(bool quiet) { return !quiet && ::isatty(STDOUT_FILENO) && ::isatty(STDERR_FILENO); }

ProgressLine::ProgressLine(bool wanted, std::function<std::string()> status)
    : m_status(std::move(status)), m_start(std::chrono::steady_clock::now()) {
  if (wanted) m_thread = std::thread([this] { loop(); });
}

ProgressLine::~ProgressLine() {
  if (!m_thread.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  m_thread.join();
}

void ProgressLine::loop() {
  using namespace std::chrono;
  std::unique_lock<std::mutex> lock(m_mutex);
  if (m_cv.wait_for(lock, duration<double>(delay_s()), [this] { return m_stop; })) return;
  while (true) {
    const double elapsed = duration<double>(steady_clock::now() - m_start).count();
    // \r and "erase to end of line": the line is rewritten in place, never scrolls.
    std::fprintf(stderr, "\r%s, %.0f s\033[K", m_status().c_str(), elapsed);
    std::fflush(stderr);
    m_shown = true;
    if (m_cv.wait_for(lock, milliseconds(500), [this] { return m_stop; })) break;
  }
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

}  // namespace decodesim::driver
