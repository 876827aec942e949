// How initiators talk to memory: the protocol (sim.tlm_mode), the LT quantum (sim.quantum_ns), and
// whether bindings inside a module are checked (sim.check_protocol).
#pragma once

#include "common/base/units.h"

namespace decodesim::memory {

enum class TlmMode {
  Lt,  ///< loosely timed: b_transport with timing annotation, temporal decoupling by quantum
  At,  ///< approximately timed: 4-phase nb_transport, the target's phases set the timing
};

struct TlmSettings {
  TlmMode mode = TlmMode::Lt;
  Picos quantum = 0;  ///< LT: how far an initiator may run ahead of SystemC time before it syncs
  bool check_protocol = false;  ///< a ProtocolChecker on the bindings a module makes inside itself (sim.check_protocol)
};

}  // namespace decodesim::memory
