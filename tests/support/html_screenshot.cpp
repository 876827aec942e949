// html_screenshot PAGE.html OUT.png: what `make docs-img` uses to picture a report. It fails
// (exit 1) on any console error or network request, as the browser test does.
#include <fstream>
#include <iostream>

#include "headless_browser.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: html_screenshot PAGE.html OUT.png\n";
    return 2;
  }
  const std::string chromium = decodesim::test::find_chromium();
  if (chromium.empty()) {
    std::cerr << "html_screenshot: chromium not found (apt-get install chromium, or make deps)\n";
    return 2;
  }
  decodesim::test::HeadlessBrowser browser(chromium);
  const auto v = browser.visit(argv[1], "document.body.dataset.rendered || null", 1280, 1800);
  int bad = 0;
  for (const auto& e : v.console_errors) { std::cerr << argv[1] << ": console error: " << e << "\n"; bad = 1; }
  for (const auto& r : v.requests) { std::cerr << argv[1] << ": network request: " << r << "\n"; bad = 1; }
  if (v.check.is_null()) { std::cerr << argv[1] << ": the page did not render\n"; bad = 1; }
  std::ofstream(argv[2], std::ios::binary) << v.png;
  std::cout << argv[2] << ": " << v.png.size() << " bytes (" << v.check.dump() << " report)\n";
  return bad;
}
