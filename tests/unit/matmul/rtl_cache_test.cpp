// The on-demand RTL cache (rtl_build.h): temporary folders of builds that were killed are
// removed when the cache is next used, and a build still running elsewhere keeps its folder.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "matmul/rtl_build.h"

namespace dm = decodesim::matmul;
namespace fs = std::filesystem;

namespace {

std::string host() {
  char h[256] = {0};
  gethostname(h, sizeof h - 1);
  return h;
}

// A pid that no process has now: a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t p = fork();
  if (p == 0) _exit(0);
  waitpid(p, nullptr, 0);
  return p;
}

fs::path folder(const fs::path& cache, const std::string& name, const std::string& owner) {
  const fs::path d = cache / name;
  fs::create_directories(d / "obj");
  std::ofstream(d / "obj" / "Vmodel.cpp") << "// half a build\n";
  if (!owner.empty()) std::ofstream(d / ".decodesim-owner") << owner << "\n";
  return d;
}

}  // namespace

TEST(RtlCache, KilledBuildsAreRemovedAndRunningOnesKept) {
  const fs::path cache = fs::temp_directory_path() / ("rtl_cache_test_" + std::to_string(getpid()));
  fs::remove_all(cache);
  const fs::path killed = folder(cache, "systolic_array-6x6-wb2-sc-0123.tmp-aaaaaa", host() + " " + std::to_string(dead_pid()));
  const fs::path running = folder(cache, "systolic_array-6x6-wb2-sc-0123.tmp-bbbbbb", host() + " " + std::to_string(getpid()));
  const fs::path elsewhere = folder(cache, "systolic_array-6x6-wb2-0123.tmp-cccccc", "another-host 1");
  const fs::path no_owner = folder(cache, "runtime-0123.tmp-dddddd", "");
  const fs::path old = folder(cache, "systolic_array-7x7-wb2-0123.tmp-eeeeee", "another-host 1");
  const fs::path model = folder(cache, "systolic_array-6x6-wb2-sc-0123", "");
  std::ofstream(model / "done") << "ok\n";
  // Untouched for two days: the folder and everything in it.
  const auto two_days_ago = fs::file_time_type::clock::now() - std::chrono::hours(48);
  for (const fs::path& p : {old, old / "obj", old / ".decodesim-owner", old / "obj" / "Vmodel.cpp"})
    fs::last_write_time(p, two_days_ago);
  // A live build's compile touches only obj/ for minutes: still recent through its entries.
  fs::last_write_time(running, two_days_ago);

  EXPECT_EQ(dm::clean_stale_rtl_builds(cache.string()), 2u);
  EXPECT_FALSE(fs::exists(killed)) << "its builder is gone";
  EXPECT_FALSE(fs::exists(old)) << "untouched for longer than kStaleBuildAge";
  EXPECT_TRUE(fs::exists(running)) << "its builder (this process) still runs";
  EXPECT_TRUE(fs::exists(elsewhere)) << "another host's build, recent";
  EXPECT_TRUE(fs::exists(no_owner)) << "no owner file yet (just made), recent";
  EXPECT_TRUE(fs::exists(model / "done")) << "a finished model is never touched";
  EXPECT_EQ(dm::clean_stale_rtl_builds(cache.string()), 0u);
  fs::remove_all(cache);
}
