// main() for every program of this project that runs SystemC (the CLI, testbenches, benches,
// SystemC tests). libsystemc's own main() prints the copyright banner before any user code can
// stop it, and sc_stop() reports "Simulation stopped by user." as an info message: neither is
// a result, and both used to land in the output unless the user exported
// SYSTEMC_DISABLE_COPYRIGHT_MESSAGE. The program's sc_main() runs unchanged.
#include <cstdlib>
#include <systemc>

int main(int argc, char** argv) {
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  // Only the kernel's informational reports ("/OSCI/SystemC"); warnings and errors still show.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  return sc_core::sc_elab_and_sim(argc, argv);
}
