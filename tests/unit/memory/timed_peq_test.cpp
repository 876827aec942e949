// TimedPeq must deliver exactly what tlm_utils::peq_with_cb_and_phase delivers, in the same
// order and at the same time and delta cycle: the AT memory path swapped one for the other and
// its outputs must not move. Both queues get the same seeded stream of timed (with many ties),
// delta and immediate notifications, some made from inside callbacks.
#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "memory/tlm/timed_peq.h"

namespace decodesim::memory {
namespace {

struct Delivery {
  std::uint64_t time, delta, id, phase;
  bool operator==(const Delivery& o) const {
    return time == o.time && delta == o.delta && id == o.id && phase == o.phase;
  }
};

// One receiver per queue kind; a callback re-notifies some payloads, as an HBM answering a
// request does, so re-entrant notification is covered too.
template <template <class> class Peq>
struct Receiver : sc_core::sc_module {
  Peq<Receiver> peq;
  std::vector<Delivery> log;
  std::mt19937_64 rng{7};
  explicit Receiver(sc_core::sc_module_name n) : sc_core::sc_module(n), peq("peq", this, &Receiver::cb) {}
  void cb(tlm::tlm_generic_payload& p, const tlm::tlm_phase& ph) {
    const std::uint64_t id = p.get_address();
    log.push_back({sc_core::sc_time_stamp().value(), sc_core::sc_delta_count(), id,
                   static_cast<std::uint64_t>(static_cast<unsigned>(ph))});
    if (ph == tlm::BEGIN_REQ && id % 3 == 0) {
      const std::uint64_t r = rng() % 4;
      if (r == 0) peq.notify(p, tlm::BEGIN_RESP, sc_core::SC_ZERO_TIME);
      else if (r == 1) peq.notify(p, tlm::BEGIN_RESP);
      else peq.notify(p, tlm::BEGIN_RESP, sc_core::sc_time(static_cast<double>(rng() % 5 + 1), sc_core::SC_NS));
    }
  }
};
template <class O>
using Stock = tlm_utils::peq_with_cb_and_phase<O>;
template <class O>
using Ours = TimedPeq<O>;

struct Driver : sc_core::sc_module {
  Receiver<Stock> stock{"stock"};
  Receiver<Ours> ours{"ours"};
  std::vector<tlm::tlm_generic_payload> a, b;
  SC_HAS_PROCESS(Driver);
  explicit Driver(sc_core::sc_module_name n) : sc_core::sc_module(n), a(3000), b(3000) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      a[i].set_address(i);
      b[i].set_address(i);
    }
    SC_THREAD(drive);
  }
  void drive() {
    std::mt19937_64 rng(20261130);
    std::size_t next = 0;
    while (next < a.size()) {
      const std::uint64_t burst = rng() % 8 + 1;
      for (std::uint64_t k = 0; k < burst && next < a.size(); ++k, ++next) {
        const std::uint64_t kind = rng() % 10;
        if (kind == 0) {
          stock.peq.notify(a[next], tlm::BEGIN_REQ);
          ours.peq.notify(b[next], tlm::BEGIN_REQ);
        } else if (kind <= 2) {
          stock.peq.notify(a[next], tlm::BEGIN_REQ, sc_core::SC_ZERO_TIME);
          ours.peq.notify(b[next], tlm::BEGIN_REQ, sc_core::SC_ZERO_TIME);
        } else {
          // Few distinct delays, so many entries share a time and the tie order is tested.
          const sc_core::sc_time d(static_cast<double>(rng() % 6 + 1), sc_core::SC_NS);
          stock.peq.notify(a[next], tlm::BEGIN_REQ, d);
          ours.peq.notify(b[next], tlm::BEGIN_REQ, d);
        }
      }
      const std::uint64_t step = rng() % 3;
      if (step == 0) wait(sc_core::SC_ZERO_TIME);
      else wait(sc_core::sc_time(static_cast<double>(step), sc_core::SC_NS));
    }
  }
};

TEST(TimedPeq, DeliversWhatTheStockQueueDeliversInTheSameOrderTimeAndDelta) {
  Driver d("driver");
  sc_core::sc_start();
  ASSERT_GT(d.stock.log.size(), d.a.size());  // every payload, plus the callbacks' re-notifications
  ASSERT_EQ(d.stock.log.size(), d.ours.log.size());
  for (std::size_t i = 0; i < d.stock.log.size(); ++i)
    ASSERT_TRUE(d.stock.log[i] == d.ours.log[i])
        << "delivery " << i << ": stock id " << d.stock.log[i].id << " at " << d.stock.log[i].time << "/"
        << d.stock.log[i].delta << ", ours id " << d.ours.log[i].id << " at " << d.ours.log[i].time << "/"
        << d.ours.log[i].delta;
}

}  // namespace
}  // namespace decodesim::memory
