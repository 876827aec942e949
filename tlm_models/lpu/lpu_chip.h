// One LPU chip as a SystemC module: it executes its stage's compiled program for every token,
// the way the chip runs it. That run is the LPU's reported time.
//
// The compiler fixed every instruction's issue time (lpu_schedule.h); the chip's instruction
// control issues each one at its compiled offset from the chip's last synchronisation point,
// as a TSP does (no interlocks, no arbitration). The synchronisation points are the messages
// it receives over its C2C links:
//  - the stage's input, sent by the previous stage's chip (or, for stage 0, the sampled token
//    id coming back from the last stage);
//  - each exchange of a collective: the chip sends its piece over its own link module and
//    waits for its neighbour's piece to land in its mailbox.
// Sends and exchanges are TLM-2.0 transactions through link modules (memory::LinkModule), so when messages
// land is the links' business (their config), not the compiler's. The run checks each
// instruction against the compiler's prediction and keeps the first divergence (chip, token,
// instruction index, opcode, expected vs got); the system turns it into a SimulationError.
// It also checks the structural hazards a static machine cannot resolve at run time: an MXM,
// VXM or SXM instruction issued while its unit is still busy.
// MEM instructions are transactions on the chip's MEM slices (MemSlices, through mem_port, with
// a ProtocolChecker between them when sim.check_protocol), which time them. The schedule does not
// say which MEM streams are writes (KV appends): they are issued as reads, timed the same.
// Temporal decoupling: resident weights stream out of MEM before the activations they meet have
// arrived, and a prompt's chunks overlap in the pipeline, so a chip's instructions are not in
// time order across receives and steps. The chip therefore keeps its time in the messages and
// transactions it sends (their annotations) and advances SystemC time only after its last step:
// a receive waits for the message to be posted, not for its arrival time. SystemC time stays
// below every transaction's arrival, and the chips synchronise through their mailboxes alone.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/kernel_record.h"
#include "common/base/trace.h"
#include "memory/link/link_module.h"
#include "lpu/lpu_schedule.h"
#include "lpu/mem_slices.h"
#include "memory/sram/sram_target.h"
#include "memory/tlm/protocol_checker.h"
#include "memory/tlm/tlm_settings.h"

namespace decodesim::lpu {

/// What a C2C message's address carries: the binding of the link's far end it leaves on (its
/// route, memory::link_route()), and the mailbox tag the receiver waits for (the token, and which
/// message of that token's program).
struct C2cAddress {
  std::uint32_t route = 0;    ///< index of the link's `far` binding (< 256)
  std::uint32_t token = 0;
  std::uint32_t message = 0;  ///< 0: the stage's input; i + 1: the exchange at instruction i (< 2^24)
  std::uint64_t encode() const { return memory::link_address(route, tag()); }
  static C2cAddress decode(std::uint64_t address) {
    return C2cAddress{memory::link_route(address), static_cast<std::uint32_t>((address >> 24) & 0xffffffffu),
                      static_cast<std::uint32_t>(address & 0xffffffu)};
  }
  /// The receiver's mailbox key: the address without its route.
  std::uint64_t tag() const { return (std::uint64_t{token} << 24) | (message & 0xffffffu); }
};

/// What the compiler made for one chip: per token, its program and its timeline.
struct ChipPlan {
  std::uint32_t stage = 0;
  std::vector<std::vector<Kernel>> program;  ///< per token (kernels, for the records and trace)
  std::vector<StageRun> expected;            ///< per token: the instruction stream (events) and its predicted times
  std::vector<Bytes> send_bytes;             ///< per token: output sent on (0: none)
  /// Per token, stage 0: its input is the host's (the next chunk of a prompt, docs/turns.md),
  /// not a sampled token coming back, so it starts once the stage is done with the previous one.
  std::vector<bool> host_input;
  std::string send_name;
};

/// Where the chip's messages go: the route (binding of its link's `far`) and the token the
/// receiver files them under.
struct ChipRoutes {
  bool feeds_itself = false;     ///< a single stage without a send: its next token starts when this one ends
  bool wraps = false;            ///< this stage's send is the next token's input (last stage -> stage 0)
  std::uint32_t next = 0;        ///< global link route of the stage hand-off
  std::uint32_t across = 0;      ///< global link route of a cross-node exchange
  std::uint32_t peer = 0;        ///< peer link route of a node-mate exchange
};

class LpuChip : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<LpuChip> peer_tx;    ///< to this chip's node-mate link module
  tlm_utils::simple_initiator_socket<LpuChip> global_tx;  ///< to this chip's global link module
  tlm_utils::multi_passthrough_target_socket<LpuChip> rx; ///< every link that delivers to this chip
  MemSlices mem;               ///< the chip's SRAM
  memory::SramPort mem_port;   ///< MEM instructions, bound to mem in the constructor

  /// `plan` is shared by the chips of a stage (they run one program); `cfg` is the chip's.
  LpuChip(sc_core::sc_module_name name, std::uint32_t chip, std::shared_ptr<const ChipPlan> plan, ChipRoutes routes,
          const LpuConfig& cfg, const memory::TlmSettings& tlm = {});

  void set_trace(TraceWriter* t);

  /// Per token, what the run did: the compiled records and counters, with the run's times
  /// (events, input_at, end, send_done).
  const std::vector<StageRun>& runs() const { return m_runs; }
  bool finished() const { return m_finished; }
  /// Instructions executed, over all tokens.
  std::uint64_t executed() const { return m_executed; }
  /// First divergence from the compiled schedule ("chip<N> token ..."), empty if none.
  const std::string& violation() const { return m_violation; }
  /// When it happened (the compiled start of the diverging instruction).
  Picos violation_at() const { return m_violation_at; }

 private:
  void run();
  void execute(std::uint32_t token, Picos input, StageRun& got);
  Picos transmit(tlm_utils::simple_initiator_socket<LpuChip>& tx, const C2cAddress& to, Bytes bytes, Picos at);
  /// The message's arrival (absolute ps), once it is in the mailbox; SystemC time stays where it is.
  Picos receive(std::uint64_t tag);
  /// Advances SystemC time to `t` if it is behind.
  void sync_to(Picos t);
  void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  void diverged(std::uint32_t token, const std::string& where, Picos want_start, Picos want_end, Picos got_start,
                Picos got_end);
  void trace(const StageRun& got, std::uint32_t token);

  std::uint32_t m_chip;
  std::string m_label;  ///< "chip<N>": names the chip in violations, whatever module holds it
  std::unique_ptr<memory::ProtocolChecker> m_mem_checker;
  std::shared_ptr<const ChipPlan> m_plan;
  ChipRoutes m_routes;
  TraceWriter* m_trace = nullptr;
  std::vector<int> m_tracks;  ///< per Unit, then the kernel track last
  std::map<std::uint64_t, Picos> m_mailbox;  ///< message tag -> arrival (absolute ps)
  sc_core::sc_event m_arrived;
  std::array<Picos, 5> m_unit_free{};        ///< per Unit, as executed
  tlm::tlm_generic_payload m_payload;
  std::vector<unsigned char> m_buffer;       ///< the activations on the wire (their values are not modelled)
  std::vector<StageRun> m_runs;
  std::uint64_t m_executed = 0;
  bool m_finished = false;
  std::string m_violation;
  Picos m_violation_at = 0;
};

}  // namespace decodesim::lpu
