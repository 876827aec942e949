// The progress line of `run` and `compare`: on a terminal only (a pseudo-terminal here), never
// in a pipe or with --quiet. DECODESIM_PROGRESS_AFTER_S=0 shows it from the start, so the test
// does not depend on how long a run takes on this machine.
#include <gtest/gtest.h>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "cli_harness.h"

using namespace decodesim::test;

namespace {

/// Runs decodesim with stdout and stderr on a fresh pseudo-terminal; everything it printed.
std::string run_on_terminal(std::vector<std::string> args) {
  args.insert(args.begin(), decodesim_binary());
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    ::setenv("DECODESIM_PROGRESS_AFTER_S", "0", 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  return out;
}

const std::vector<std::string> kRun = {"run", "--system", "tpu_v5e", "--model", "llama2_7b", "--no-reuse"};

}  // namespace

TEST(Progress, RunShowsALineOnATerminalAndErasesIt) {
  const std::string out = run_on_terminal(kRun);
  EXPECT_NE(out.find("\rdecodesim: simulating llama2_7b on tpu_v5e: "), std::string::npos) << out;
  EXPECT_NE(out.find("\r\033[K"), std::string::npos) << "the line is erased when the run ends";
  EXPECT_NE(out.find("time per token"), std::string::npos);
}

TEST(Progress, RunIsSilentWithQuietOnATerminal) {
  std::vector<std::string> args = kRun;
  args.push_back("--quiet");
  EXPECT_EQ(run_on_terminal(args).find("simulating"), std::string::npos);
}

TEST(Progress, RunIsSilentWhenNotATerminal) {
  ScratchDir d("progress-pipe");
  ::setenv("DECODESIM_PROGRESS_AFTER_S", "0", 1);
  const CliRun r = run_cli(kRun, d);
  ::unsetenv("DECODESIM_PROGRESS_AFTER_S");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("simulating"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find('\r'), std::string::npos);
}

TEST(Progress, CompareCountsSystemsOnATerminal) {
  const std::string out =
      run_on_terminal({"compare", "--model", "tiny", "--systems", "tpu_v5e", "gpu_h100"});
  EXPECT_NE(out.find("decodesim: compare: "), std::string::npos) << out;
  EXPECT_NE(out.find(" of 2 systems done"), std::string::npos) << out;
}
