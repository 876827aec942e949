// LD_PRELOAD shim for fault tests of the output commit: rename(2) fails with EIO when its
// target contains $FAULT_RENAME_FAIL, and the process is SIGKILLed at the rename call number
// $FAULT_RENAME_KILL_AT (a kill at the worst instant, reproducibly).
#include <dlfcn.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

extern "C" int rename(const char* from, const char* to) {
  static int (*real)(const char*, const char*);
  static int calls = 0;
  if (!real) real = reinterpret_cast<int (*)(const char*, const char*)>(dlsym(RTLD_NEXT, "rename"));
  ++calls;
  const char* kill_at = getenv("FAULT_RENAME_KILL_AT");
  if (kill_at && atoi(kill_at) == calls) raise(SIGKILL);
  const char* fail = getenv("FAULT_RENAME_FAIL");
  if (fail && *fail && strstr(to, fail)) {
    errno = EIO;
    return -1;
  }
  return real(from, to);
}
