// Entry point for GoogleTest binaries that run SystemC models. libsystemc owns main() and
// calls sc_main(); running the tests from here keeps SystemC's own start-up intact.
// gtest_discover_tests still runs every TEST in its own process (one elaboration each).
#include <gtest/gtest.h>
#include <systemc>

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
