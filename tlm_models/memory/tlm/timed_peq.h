// A payload event queue with tlm_utils::peq_with_cb_and_phase's interface and exactly its
// delivery order, for the AT memory path.
//
// Why not the stock one: it keeps timed notifications in a sorted singly linked list and inserts
// by walking it from the head past every entry not later than the new one. An HBM answers in
// roughly arrival order, so each BEGIN_RESP walked the whole list of responses in flight: perf
// put 40% of a GPU A100 7B token in AT mode on that walk (inlined into Hbm::accept).
//
// Here timed entries sit in a binary heap ordered by (time, insertion number), which is the
// list's order: earlier time first, and entries for the same time in the order they were
// notified. Delta and immediate notifications, and fec()'s sequence (immediate, then the delta
// parity in turn, then every timed entry due now), are the stock ones, so a model sees the same
// callbacks in the same order and its outputs are byte-identical.
#pragma once

#include <systemc>
#include <sysc/kernel/sc_dynamic_processes.h>  // sc_spawn, whatever included <systemc> first
#include <tlm>

#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

namespace decodesim::memory {

template <typename OWNER, typename TYPES = tlm::tlm_base_protocol_types>
class TimedPeq : public sc_core::sc_object {
  using payload_type = typename TYPES::tlm_payload_type;
  using phase_type = typename TYPES::tlm_phase_type;
  using Callback = void (OWNER::*)(payload_type&, const phase_type&);
  using Entry = std::pair<payload_type*, phase_type>;

 public:
  TimedPeq(const char* name, OWNER* owner, Callback cb) : sc_core::sc_object(name), m_owner(owner), m_cb(cb) {
    spawn();
  }
  TimedPeq(OWNER* owner, Callback cb)
      : sc_core::sc_object(sc_core::sc_gen_unique_name("timed_peq")), m_owner(owner), m_cb(cb) {
    spawn();
  }

  /// Delivers `phase` for `t` after `delay` (zero: in the next delta cycle).
  void notify(payload_type& t, const phase_type& phase, const sc_core::sc_time& delay) {
    if (delay == sc_core::SC_ZERO_TIME) {
      // The stock queue's parity rule: a delta notification made in an odd delta is delivered
      // in the next (even) one, and vice versa.
      (sc_core::sc_delta_count() & 1 ? m_even_delta : m_odd_delta).push_back(Entry(&t, phase));
      m_event.notify(sc_core::SC_ZERO_TIME);
    } else {
      m_timed.push(Timed{(delay + sc_core::sc_time_stamp()).value(), m_seq++, Entry(&t, phase)});
      m_event.notify(delay);  // an earlier pending notification stays (sc_event keeps the earliest)
    }
  }
  /// Delivers `phase` for `t` in this evaluation phase.
  void notify(payload_type& t, const phase_type& phase) {
    m_immediate.push_back(Entry(&t, phase));
    m_event.notify();
  }

 private:
  struct Timed {
    sc_dt::uint64 at;    ///< absolute time, in resolution units
    std::uint64_t seq;   ///< notification order: ties at one time keep it
    Entry entry;
  };
  struct Later {
    bool operator()(const Timed& a, const Timed& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };

  void spawn() {
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.set_sensitivity(&m_event);
    opts.dont_initialize();
    sc_core::sc_spawn([this] { fire(); }, sc_core::sc_gen_unique_name("fec"), &opts);
  }

  // Callbacks may notify again; a list is read by index so entries they append are delivered
  // in the same pass, as the stock delta list does.
  void deliver(std::vector<Entry>& list) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Entry e = list[i];
      (m_owner->*m_cb)(*e.first, e.second);
    }
    list.clear();
  }

  void fire() {
    deliver(m_immediate);
    if (sc_core::sc_delta_count() & 1) {
      deliver(m_odd_delta);
      if (!m_even_delta.empty()) m_event.notify(sc_core::SC_ZERO_TIME);
    } else {
      deliver(m_even_delta);
      if (!m_odd_delta.empty()) m_event.notify(sc_core::SC_ZERO_TIME);
    }
    if (m_timed.empty()) return;
    const sc_dt::uint64 now = sc_core::sc_time_stamp().value();
    while (!m_timed.empty() && m_timed.top().at == now) {
      // Popped before the callback: what it notifies is due later than now, so it cannot
      // overtake an entry still due now.
      const Entry e = m_timed.top().entry;
      m_timed.pop();
      (m_owner->*m_cb)(*e.first, e.second);
    }
    if (!m_timed.empty()) m_event.notify(sc_core::sc_time::from_value(m_timed.top().at - now));
  }

  OWNER* m_owner;
  Callback m_cb;
  std::priority_queue<Timed, std::vector<Timed>, Later> m_timed;
  std::uint64_t m_seq = 0;
  std::vector<Entry> m_odd_delta, m_even_delta, m_immediate;
  sc_core::sc_event m_event;
};

}  // namespace decodesim::memory
