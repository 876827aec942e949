// libsystemc.so carries its own main(), which calls sc_main(), so the shared library needs the
// symbol at link time even though libFuzzer's main() is the one that runs. The fuzzers only
// parse text and never elaborate a model: reaching this function is a bug.
#include <cstdlib>

// SystemC declares it extern "C" (sysc/kernel/sc_externs.h).
extern "C" int sc_main(int, char*[]) { std::abort(); }
