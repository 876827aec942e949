// A pass-through module that checks the TLM-2.0 base protocol on one socket binding
// (sim.check_protocol: true puts one on every initiator→memory binding). Written from the rules
// of IEEE 1666-2011: the generic payload (clause 14: attribute ownership, response status,
// memory management) and the base protocol's phases (clause 15: phase sequence, request and
// response exclusion, completion). Every call in both directions goes through unchanged; a
// broken rule calls the violation handler (default: throw ProtocolError) with the rule's name.
//
// Checked:
//  gp.command / gp.data / gp.streaming_width / gp.byte_enable: a valid request on entry;
//  gp.status_incomplete: the initiator sends TLM_INCOMPLETE_RESPONSE;
//  gp.target_modified: on return or completion, command, address, data pointer, length,
//    byte enables and streaming width are what the initiator set (only the target's own
//    attributes — response status, DMI hint, data content, extensions — may change);
//  gp.status_set: the target has set the response status by b_transport's return, before
//    BEGIN_RESP, and before it completes a transaction with TLM_COMPLETED;
//  mm.required: a transaction sent through nb_transport has a memory manager;
//  phase.sequence: BEGIN_REQ → END_REQ → BEGIN_RESP → END_RESP, each from the right side, with
//    END_REQ implied by BEGIN_RESP and TLM_COMPLETED allowed at any step; no extended phases;
//  phase.request_exclusion: no BEGIN_REQ while another request on this socket awaits END_REQ;
//  phase.response_exclusion: no BEGIN_RESP while another response awaits END_RESP;
//  phase.after_completion: no call touches a transaction that has completed;
//  phase.mixed: b_transport is not called with a transaction that is in flight on nb_transport;
//  dmi.grant: a granted DMI region contains the address and allows the access;
//  debug.length / debug.time: transport_dbg returns at most the data length and does not wait.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace decodesim::memory {

class ProtocolError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

class ProtocolChecker : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<ProtocolChecker> target;        ///< the initiator binds here
  tlm_utils::simple_initiator_socket<ProtocolChecker> initiator;  ///< bind to the checked target

  explicit ProtocolChecker(sc_core::sc_module_name name);

  /// Called with "rule: what happened" on every violation. Default: throw ProtocolError.
  void set_on_violation(std::function<void(const std::string&)> f) { m_on_violation = std::move(f); }
  std::uint64_t transactions() const { return m_transactions; }

 private:
  enum class State { ReqSent, ReqAccepted, RespSent };
  struct Snapshot {
    tlm::tlm_command command;
    sc_dt::uint64 address;
    unsigned char* data;
    unsigned length, streaming_width, be_length;
    unsigned char* be;
  };
  struct Tx {
    State state;
    Snapshot snap;
  };

  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  void violation(const std::string& rule, const std::string& what, const tlm::tlm_generic_payload* p = nullptr);
  void check_request(const tlm::tlm_generic_payload& p, const char* via);
  void check_unmodified(const Snapshot& s, const tlm::tlm_generic_payload& p, const char* when);
  static Snapshot snapshot(const tlm::tlm_generic_payload& p);
  /// Applies a phase reported by `from_target` (true: bw call or fw return) to the transaction.
  void advance(tlm::tlm_generic_payload& p, const tlm::tlm_phase& phase, bool from_target, const char* where);
  void completed(tlm::tlm_generic_payload& p, bool by_target, const char* where);
  /// Checks what a callee returned: `r` with the phase `now` after sending `sent`.
  void returned(tlm::tlm_generic_payload& p, tlm::tlm_sync_enum r, const tlm::tlm_phase& sent,
                const tlm::tlm_phase& now, bool callee_is_target, const char* where);

  std::function<void(const std::string&)> m_on_violation;
  std::unordered_map<const tlm::tlm_generic_payload*, Tx> m_tx;
  const tlm::tlm_generic_payload* m_req_open = nullptr;   ///< awaiting END_REQ
  const tlm::tlm_generic_payload* m_resp_open = nullptr;  ///< awaiting END_RESP
  std::unordered_map<const tlm::tlm_generic_payload*, bool> m_done;  ///< completed, not yet re-sent
  std::uint64_t m_transactions = 0;
};

}  // namespace decodesim::memory
