// Every HTML report kind, rendered in headless Chromium as a person would open it: the page
// must draw the expected charts (one roofline point per kernel, one curve per system), log no
// console error and request nothing from the network. Each test keeps a screenshot; with
// DECODESIM_SCREENSHOT_DIR set they land there. Skips, saying why, when Chromium is absent.
#include <gtest/gtest.h>

#include <cstdlib>

#include "cli_harness.h"
#include "headless_browser.h"

namespace decodesim::test {
namespace {

using nlohmann::json;

class HtmlReport : public ::testing::Test {
 protected:
  void SetUp() override {
    m_chromium = find_chromium();
    if (m_chromium.empty())
      GTEST_SKIP() << "chromium not found on PATH (Debian: apt-get install chromium, or make deps; or set "
                      "CHROMIUM=/path): the browser checks of the HTML reports did not run";
  }

  /// Opens `html` in the browser, requires a clean load, and returns the check's value.
  json open(const std::string& html, const std::string& check, const std::string& shot_name) {
    HeadlessBrowser browser(m_chromium);
    const PageVisit v = browser.visit(html, check);
    for (const auto& e : v.console_errors) ADD_FAILURE() << html << ": console error: " << e;
    for (const auto& r : v.requests) ADD_FAILURE() << html << ": network request: " << r;
    EXPECT_GT(v.png.size(), 10000u) << "screenshot looks empty";
    EXPECT_EQ(v.png.substr(1, 3), "PNG");
    const char* dir = std::getenv("DECODESIM_SCREENSHOT_DIR");
    const std::string shot = dir && *dir ? std::string(dir) + "/" + shot_name + ".png" : html + ".png";
    std::ofstream(shot, std::ios::binary) << v.png;
    return v.check;
  }

  std::string m_chromium;
};

std::size_t csv_rows(const std::string& path) {
  const std::string t = slurp(path);
  return static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n')) - 1;
}

// The checks themselves must be able to fail: a page that logs an error, throws and fetches.
TEST_F(HtmlReport, BrowserHarnessSeesConsoleErrorsExceptionsAndRequests) {
  ScratchDir d("html-neg");
  const std::string page = d.write("bad.html",
                                   "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\">"
                                   "<script>console.error('boom'); setTimeout(() => { throw new Error('late'); }, 0);"
                                   "</script></body></html>");
  HeadlessBrowser browser(m_chromium);
  const PageVisit v = browser.visit(page, "document.images.length");
  EXPECT_EQ(v.check, 1);
  ASSERT_FALSE(v.requests.empty());
  EXPECT_EQ(v.requests[0], "http://127.0.0.1:9/x.png");
  std::string errors;
  for (const auto& e : v.console_errors) errors += e + "\n";
  EXPECT_NE(errors.find("boom"), std::string::npos) << errors;
  EXPECT_NE(errors.find("late"), std::string::npos) << errors;
}

const char* kRunCheck = R"({
  kind: document.body.dataset.rendered,
  points: document.querySelectorAll('svg.roofline circle.kpt').length,
  names: new Set([...document.querySelectorAll('svg.roofline circle.kpt')].map(c => c.dataset.kernel)).size,
  roofs: document.querySelectorAll('svg.roofline path.roof').length,
  timeline: !!document.querySelector('canvas#timeline'),
  layer_rows: document.querySelectorAll('svg.layers rect.seg').length,
  energy_parts: document.querySelectorAll('svg.energy rect.eseg').length,
  config_fold: !!document.querySelector('details pre'),
  has_shape_tip: [...document.querySelectorAll('circle.kpt')].some(c => /shape y\[/.test(c.dataset.tip || c.getAttribute('data-tip')))
})";

TEST_F(HtmlReport, RunReportDrawsOnePointPerKernelAndTheTimeline) {
  ScratchDir d("html-run");
  const CliRun r = run_cli({"run", "--system", "tpu_v5e", "--model", "tiny", "--context", "256", "--tokens", "2",
                            "--out", d.path("o"), "--html", d.path("run.html")}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json c = open(d.path("run.html"), kRunCheck, "run");
  EXPECT_EQ(c["kind"], "run");
  EXPECT_EQ(c["points"].get<std::size_t>(), csv_rows(d.path("o/kernels.csv")));
  EXPECT_GT(c["names"].get<int>(), 10);
  EXPECT_EQ(c["roofs"], 1);
  EXPECT_TRUE(c["timeline"].get<bool>());
  EXPECT_GT(c["layer_rows"].get<int>(), 5);
  EXPECT_EQ(c["energy_parts"], 6);
  EXPECT_TRUE(c["config_fold"].get<bool>());
  EXPECT_TRUE(c["has_shape_tip"].get<bool>());
}

TEST_F(HtmlReport, GemmReportHasItsOneKernel) {
  ScratchDir d("html-gemm");
  const CliRun r = run_cli({"gemm", "--system", "gpu_h100", "--m", "16", "--k", "4096", "--n", "4096", "--out",
                            d.path("o"), "--html", d.path("gemm.html")}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json c = open(d.path("gemm.html"), kRunCheck, "gemm");
  EXPECT_EQ(c["kind"], "gemm");
  EXPECT_EQ(c["points"], 1);
  EXPECT_EQ(csv_rows(d.path("o/kernels.csv")), 1u);
  EXPECT_TRUE(c["timeline"].get<bool>());
}

TEST_F(HtmlReport, CompareReportDrawsEverySystemsKernels) {
  ScratchDir d("html-compare");
  const CliRun r = run_cli({"compare", "--model", "tiny", "--context", "256", "--systems", "tpu_v5e", "gpu_h100",
                            "lpu_groq", "-j", "2", "--out", d.path("o"), "--html", d.path("compare.html")}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t kernels = 0;
  for (const char* dir : {"o/0_tpu_v5e", "o/1_gpu_h100", "o/2_lpu_groq"}) kernels += csv_rows(d.path(dir) + "/kernels.csv");
  const json c = open(d.path("compare.html"), R"({
    kind: document.body.dataset.rendered,
    rooflines: document.querySelectorAll('svg.roofline').length,
    points: document.querySelectorAll('svg.roofline circle.kpt').length,
    columns: document.querySelectorAll('#compare-table th').length
  })", "compare");
  EXPECT_EQ(c["kind"], "compare");
  EXPECT_EQ(c["rooflines"], 3);
  EXPECT_EQ(c["points"].get<std::size_t>(), kernels);
  EXPECT_EQ(c["columns"], 4);
}

TEST_F(HtmlReport, SweepReportHasTableLinesAndFront) {
  ScratchDir d("html-sweep");
  const std::string spec = d.write("s.yaml",
                                   "name: tiny_grid\n"
                                   "base:\n  system: tpu_v5e\n  model: tiny\n  scenario: {context: 256}\n"
                                   "axes:\n  - key: tpu.clock_ghz\n    values: [1.0, 1.5]\n"
                                   "  - key: scenario.batch\n    values: [1, 2, 4]\n"
                                   "columns: [tokens_per_s, energy_per_token_j, token_latency_s, bottleneck]\n");
  ASSERT_EQ(run_cli({"sweep", spec, "--out", d.path("res"), "-j", "2", "--no-progress"}, d).exit_code, 0);
  const CliRun r = run_cli({"sweep-report", d.path("res"), "--html", d.path("sweep.html")}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json c = open(d.path("sweep.html"), R"({
    kind: document.body.dataset.rendered,
    rows: document.querySelectorAll('#points tbody tr').length,
    series: document.querySelectorAll('svg.lineplot path.series').length,
    front: document.querySelectorAll('svg.pareto circle.front-pt').length,
    sorted: (() => { document.querySelector('#points th[data-col="3"]').click();
                     const v = [...document.querySelectorAll('#points tbody tr')].map(t => t.children[3].textContent);
                     return v.length > 0; })()
  })", "sweep");
  EXPECT_EQ(c["kind"], "sweep");
  EXPECT_EQ(c["rows"], 6);
  EXPECT_GE(c["series"].get<int>(), 1);
  EXPECT_GE(c["front"].get<int>(), 1);
  EXPECT_TRUE(c["sorted"].get<bool>());
}

TEST_F(HtmlReport, PortfolioDrawsOneCurvePerSystemAndMarksWhatDoesNotFit) {
  ScratchDir d("html-portfolio");
  // 17.5 MiB of HBM (a whole number of rows on both chips) holds tiny's weights and a few sequences' KV cache, not 64 sequences'.
  const CliRun r = run_cli({"portfolio", "--model", "tiny", "--context", "256", "--systems", "tpu_v5e", "gpu_h100",
                            "--batches", "1,4,64", "--set", "hbm.capacity_gib=0.01708984375", "-j", "2", "--html",
                            d.path("p.html"), "--csv", d.path("p.csv")}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("portfolio: 6/6 done"), std::string::npos) << r.err;
  const std::string csv = slurp(d.path("p.csv"));
  EXPECT_NE(csv.find("tpu_v5e,1,64,does not fit"), std::string::npos) << csv;
  const json c = open(d.path("p.html"), R"({
    kind: document.body.dataset.rendered,
    chip_curves: [...document.querySelectorAll('svg.portfolio-chip path.curve')].map(p => p.dataset.system),
    kw_curves: document.querySelectorAll('svg.portfolio-kw path.curve').length,
    nofit: document.querySelectorAll('ul.nofit li').length,
    targets: document.querySelectorAll('table.best-table tbody tr').length
  })", "portfolio");
  EXPECT_EQ(c["kind"], "portfolio");
  EXPECT_EQ(c["chip_curves"], json::array({"tpu_v5e", "gpu_h100"}));
  EXPECT_EQ(c["kw_curves"], 2);
  EXPECT_EQ(c["nofit"], 2);
  EXPECT_EQ(c["targets"], 3);
}

}  // namespace
}  // namespace decodesim::test
