#include "driver/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace decodesim::driver {

std::string hms(double s) {
  const long t = std::lround(std::max(0.0, s));
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

Progress::Progress(std::ostream& os, std::string label, bool enabled, std::size_t total, std::size_t already)
    : m_os(os), m_label(std::move(label)), m_enabled(enabled), m_tty(::isatty(STDERR_FILENO) == 1), m_total(total),
      m_done(already), m_t0(std::chrono::steady_clock::now()) {}

void Progress::point_done(bool failed) {
  std::lock_guard<std::mutex> lock(m_mu);
  ++m_done;
  ++m_ran;
  m_failed += failed;
  if (!m_enabled) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_t0).count();
  // Points finished by this process set the pace; skipped ones cost nothing.
  const double eta = elapsed / static_cast<double>(m_ran) * static_cast<double>(m_total - m_done);
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s: %zu/%zu done, %zu failed, %s elapsed, ETA %s", m_label.c_str(), m_done, m_total,
                m_failed, hms(elapsed).c_str(), hms(eta).c_str());
  if (m_tty) m_os << "\r" << buf << "\033[K" << (m_done == m_total ? "\n" : "") << std::flush;
  else m_os << buf << "\n" << std::flush;
}

}  // namespace decodesim::driver
