// libsystemc's own main() calls sc_main(), so every executable that links SystemC must define
// one. When that main() wins the link over gtest_main's, this runs the tests; otherwise it is unused.
#include <gtest/gtest.h>
#include <systemc>

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
