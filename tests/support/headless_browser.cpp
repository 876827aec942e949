#include "headless_browser.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace decodesim::test {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string base64_decode(const std::string& in) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  // Only the bits not yet emitted are kept (at most 14): the accumulator used to grow without
  // bound, a signed left-shift overflow that UBSan stopped (make test-sanitize, HtmlReport.*).
  std::uint32_t val = 0;
  int bits = -8;
  for (const char c : in) {
    const auto p = chars.find(c);
    if (p == std::string::npos) continue;  // '=' padding
    val = ((val << 6) | static_cast<std::uint32_t>(p)) & 0xFFFFFFu;
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

}  // namespace

std::string find_chromium() {
  if (const char* c = std::getenv("CHROMIUM"); c && *c) return ::access(c, X_OK) == 0 ? c : "";
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  for (const char* exe : {"chromium", "chromium-browser", "google-chrome"}) {
    std::size_t start = 0;
    while (start <= p.size()) {
      const auto colon = p.find(':', start);
      const fs::path cand = fs::path(p.substr(start, colon == std::string::npos ? std::string::npos : colon - start)) / exe;
      if (::access(cand.c_str(), X_OK) == 0) return cand.string();
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  return {};
}

HeadlessBrowser::HeadlessBrowser(const std::string& chromium) {
  char tmpl[] = "/tmp/decodesim-chromium-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  m_profile = tmpl;
  int to[2], from[2];
  if (::pipe(to) != 0 || ::pipe(from) != 0) throw std::runtime_error("pipe failed");
  // Above the fds the child gets (3, 4), so dup2 always makes a fresh, inheritable copy.
  const int to_r = ::fcntl(to[0], F_DUPFD_CLOEXEC, 10), from_w = ::fcntl(from[1], F_DUPFD_CLOEXEC, 10);
  ::close(to[0]);
  ::close(from[1]);
  m_to = ::fcntl(to[1], F_DUPFD_CLOEXEC, 10);
  m_from = ::fcntl(from[0], F_DUPFD_CLOEXEC, 10);
  ::close(to[1]);
  ::close(from[0]);
  std::vector<std::string> args = {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                   "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                                   "--disable-component-update", "--disable-sync", "--disable-extensions",
                                   "--disable-default-apps", "--hide-scrollbars", "--mute-audio",
                                   "--user-data-dir=" + m_profile, "--remote-debugging-pipe", "about:blank"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to_r, 3);
  posix_spawn_file_actions_adddup2(&fa, from_w, 4);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, chromium.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(to_r);
  ::close(from_w);
  if (rc != 0) throw std::runtime_error("cannot start " + chromium);
  m_pid = pid;
  ::signal(SIGPIPE, SIG_IGN);
}

HeadlessBrowser::~HeadlessBrowser() {
  if (m_pid > 0) {
    try {
      call("Browser.close", json::object());
    } catch (...) {
    }
    int status = 0;
    for (int i = 0; i < 50 && ::waitpid(m_pid, &status, WNOHANG) == 0; ++i) ::usleep(100000);
    if (::waitpid(m_pid, &status, WNOHANG) == 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, &status, 0);
    }
  }
  if (m_to >= 0) ::close(m_to);
  if (m_from >= 0) ::close(m_from);
  std::error_code ec;
  fs::remove_all(m_profile, ec);
}

json HeadlessBrowser::read_message(double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    const auto nul = m_buffer.find('\0');
    if (nul != std::string::npos) {
      const json m = json::parse(m_buffer.substr(0, nul));
      m_buffer.erase(0, nul + 1);
      return m;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("chromium: no answer within the timeout");
    pollfd p{m_from, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::read(m_from, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("chromium closed the DevTools pipe");
    m_buffer.append(buf, static_cast<std::size_t>(n));
  }
}

void HeadlessBrowser::on_event(const json& m) {
  const std::string method = m.value("method", "");
  const json& p = m.contains("params") ? m["params"] : json::object();
  if (method == "Page.loadEventFired") m_loaded = true;
  if (!m_visit) return;
  if (method == "Runtime.consoleAPICalled") {
    const std::string type = p.value("type", "");
    if (type == "error" || type == "assert") {
      std::string text = "console." + type + ":";
      for (const auto& a : p["args"]) text += " " + (a.contains("value") ? a["value"].dump() : a.value("description", "?"));
      m_visit->console_errors.push_back(text);
    }
  } else if (method == "Runtime.exceptionThrown") {
    const json& d = p["exceptionDetails"];
    m_visit->console_errors.push_back("exception: " + d.value("text", "") + " " +
                                      (d.contains("exception") ? d["exception"].value("description", "") : "") +
                                      " line " + std::to_string(d.value("lineNumber", -1)));
  } else if (method == "Log.entryAdded") {
    const json& e = p["entry"];
    if (e.value("level", "") == "error") m_visit->console_errors.push_back("log: " + e.value("text", ""));
  } else if (method == "Network.requestWillBeSent") {
    const std::string url = p["request"].value("url", "");
    if (url != m_page_url) m_visit->requests.push_back(url);
  }
}

json HeadlessBrowser::call(const std::string& method, const json& params, const std::string& session) {
  const int id = m_next_id++;
  json msg = {{"id", id}, {"method", method}, {"params", params}};
  if (!session.empty()) msg["sessionId"] = session;
  const std::string text = msg.dump() + std::string(1, '\0');
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(m_to, text.data() + off, text.size() - off);
    if (n <= 0) throw std::runtime_error("cannot write to chromium");
    off += static_cast<std::size_t>(n);
  }
  for (;;) {
    const json m = read_message(60);
    if (m.contains("id") && m["id"] == id) {
      if (m.contains("error")) throw std::runtime_error("chromium: " + method + ": " + m["error"].dump());
      return m.value("result", json::object());
    }
    on_event(m);
  }
}

PageVisit HeadlessBrowser::visit(const std::string& html_path, const std::string& check_js, int width, int max_height) {
  PageVisit v;
  m_visit = &v;
  m_loaded = false;
  m_page_url = "file://" + fs::absolute(html_path).string();
  const std::string target = call("Target.createTarget", {{"url", "about:blank"}})["targetId"];
  const std::string s = call("Target.attachToTarget", {{"targetId", target}, {"flatten", true}})["sessionId"];
  for (const char* domain : {"Runtime.enable", "Log.enable", "Network.enable", "Page.enable"}) call(domain, json::object(), s);
  call("Emulation.setDeviceMetricsOverride", {{"width", width}, {"height", 900}, {"deviceScaleFactor", 1}, {"mobile", false}}, s);
  call("Page.navigate", {{"url", m_page_url}}, s);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!m_loaded) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("page did not load: " + html_path);
    on_event(read_message(60));
  }
  const json r = call("Runtime.evaluate", {{"expression", "JSON.stringify(" + check_js + ")"}, {"returnByValue", true}}, s);
  if (r.contains("exceptionDetails")) v.console_errors.push_back("check threw: " + r["exceptionDetails"].dump());
  else v.check = json::parse(r["result"].value("value", std::string("null")));
  const json metrics = call("Page.getLayoutMetrics", json::object(), s);
  const double h = metrics["cssContentSize"].value("height", 900.0);
  const int height = std::min(max_height, std::max(300, static_cast<int>(h)));
  call("Emulation.setDeviceMetricsOverride", {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}}, s);
  v.png = base64_decode(call("Page.captureScreenshot", {{"format", "png"}}, s)["data"].get<std::string>());
  // Events that arrived with the screenshot's answer are in; the page is done.
  call("Target.closeTarget", {{"targetId", target}});
  m_visit = nullptr;
  return v;
}

}  // namespace decodesim::test
