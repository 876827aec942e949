// A real browser for tests that check what a person sees: headless Chromium driven over the
// DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in, fd 4 out, NUL-separated JSON),
// so no port is opened and nothing is fetched. It loads a page, records every console error,
// uncaught exception, log error and network request, evaluates a DOM check and takes a
// screenshot.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace decodesim::test {

/// Chromium's path: $CHROMIUM when set, else the first of chromium / chromium-browser /
/// google-chrome on PATH (Debian's package is `chromium`). Empty when there is none.
std::string find_chromium();

struct PageVisit {
  std::vector<std::string> console_errors;  ///< console.error/assert, exceptions, Log errors
  std::vector<std::string> requests;        ///< every URL requested other than the page itself
  nlohmann::json check;                     ///< value of the check expression (JSON-serialisable)
  std::string png;                          ///< the screenshot (PNG bytes)
};

class HeadlessBrowser {
 public:
  explicit HeadlessBrowser(const std::string& chromium);
  ~HeadlessBrowser();
  HeadlessBrowser(const HeadlessBrowser&) = delete;
  HeadlessBrowser& operator=(const HeadlessBrowser&) = delete;

  /// Opens `html_path` (a file) at `width` CSS pixels wide, waits for the load event, evaluates
  /// `check_js` (an expression) and screenshots the page down to at most `max_height` pixels.
  PageVisit visit(const std::string& html_path, const std::string& check_js, int width = 1280, int max_height = 2400);

 private:
  nlohmann::json call(const std::string& method, const nlohmann::json& params, const std::string& session = {});
  nlohmann::json read_message(double timeout_s);
  void on_event(const nlohmann::json& m);

  int m_pid = -1;
  int m_to = -1, m_from = -1;
  int m_next_id = 1;
  std::string m_buffer;
  std::string m_profile;
  std::string m_page_url;
  bool m_loaded = false;
  PageVisit* m_visit = nullptr;
};

}  // namespace decodesim::test
