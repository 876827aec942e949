// Hardening of the CLI (issue 10): no silent no-ops, no late failures, no injection, and the
// exit-code contract (0 ok, 2 bad input or unusable path, 3 simulation failure; one line on
// stderr) on every error path. Each TEST failed before its fix.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli_harness.h"

using namespace decodesim::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kSource = DECODESIM_SOURCE_DIR;
const std::string kSystems = kSource + "/configs/systems/";

std::vector<std::string> run_args(const std::string& system, const std::string& model = "tiny") {
  return {"run", "--system", system, "--model", model};
}

/// The same for run_json(), which adds `run` itself.
std::vector<std::string> sys_args(const std::string& system, const std::string& model = "tiny") {
  return {"--system", system, "--model", model};
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

/// ASan's three-line notice "ASan is ignoring requested __asan_handle_no_return" (once per
/// process, at the first throw after SystemC's coroutine stacks ran: ASan does not follow their
/// stack switches, .ci/sanitizers/README.md) is the sanitizer's, not the CLI's; it never
/// appears in a normal build.
std::string without_asan_fiber_notice(std::string err) {
  const auto at = err.find("WARNING: ASan is ignoring requested __asan_handle_no_return");
  if (at == std::string::npos) return err;
  const auto nl = err.rfind('\n', at);
  const std::size_t begin = nl == std::string::npos ? 0 : nl + 1;
  std::size_t end = begin;
  for (int line = 0; line < 3 && end < err.size(); ++line) {
    const auto next = err.find('\n', end);
    end = next == std::string::npos ? err.size() : next + 1;
  }
  return err.erase(begin, end - begin);
}

/// The contract for a refused command: `code`, one line on stderr starting "decodesim:",
/// nothing on stdout, and no SystemC report (E549 = an exception that escaped sc_main).
void expect_contract(CliRun r, int code, const std::string& what) {
  r.err = without_asan_fiber_notice(r.err);
  EXPECT_EQ(r.exit_code, code) << what << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": one line expected:\n" << r.err;
  EXPECT_EQ(r.err.rfind("decodesim:", 0), 0u) << what << "\n" << r.err;
  EXPECT_EQ(r.err.find("E549"), std::string::npos) << what << "\n" << r.err;
  EXPECT_EQ(r.err.find("sc_except"), std::string::npos) << what << "\n" << r.err;
  EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << what << "\n" << r.err;
  EXPECT_TRUE(r.out.empty()) << what << ": stdout:\n" << r.out;
}

/// A sweep folder with a valid manifest and the given ledger text.
std::string sweep_folder(const ScratchDir& d, const std::string& name, const std::string& ledger,
                         const std::string& sweep_name = "toy") {
  const json m = {{"schema", "decodesim.sweep/1"}, {"name", sweep_name},  {"spec_file", "/x.yaml"},
                  {"spec_hash", "0123456789abcdef"}, {"shard", {{"index", 0}, {"count", 1}}},
                  {"points", 2},                     {"total_points", 2},   {"param_keys", {"hbm.stacks"}},
                  {"columns", {"tokens_per_s", "energy_per_token_j"}}};
  d.write(name + "/sweep.json", m.dump(2));
  d.write(name + "/results.jsonl", ledger);
  return d.path(name);
}

std::string row(const std::string& id, int index, double tps, double e) {
  return json{{"id", id},
              {"index", index},
              {"params", {{"hbm.stacks", index + 1}}},
              {"metrics", {{"tokens_per_s", tps}, {"energy_per_token_j", e}}},
              {"status", "ok"},
              {"exit_code", 0},
              {"wall_s", 0.1},
              {"error", ""}}
             .dump() +
         "\n";
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : m_name(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(m_name); }

 private:
  const char* m_name;
};

}  // namespace

// --- Silent no-ops and late failures ---------------------------------------------------------

TEST(Hostile, KeyOfAnotherArchitectureViaSetIsAnError) {
  ScratchDir d("h-arch1");
  expect_rejected(d, with(run_args("tpu_v5e"), {"--set", "gpu.sms=132"}),
                  {"--set:1:", "gpu.sms: does not apply to a system of arch tpu",
                   "allowed keys of the sections system, hbm, memory, dma, link, tpu, energy, sim"});
}

TEST(Hostile, SectionOfAnotherArchitectureInAFileIsAnError) {
  ScratchDir d("h-arch2");
  const std::string f = d.write("sys/bad.yaml", "include: " + kSystems + "tpu_v5e.yaml\ngpu:\n  sms: 132\n");
  expect_rejected(d, run_args(f), {"bad.yaml:3:8: gpu.sms: does not apply to a system of arch tpu"});
  // The LPU has no HBM: its section is refused too.
  expect_rejected(d, with(run_args("lpu_groq"), {"--set", "hbm.stacks=2"}), {"hbm.stacks", "arch lpu"});
}

TEST(Hostile, SweepAxisOfAnotherArchitectureIsAnError) {
  ScratchDir d("h-arch3");
  const std::string spec = d.write("s.yaml", "base: {system: tpu_v5e, model: tiny}\n"
                                             "axes:\n  - key: gpu.sms\n    values: [66, 132]\n"
                                             "columns: [tokens_per_s]\n");
  const CliRun r = run_cli({"sweep", spec, "--dry-run"}, d);
  expect_contract(r, 2, "gpu axis on a TPU");
  EXPECT_NE(r.err.find("s.yaml:4:14: gpu.sms: does not apply to a system of arch tpu"), std::string::npos) << r.err;
}

TEST(Hostile, OutputPathsAreCheckedBeforeSimulating) {
  ScratchDir d("h-out1");
  // llama2_7b takes seconds to simulate; each refusal must come before that.
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--out", "/proc/x"}, "--out:1:1:"},
      {{"--trace", "/nonexistent/t.json"}, "--trace:1:1: its folder does not exist"},
      {{"--trace", "/proc/t.json"}, "--trace:1:1: cannot write into /proc"},
      {{"--trace", "/dev/null"}, "--trace:1:1: not a regular file"},
      {{"--trace", kSystems + "tpu_v5e.yaml"}, "is an input of this command"},
  };
  for (const auto& [flags, needle] : cases) {
    const auto t0 = std::chrono::steady_clock::now();
    const CliRun r = run_cli(with(run_args("tpu_v5e", "llama2_7b"), with({"--quiet"}, flags)), d);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    expect_contract(r, 2, flags[1]);
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_LT(s, 2.0) << flags[1] << " was refused only after simulating";
  }
  EXPECT_NE(slurp(kSystems + "tpu_v5e.yaml").find("arch: tpu"), std::string::npos) << "the input was overwritten";
}

TEST(Hostile, ValidateRtlWaveWithABadSizeFailsBeforeWritingAnything) {
  ScratchDir d("h-wave");
  const CliRun r = run_cli({"validate-rtl", "--sizes", "8,300", "--wave", d.path("w.fst"), "--tiles", "10"}, d);
  expect_contract(r, 2, "--wave with a size our RTL does not allow");
  EXPECT_EQ(r.err.find("<input>"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--sizes:1:1: sizes: our RTL core has no such size"), std::string::npos) << r.err;
  for (const auto& e : fs::directory_iterator(d.path()))
    EXPECT_NE(e.path().extension(), ".fst") << "waveform written before the failure: " << e.path();
  for (const char* tiles : {"-1", "0", "1e99", "x"}) {
    const CliRun t = run_cli({"validate-rtl", "--sizes", "8", "--tiles", tiles}, d);
    expect_contract(t, 2, std::string("--tiles ") + tiles);
    EXPECT_NE(t.err.find("--tiles:1:1"), std::string::npos) << t.err;
  }
}

TEST(Hostile, TooBigModelSuggestsAChipCountThatShardsIt) {
  ScratchDir d("h-big");
  // 70B in bf16 needs 9 v5e chips by capacity, but 9 splits neither 64 heads nor 8 KV heads.
  const CliRun r = run_cli(with(run_args("tpu_v5e", "llama2_70b"), {"--quiet"}), d);
  expect_contract(r, 2, "70B on one v5e");
  EXPECT_EQ(r.err.find("9 chips"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("allowed 16 chips (system.chips"), std::string::npos) << r.err;
  // ...and 16 does run.
  const CliRun ok = run_cli(with(run_args("tpu_v5e", "llama2_70b"), {"--quiet", "--set", "system.chips=16"}), d);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(Hostile, ScenarioAndModelKeysFollowOneRuleInRunAndSweeps) {
  ScratchDir d("h-rule");
  const json r = run_json(d, "a", with(sys_args("tpu_v5e"), {"--set", "scenario.batch=4", "--set", "model.layers=1"}));
  EXPECT_EQ(r["scenario"]["batch"], 4) << r["scenario"].dump();
  EXPECT_EQ(r["model"]["config"]["layers"], 1) << r["model"].dump();
  expect_rejected(d, with(run_args("tpu_v5e"), {"--set", "scenario.batch=0"}), {"--set:1:", "scenario.batch"});
  expect_rejected(d, with(run_args("tpu_v5e"), {"--set", "model.layerz=1"}), {"--set:1:", "model.layerz: unknown key"});
  // A sweep over systems and models, and over a model key.
  const std::string spec = d.write("s.yaml", "base: {system: tpu_v5e, model: tiny}\n"
                                             "axes:\n  - key: system\n    values: [tpu_v5e, gpu_h100]\n"
                                             "  - key: model.layers\n    values: [1, 2]\n"
                                             "columns: [tokens_per_s]\n");
  const CliRun s = run_cli({"sweep", spec, "--out", d.path("o"), "--no-progress"}, d);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const std::string csv = slurp(d.path("o/results.csv"));
  EXPECT_NE(csv.find(",gpu_h100,1,"), std::string::npos) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5) << csv;
  EXPECT_EQ(csv.find(",failed,"), std::string::npos) << csv;
  const std::string models = d.write("m.yaml", "base: {system: tpu_v5e, model: tiny}\n"
                                               "axes:\n  - key: model\n    values: [tiny, llama2_7b]\n"
                                               "columns: [tokens_per_s]\n");
  const CliRun m = run_cli({"sweep", models, "--dry-run"}, d);
  EXPECT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.out.find("2 points"), std::string::npos) << m.out;
}

TEST(Hostile, CompareShowsNotesAndSmallQuantitiesWithUnits) {
  ScratchDir d("h-cmp");
  const CliRun r = run_cli({"compare", "--model", "tiny", "--systems", "tpu_v5e", "lpu_groq"}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(" 0.000 J"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" uJ"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("notes:\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  lpu_groq: "), std::string::npos) << r.out;
}

TEST(Hostile, DegenerateFilesAreLocatedErrors) {
  ScratchDir d("h-degen");
  const std::string empty = d.write("empty.yaml", "");
  const std::string comments = d.write("comments.yaml", "# nothing\n");
  const std::string list = d.write("list.yaml", "- a\n- b\n");
  const std::string two = d.write("two.yaml", "system: {arch: tpu}\n---\nsystem: {arch: gpu}\n");
  const std::string model_file = kSource + "/workloads/tiny.yaml";
  expect_rejected(d, run_args(empty), {"empty.yaml:1:1: empty file"});
  expect_rejected(d, run_args(comments), {"comments.yaml:1:1: no keys in the file"});
  expect_rejected(d, run_args(list), {"list.yaml:1:1: top level must be a map"});
  expect_rejected(d, run_args(two), {"two.yaml:3:1: more than one YAML document"});
  expect_rejected(d, run_args(model_file), {"tiny.yaml:1:1: system.arch: not a system file"});
  expect_rejected(d, run_args("tpu_v5e", kSystems + "tpu_v5e.yaml"), {"tpu_v5e.yaml:1:1: model: not a model file"});
  const std::string spec = d.write("spec.yaml", "");
  const CliRun s = run_cli({"sweep", spec, "--dry-run"}, d);
  expect_contract(s, 2, "empty spec");
  EXPECT_NE(s.err.find("spec.yaml:1:1: empty file"), std::string::npos) << s.err;
  for (const CliRun& x : {s}) EXPECT_EQ(x.err.find("<defaults>"), std::string::npos);
}

// --- Configs people copy -----------------------------------------------------------------------

TEST(Hostile, IncludesAreSearchedInTheFileFolderThenConfigPathThenConfigs) {
  ScratchDir d("h-inc");
  // A copy of a shipped system elsewhere still finds components/hbm2e.yaml under configs/.
  const std::string copy = d.write("mine/v5e.yaml", slurp(kSystems + "tpu_v5e.yaml"));
  run_json(d, "a", sys_args(copy));
  // A folder on DECODESIM_CONFIG_PATH comes before configs/.
  std::string hbm = slurp(kSource + "/configs/components/hbm2e.yaml");
  hbm.replace(hbm.find("stacks: 2"), 9, "stacks: 1");
  d.write("lib/components/hbm2e.yaml", hbm);
  {
    ScopedEnv env("DECODESIM_CONFIG_PATH", d.path("nothing") + ":" + d.path("lib"));
    const json r = run_json(d, "b", sys_args(copy));
    EXPECT_EQ(r["config"]["hbm"]["stacks"], 1);
  }
  // Not found: the folders searched, in order.
  const std::string lost = d.write("mine/lost.yaml", "include: components/nowhere.yaml\nsystem: {arch: tpu}\n");
  expect_rejected(d, run_args(lost), {"lost.yaml:1:10: include: file not found", d.path("mine") + ", ",
                                      kSource + "/configs"});
}

TEST(Hostile, ConfigShowPrintsTheArchitecturesYamlThatRunsAsIs) {
  ScratchDir d("h-show");
  const CliRun r = run_cli({"config", "show", "--system", "tpu_v5e"}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\ntpu:\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nhbm:\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\ngpu:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\nlpu:"), std::string::npos) << r.out;
  const std::string saved = d.write("saved.yaml", r.out);
  const json a = run_json(d, "a", sys_args("tpu_v5e"));
  const json b = run_json(d, "b", sys_args(saved));
  EXPECT_EQ(a["config"], b["config"]);
  EXPECT_EQ(a["summary"]["token_latency_s"], b["summary"]["token_latency_s"]);
}

TEST(Hostile, ConfigsCiteNoFileOutsideTheRepository) {
  for (const auto& dir : {kSource + "/configs", kSource + "/docs", kSource + "/workloads", kSource + "/tlm_models",
                          kSource + "/src", kSource + "/apps", kSource + "/bench", kSource + "/rtl",
                          kSource + "/tests"})
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename() != "hostile_cli_test.cpp") {  // this test names it
        EXPECT_EQ(slurp(e.path()).find("REFERENCE.md"), std::string::npos) << e.path();
      }
  EXPECT_EQ(slurp(kSource + "/README.md").find("REFERENCE.md"), std::string::npos);
}

// --- Injection and hostile files ---------------------------------------------------------------

TEST(Hostile, GnuplotGetsNoCommandFromNamesOrPaths) {
  ScratchDir d("h-gp");
  // Relative: a command that ran would create it in the working folder of gnuplot or bash.
  const std::string marker = "PWNED-" + std::to_string(::getpid());
  auto pwned = [&] { return fs::exists(marker) || fs::exists(d.path(marker)); };
  const std::string ledger = row("0123456789abcdef", 0, 10, 2) + row("fedcba9876543210", 1, 20, 1);
  // A newline in the manifest's name would start a gnuplot `system` command.
  const std::string bad = sweep_folder(d, "bad", ledger, "x'\nsystem 'touch " + marker + "'\n#");
  const CliRun a = run_cli({"sweep-report", bad, "--pareto", "tokens_per_s:max,energy_per_token_j:min", "--plot",
                            d.path("a.svg")},
                           d);
  expect_contract(a, 2, "newline in sweep.json name");
  // A newline in the plot path.
  const std::string good = sweep_folder(d, "good", ledger);
  const CliRun b = run_cli({"sweep-report", good, "--pareto", "tokens_per_s:max,energy_per_token_j:min", "--plot",
                            d.path("b'\nsystem 'touch " + marker + "'\n.svg")},
                           d);
  expect_contract(b, 2, "newline in --plot");
  // Quotes, $(...), backticks and semicolons without control characters are data.
  const std::string odd = d.path("q'\"$(touch " + marker + ")`touch " + marker + "`;x.svg");
  const CliRun c = run_cli({"sweep-report", good, "--pareto", "tokens_per_s:max,energy_per_token_j:min", "--plot", odd}, d);
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(fs::exists(odd)) << c.err;
  // A spec name with a newline is refused where it is written.
  const std::string spec = d.write("s.yaml", "name: \"a\\nsystem 'touch " + marker + "'\"\n"
                                             "base: {system: tpu_v5e, model: tiny}\n"
                                             "axes:\n  - key: scenario.batch\n    values: [1, 2]\ncolumns: [tokens_per_s]\n");
  const CliRun s = run_cli({"sweep", spec, "--dry-run"}, d);
  expect_contract(s, 2, "newline in the spec name");
  EXPECT_NE(s.err.find("s.yaml:1:7: name: control character"), std::string::npos) << s.err;
  EXPECT_FALSE(pwned());
}

TEST(Hostile, SlurmScriptsRunNoCommandFromNamesOrPaths) {
  ScratchDir d("h-slurm");
  // Relative: a command that ran would create it in the working folder of gnuplot or bash.
  const std::string marker = "PWNED-" + std::to_string(::getpid());
  auto pwned = [&] { return fs::exists(marker) || fs::exists(d.path(marker)); };
  const std::string spec = d.write("s.yaml", "name: \"n';touch " + marker + ";'$(touch " + marker + ")`touch " +
                                                 marker + "`\"\nbase: {system: tpu_v5e, model: tiny}\n"
                                                 "axes:\n  - key: scenario.batch\n    values: [1, 2]\n"
                                                 "columns: [tokens_per_s]\n");
  const std::string out = d.path("o';touch " + marker + ";'$(touch " + marker + ")`touch " + marker + "`");
  const std::string script = d.path("job';touch " + marker + ";'$(touch " + marker + ").sh");
  const CliRun r = run_cli({"sweep", spec, "--out", out, "--emit-slurm", script, "--sbatch-opt",
                            "--comment=$(touch " + marker + ")`touch " + marker + "`;x"},
                           d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // A fake sbatch records its arguments; the array script submits, the merge script merges.
  d.write("bin/sbatch", "#!/bin/bash\nprintf '%s\\n' \"$@\" >> " + d.path("sbatch.args") + "\necho 42\n");
  fs::permissions(d.path("bin/sbatch"), fs::perms::owner_all);
  const std::string path = d.path("bin") + ":" + std::getenv("PATH");
  const auto sub = decodesim::driver::run_child({"/usr/bin/env", "PATH=" + path, "/bin/bash", script});
  EXPECT_EQ(sub.exit_code, 0) << sub.stderr_text;
  EXPECT_NE(slurp(d.path("sbatch.args")).find("--comment=$(touch " + marker + ")`touch " + marker + "`;x"),
            std::string::npos);
  decodesim::driver::run_child({"/bin/bash", script + ".merge"});
  EXPECT_FALSE(pwned());
  // Control characters never reach a script.
  const CliRun nl = run_cli({"sweep", spec, "--out", d.path("o2\nx"), "--emit-slurm", d.path("j2.sh")}, d);
  expect_contract(nl, 2, "newline in --out");
  const CliRun opt = run_cli({"sweep", spec, "--out", d.path("o3"), "--emit-slurm", d.path("j3.sh"), "--sbatch-opt",
                              "--x\ntouch " + marker},
                             d);
  expect_contract(opt, 2, "newline in --sbatch-opt");
  EXPECT_FALSE(pwned());
}

TEST(Hostile, IntegersAreParsedAsIntegers) {
  ScratchDir d("h-int");
  expect_rejected(d, with(run_args("tpu_v5e"), {"--set", "tpu.mxu.count=4294967297.0"}),
                  {"--set:1:15: tpu.mxu.count: expected an integer, got '4294967297.0'"});
  expect_rejected(d, with(run_args("tpu_v5e"), {"--batch", "4294967297.0"}),
                  {"--batch:1:1: scenario.batch: expected an integer"});
  expect_rejected(d, with(run_args("tpu_v5e"), {"--batch", "4294967297"}), {"scenario.batch: integer out of range"});
  expect_rejected(d, with(run_args("tpu_v5e"), {"--set", "tpu.mxu.count=1e10"}), {"integer out of range"});
  EXPECT_EQ(run_json(d, "ok", with(sys_args("tpu_v5e"), {"--context", "2e3"}))["scenario"]["context"], 2000);
}

TEST(Hostile, IncludesMustBeYamlFilesAndErrorsEchoLittle) {
  ScratchDir d("h-incfile");
  const std::string secret = d.write("secret.txt", "root:$y$j9T$averylongpasswordhashthatmustnotbeprintedanywhere:19000:0:99999:7:::\n");
  expect_rejected(d, run_args(d.write("a.yaml", "include: " + secret + "\n")), {"include: not a YAML file name"});
  const std::string yaml_secret = d.write("s.yaml", "root:$y$j9T$averylongpasswordhashthatmustnotbeprintedanywhere:19000:0:99999:7:::\n");
  const CliRun r = run_cli(run_args(d.write("b.yaml", "include: " + yaml_secret + "\n")), d);
  expect_contract(r, 2, "include of a secret");
  EXPECT_EQ(r.err.find("19000:0:99999"), std::string::npos) << "echoed too much: " << r.err;
  // A file that cannot be read is an error, never an empty file.
  fs::create_symlink("/proc/self/pagemap", d.path("pagemap.yaml"));
  // /proc/self/pagemap reports size 0 but reads without end: refused, never read as empty.
  expect_rejected(d, run_args(d.path("pagemap.yaml")), {"pagemap.yaml"});
  expect_rejected(d, run_args("/proc/self/pagemap"), {"not a YAML file name"});
  fs::create_directories(d.path("dir.yaml"));
  expect_rejected(d, run_args(d.path("dir.yaml")), {"not a regular file"});
}

TEST(Hostile, CompareUsesAnUnpredictableTemporaryFolder) {
  ScratchDir d("h-tmp");
  ScopedEnv env("TMPDIR", d.path());
  // Killed while its child runs: what is left must not be decodesim-compare-<pid>.
  const auto r = decodesim::driver::run_child(
      {decodesim_binary(), "compare", "--model", "llama2_7b", "--systems", "tpu_v5e", "--no-reuse", "--tokens", "16"},
      {}, 1.0);  // 16 tokens without reuse: several seconds even on an idle machine, so the kill lands mid-run
  EXPECT_EQ(r.exit_code, 124);
  // The orphaned `decodesim run` still writes under TMPDIR: stop it (its argv names the folder).
  for (const auto& p : fs::directory_iterator("/proc")) {
    const std::string pid = p.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = slurp(p.path().string() + "/cmdline");
    if (cmd.find(d.path()) != std::string::npos && cmd.find("decodesim") != std::string::npos)
      ::kill(std::stoi(pid), SIGKILL);
  }
  for (const auto& e : fs::directory_iterator(d.path())) {
    const std::string name = e.path().filename().string();
    if (name.rfind("decodesim-compare-", 0) != 0) continue;
    const std::string tail = name.substr(18);
    EXPECT_NE(tail.find_first_not_of("0123456789"), std::string::npos) << "predictable: " << name;
  }
}

// --- Memory safety and the exit-code contract --------------------------------------------------

TEST(Hostile, LedgerRowsAreValidatedInMergeAndReport) {
  ScratchDir d("h-ledger");
  const std::string ok0 = row("0123456789abcdef", 0, 10, 2);
  json no_index = json::parse(row("fedcba9876543210", 1, 20, 1));
  no_index.erase("index");
  const std::string dir = sweep_folder(d, "a", "{}\n" + no_index.dump() + "\n" + ok0 + ok0 + "[]\n");
  const CliRun rep = run_cli({"sweep-report", dir, "--best", "tokens_per_s:max"}, d);
  EXPECT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_NE(rep.out.find("1 of 2 points recorded, 1 ok, 0 failed"), std::string::npos) << rep.out;
  EXPECT_NE(rep.err.find("results.jsonl:1: skipped: no id"), std::string::npos) << rep.err;
  EXPECT_NE(rep.err.find("results.jsonl:2: skipped: no index"), std::string::npos) << rep.err;
  EXPECT_NE(rep.err.find("results.jsonl:4: skipped: repeats id"), std::string::npos) << rep.err;
  const CliRun merge = run_cli({"sweep-merge", dir, "--out", d.path("m")}, d);
  EXPECT_EQ(merge.exit_code, 3) << merge.err;  // a point is missing
  EXPECT_NE(merge.out.find("1 of 2 points"), std::string::npos) << merge.out;
  EXPECT_EQ(merge.err.find("json.exception"), std::string::npos) << merge.err;
}

TEST(Hostile, SweepMergeTakesTheLockAndRefusesItsOwnInput) {
  ScratchDir d("h-lock");
  const std::string dir = sweep_folder(d, "a", row("0123456789abcdef", 0, 10, 2) + row("fedcba9876543210", 1, 20, 1));
  expect_contract(run_cli({"sweep-merge", dir, "--out", dir}, d), 2, "merge into its own input");
  fs::create_directories(d.path("m"));
  const int fd = ::open(d.path("m/.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  const CliRun locked = run_cli({"sweep-merge", dir, "--out", d.path("m")}, d);
  expect_contract(locked, 2, "merge into a locked folder");
  EXPECT_NE(locked.err.find("another sweep or merge is writing"), std::string::npos) << locked.err;
  ::close(fd);
  EXPECT_EQ(run_cli({"sweep-merge", dir, "--out", d.path("m")}, d).exit_code, 0);
}

TEST(Hostile, EveryErrorPathKeepsTheExitCodeContract) {
  ScratchDir d("h-contract");
  std::string deep = "a";
  for (int i = 0; i < 20000; ++i) deep += ".a";
  const std::string garbage = d.write("g/sweep.json", "{not json");
  const std::string wrong = d.write("w/sweep.json", R"({"schema": "decodesim.sweep/1", "name": 5})");
  const std::vector<std::pair<std::vector<std::string>, int>> cases = {
      {with(run_args("tpu_v5e"), {"--set", deep + "=1"}), 2},
      {with(run_args("tpu_v5e"), {"--set", "sim.seed=" + std::string(100, '[')}), 2},
      {with(run_args("tpu_v5e"), {"--tokens", "1048576"}), 2},
      {with(run_args("tpu_v5e"), {"--tokens", "-1"}), 2},
      {with(run_args("tpu_v5e"), {"--batch", "nan"}), 2},
      {with(run_args("tpu_v5e"), {"--out", "/dev/null"}), 2},
      {with(run_args("tpu_v5e"), {"--trace", d.path()}), 2},
      {{"run", "--system", "nope", "--model", "tiny"}, 2},
      {{"run", "--system", "tpu_v5e", "--model", "/etc/passwd"}, 2},
      {{"sweep", d.path("missing.yaml"), "--dry-run"}, 2},
      {{"sweep", kSource + "/configs/sweeps/" + "nope.yaml", "--out", d.path("o")}, 2},
      {{"sweep", "/etc/passwd", "--out", d.path("o")}, 2},
      {{"sweep-report", d.path("g")}, 2},
      {{"sweep-report", d.path("w")}, 2},
      {{"sweep-report", d.path("nowhere")}, 2},
      {{"sweep-merge", d.path("g"), "--out", d.path("m")}, 2},
      {{"sweep-merge", d.path("w"), "--out", d.path("m2")}, 2},
      {{"compare", "--model", "tiny", "--systems", "tpu_v5e", "--out", "/proc/x"}, 2},
      {{"config", "show", "--system", "/proc/self/pagemap"}, 2},
      {{"config", "explain", "nosuch"}, 2},
      {{"validate-rtl", "--sizes", "8", "--wave", "/proc/w.fst"}, 2},
  };
  for (const auto& [args, code] : cases) {
    std::string what;
    for (const auto& a : args) what += (a.size() > 60 ? a.substr(0, 60) + "..." : a) + " ";
    expect_contract(run_cli(args, d), code, what);
  }
  for (const char* t : {"nan", "-1", "0", "inf", "1e9"}) {
    const std::string spec = d.write("s.yaml", "base: {system: tpu_v5e, model: tiny}\n"
                                               "axes:\n  - key: scenario.batch\n    values: [1, 2]\ncolumns: [tokens_per_s]\n");
    const CliRun r = run_cli({"sweep", spec, "--out", d.path("t"), "--timeout", t}, d);
    expect_contract(r, 2, std::string("--timeout ") + t);
    EXPECT_NE(r.err.find("--timeout:1:1"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(d.path("t"))) << "the sweep ran with --timeout " << t;
  }
}

TEST(Hostile, AFailedCommitLeavesNoOutputAndNamesItsErrno) {
  ScratchDir d("h-commit");
  const std::string shim = std::string(DECODESIM_BINARY_DIR) + "/tests/integration/librename_fault_shim.so";
  ScopedEnv preload("LD_PRELOAD", shim);
  {
    ScopedEnv fail("FAULT_RENAME_FAIL", "trace.json");
    const CliRun r = run_cli(with(run_args("tpu_v5e"), {"--quiet", "--out", d.path("out"), "--trace", d.path("trace.json")}), d);
    expect_contract(r, 3, "trace rename fails");
    EXPECT_NE(r.err.find("Input/output error"), std::string::npos) << "errno lost: " << r.err;
    EXPECT_FALSE(fs::exists(d.path("out"))) << "result.json left behind by a failed --trace";
    EXPECT_FALSE(fs::exists(d.path("trace.json")));
  }
  // Killed at each rename of the commit: the folder is absent or complete, never half.
  for (int n = 1; n <= 4; ++n) {
    ScopedEnv kill("FAULT_RENAME_KILL_AT", std::to_string(n));
    const std::string out = d.path("k" + std::to_string(n));
    const CliRun r = run_cli(with(run_args("tpu_v5e"), {"--quiet", "--out", out, "--trace", out + ".json"}), d);
    EXPECT_EQ(r.exit_code, 128 + SIGKILL) << n;
    if (fs::exists(out)) {
      EXPECT_TRUE(fs::exists(out + "/result.json")) << n;
      EXPECT_TRUE(fs::exists(out + "/kernels.csv")) << n;
    }
  }
}

TEST(Hostile, SweepResumeRemovesOrphanAttemptFolders) {
  ScratchDir d("h-orphan");
  const std::string spec = d.write("s.yaml", "base: {system: tpu_v5e, model: tiny}\n"
                                             "axes:\n  - key: scenario.batch\n    values: [1, 2]\ncolumns: [tokens_per_s]\n");
  ASSERT_EQ(run_cli({"sweep", spec, "--out", d.path("o"), "--no-progress"}, d).exit_code, 0);
  d.write("o/.work/0123456789abcdef-99999999/result.json", "{}");
  const CliRun r = run_cli({"sweep", spec, "--out", d.path("o"), "--no-progress"}, d);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(d.path("o/.work/0123456789abcdef-99999999")));
}
