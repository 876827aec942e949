// A minimal third-party-style memory target, written only to the TLM-2.0 base protocol (IEEE
// 1666-2011 clauses 14 and 15) and to decodesim's MemoryTarget interface: what a company's own
// memory-controller model would look like behind decodesim's socket. It shares no code with
// the built-in HBM.
//
// Timing: one data bus of `gbytes_per_s`; a request is served when the bus is free
// (start = max(arrival, bus free), bus busy for len / bandwidth) and its response leaves
// `latency_ns` after its last byte. So a stream of B bytes takes B / bandwidth + latency, and a
// lone request len / bandwidth + latency.
// - LT: b_transport computes that with timing annotation and never waits.
// - AT: BEGIN_REQ is accepted (END_REQ) while fewer than `queue_depth` requests wait for the
//   bus, otherwise END_REQ is held back until one starts; BEGIN_RESP is sent at the response
//   time, one at a time (response exclusion), with the status set before it.
// Config (memory.external_config): "latency_ns=100,gbytes_per_s=800,queue_depth=4,boundary_bytes=4096".
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_target_socket.h>

#include <deque>
#include <sstream>
#include <stdexcept>
#include <string>

#include "memory/tlm/memory_target.h"

namespace decodesim::tlmtest {

struct FixedLatencyParams {
  double latency_ns = 100;
  double gbytes_per_s = 800;
  unsigned queue_depth = 4;
  Bytes boundary_bytes = 0;

  /// "key=value,key=value"; unknown keys throw std::invalid_argument.
  static FixedLatencyParams parse(const std::string& text) {
    FixedLatencyParams p;
    std::stringstream ss(text);
    for (std::string kv; std::getline(ss, kv, ',');) {
      if (kv.empty()) continue;
      const auto eq = kv.find('=');
      const std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
      if (k == "latency_ns") p.latency_ns = std::stod(v);
      else if (k == "gbytes_per_s") p.gbytes_per_s = std::stod(v);
      else if (k == "queue_depth") p.queue_depth = static_cast<unsigned>(std::stoul(v));
      else if (k == "boundary_bytes") p.boundary_bytes = std::stoull(v);
      else throw std::invalid_argument("fixed_latency: unknown key '" + k + "'");
    }
    return p;
  }
};

class FixedLatencyTarget : public memory::MemoryTarget {
 public:
  tlm_utils::simple_target_socket<FixedLatencyTarget> target;

  FixedLatencyTarget(sc_core::sc_module_name name, const FixedLatencyParams& p)
      : memory::MemoryTarget(name), target("target"), m_p(p), m_peq(this, &FixedLatencyTarget::peq_cb), m_stats(basename()) {
    target.register_b_transport(this, &FixedLatencyTarget::b_transport);
    target.register_nb_transport_fw(this, &FixedLatencyTarget::nb_transport_fw);
    // SC_METHOD in a constructor with arguments needs the deprecated SC_HAS_PROCESS in
    // SystemC 2.3.4; sc_spawn with options is the standard spelling of the same method.
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.set_sensitivity(&m_bus_free_ev);
    opts.dont_initialize();
    sc_core::sc_spawn([this] { start_next(); }, "start_next", &opts);
  }

  // MemoryInfoIf
  double peak_bytes_per_s() const override { return m_p.gbytes_per_s * 1e9; }
  Bytes boundary_bytes() const override { return m_p.boundary_bytes; }
  Bytes bytes_served() const override { return m_bytes; }
  const StatGroup& stats() const override {
    m_stats.set("bytes", double(m_bytes), "B", "bytes served");
    m_stats.set("requests", double(m_requests), "count", "transactions served");
    m_stats.set("crossed_boundary", double(m_crossed), "count", "transactions that crossed boundary_bytes");
    return m_stats;
  }
  tlm::tlm_target_socket<>& target_socket() override { return target; }

  std::uint64_t crossed_boundary() const { return m_crossed; }
  std::uint64_t requests() const { return m_requests; }

 private:
  sc_core::sc_time service(const tlm::tlm_generic_payload& p) const {
    return sc_core::sc_time(double(p.get_data_length()) / (m_p.gbytes_per_s * 1e9), sc_core::SC_SEC);
  }
  sc_core::sc_time latency() const { return sc_core::sc_time(m_p.latency_ns, sc_core::SC_NS); }
  void account(const tlm::tlm_generic_payload& p) {
    ++m_requests;
    m_bytes += p.get_data_length();
    if (m_p.boundary_bytes && p.get_address() / m_p.boundary_bytes !=
                                  (p.get_address() + p.get_data_length() - 1) / m_p.boundary_bytes)
      ++m_crossed;
  }

  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    const sc_core::sc_time arrival = sc_core::sc_time_stamp() + delay;
    const sc_core::sc_time start = arrival > m_bus_free ? arrival : m_bus_free;
    m_bus_free = start + service(p);
    delay = m_bus_free + latency() - sc_core::sc_time_stamp();
    account(p);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay) {
    if (phase == tlm::BEGIN_REQ) {
      p.acquire();
      m_peq.notify(p, phase, delay);
      return tlm::TLM_ACCEPTED;
    }
    if (phase == tlm::END_RESP) {
      m_resp_busy = nullptr;
      p.release();
      send_next_response();
      return tlm::TLM_COMPLETED;
    }
    throw std::logic_error(std::string(name()) + ": unexpected phase on the forward path");
  }

  void peq_cb(tlm::tlm_generic_payload& p, const tlm::tlm_phase& phase) {
    if (phase == tlm::BEGIN_REQ) {
      if (m_waiting.size() < m_p.queue_depth) accept(p);
      else m_held.push_back(&p);  // END_REQ held back: the initiator may not send another request
      start_next();
    } else if (phase == tlm::BEGIN_RESP) {
      p.set_response_status(tlm::TLM_OK_RESPONSE);
      m_responses.push_back(&p);
      send_next_response();
    }
  }

  void accept(tlm::tlm_generic_payload& p) {
    m_waiting.push_back(&p);
    tlm::tlm_phase ph = tlm::END_REQ;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    target->nb_transport_bw(p, ph, zero);
  }

  // The bus takes the oldest waiting request once it is free; a held request then gets its END_REQ.
  void start_next() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (m_waiting.empty() || m_bus_free > now) return;
    tlm::tlm_generic_payload& p = *m_waiting.front();
    m_waiting.pop_front();
    account(p);
    m_bus_free = now + service(p);
    m_bus_free_ev.notify(m_bus_free - now);
    m_peq.notify(p, tlm::BEGIN_RESP, m_bus_free + latency() - now);
    if (!m_held.empty()) {
      tlm::tlm_generic_payload* h = m_held.front();
      m_held.pop_front();
      accept(*h);
    }
  }

  void send_next_response() {
    while (!m_resp_busy && !m_responses.empty()) {
      tlm::tlm_generic_payload& p = *m_responses.front();
      m_responses.pop_front();
      tlm::tlm_phase ph = tlm::BEGIN_RESP;
      sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
      m_resp_busy = &p;
      const tlm::tlm_sync_enum r = target->nb_transport_bw(p, ph, zero);
      if (r == tlm::TLM_COMPLETED || (r == tlm::TLM_UPDATED && ph == tlm::END_RESP)) {
        m_resp_busy = nullptr;
        p.release();
      }
    }
  }

  FixedLatencyParams m_p;
  tlm_utils::peq_with_cb_and_phase<FixedLatencyTarget> m_peq;
  sc_core::sc_event m_bus_free_ev;
  sc_core::sc_time m_bus_free = sc_core::SC_ZERO_TIME;
  std::deque<tlm::tlm_generic_payload*> m_waiting, m_held, m_responses;
  tlm::tlm_generic_payload* m_resp_busy = nullptr;
  Bytes m_bytes = 0;
  std::uint64_t m_requests = 0, m_crossed = 0;
  mutable StatGroup m_stats;
};

}  // namespace decodesim::tlmtest
