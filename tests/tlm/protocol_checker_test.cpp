// The base-protocol checker against deliberately wrong initiators and targets: each test drives
// one broken rule through a ProtocolChecker and expects exactly that rule to be reported, and a
// correct exchange to pass silently. One elaboration per process (one TEST each under ctest).
#include <gtest/gtest.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <string>
#include <vector>

#include "memory/tlm/payload_pool.h"
#include "memory/tlm/protocol_checker.h"

namespace {

using namespace decodesim::memory;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_ZERO_TIME;

/// A scriptable target: each behaviour is a lambda the test sets before sc_start.
struct ScriptTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<ScriptTarget> socket;
  std::function<void(tlm::tlm_generic_payload&, sc_time&)> on_b;
  std::function<tlm::tlm_sync_enum(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&)> on_nb;
  std::function<unsigned(tlm::tlm_generic_payload&)> on_dbg;
  std::function<bool(tlm::tlm_generic_payload&, tlm::tlm_dmi&)> on_dmi;
  explicit ScriptTarget(sc_core::sc_module_name n) : sc_module(n), socket("socket") {
    socket.register_b_transport(this, &ScriptTarget::b);
    socket.register_nb_transport_fw(this, &ScriptTarget::nb);
    socket.register_transport_dbg(this, &ScriptTarget::dbg);
    socket.register_get_direct_mem_ptr(this, &ScriptTarget::dmi);
    on_b = [](tlm::tlm_generic_payload& p, sc_time&) { p.set_response_status(tlm::TLM_OK_RESPONSE); };
    on_nb = [](tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&) { return tlm::TLM_ACCEPTED; };
    on_dbg = [](tlm::tlm_generic_payload& p) { return p.get_data_length(); };
    on_dmi = [](tlm::tlm_generic_payload&, tlm::tlm_dmi&) { return false; };
  }
  void b(tlm::tlm_generic_payload& p, sc_time& d) { on_b(p, d); }
  tlm::tlm_sync_enum nb(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_time& d) { return on_nb(p, ph, d); }
  unsigned dbg(tlm::tlm_generic_payload& p) { return on_dbg(p); }
  bool dmi(tlm::tlm_generic_payload& p, tlm::tlm_dmi& d) { return on_dmi(p, d); }
  /// Target-initiated call on the backward path.
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload& p, tlm::tlm_phase ph) {
    sc_time d = SC_ZERO_TIME;
    return socket->nb_transport_bw(p, ph, d);
  }
};

/// An initiator whose backward path answers as the test says (default: TLM_ACCEPTED).
struct ScriptInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<ScriptInitiator> socket;
  std::function<tlm::tlm_sync_enum(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&)> on_bw;
  std::vector<tlm::tlm_phase> seen;
  PayloadPool pool;
  unsigned char data[64] = {};
  explicit ScriptInitiator(sc_core::sc_module_name n) : sc_module(n), socket("socket") {
    socket.register_nb_transport_bw(this, &ScriptInitiator::bw);
    on_bw = [](tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&) { return tlm::TLM_ACCEPTED; };
  }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_time& d) {
    seen.push_back(ph);
    return on_bw(p, ph, d);
  }
  tlm::tlm_generic_payload& request(sc_dt::uint64 addr = 0, tlm::tlm_command c = tlm::TLM_READ_COMMAND) {
    tlm::tlm_generic_payload& p = *pool.acquire();
    p.set_command(c);
    p.set_address(addr);
    p.set_data_ptr(data);
    p.set_data_length(64);
    p.set_streaming_width(64);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    return p;
  }
  tlm::tlm_sync_enum fw(tlm::tlm_generic_payload& p, tlm::tlm_phase ph) {
    sc_time d = SC_ZERO_TIME;
    return socket->nb_transport_fw(p, ph, d);
  }
};

struct Bench : sc_core::sc_module {
  ScriptInitiator ini{"ini"};
  ProtocolChecker chk{"chk"};
  ScriptTarget tgt{"tgt"};
  std::vector<std::string> violations;
  explicit Bench(sc_core::sc_module_name n) : sc_module(n) {
    chk.set_on_violation([this](const std::string& v) { violations.push_back(v); });
    // Connect
    ini.socket.bind(chk.target);
    chk.initiator.bind(tgt.socket);
  }
  /// Runs `body` as a thread and returns the rules reported.
  std::vector<std::string> run(std::function<void()> body) {
    sc_core::sc_spawn(std::move(body));
    sc_core::sc_start();
    return violations;
  }
};

::testing::AssertionResult reports(const std::vector<std::string>& v, const std::string& rule) {
  for (const auto& s : v)
    if (s.find("rule " + rule + " ") != std::string::npos) return ::testing::AssertionSuccess();
  std::string all;
  for (const auto& s : v) all += "\n  " + s;
  return ::testing::AssertionFailure() << "expected rule " << rule << ", got:" << (all.empty() ? " nothing" : all);
}

}  // namespace

TEST(ProtocolChecker, CorrectFourPhaseAndBlockingExchangesPass) {
  Bench b("b");
  b.tgt.on_nb = [&](tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_time&) {
    if (ph == tlm::BEGIN_REQ) {
      p.acquire();
      sc_core::sc_spawn([&b, &p] {
        sc_core::wait(5, SC_NS);
        b.tgt.bw(p, tlm::END_REQ);
        sc_core::wait(5, SC_NS);
        p.set_response_status(tlm::TLM_OK_RESPONSE);
        b.tgt.bw(p, tlm::BEGIN_RESP);
      });
      return tlm::TLM_ACCEPTED;
    }
    p.release();  // END_RESP
    return tlm::TLM_COMPLETED;
  };
  const auto v = b.run([&] {
    tlm::tlm_generic_payload& p = b.ini.request();
    EXPECT_EQ(b.ini.fw(p, tlm::BEGIN_REQ), tlm::TLM_ACCEPTED);
    sc_core::wait(20, SC_NS);
    EXPECT_EQ(b.ini.fw(p, tlm::END_RESP), tlm::TLM_COMPLETED);
    p.release();
    tlm::tlm_generic_payload& q = b.ini.request();
    sc_time d = SC_ZERO_TIME;
    b.ini.socket->b_transport(q, d);
    q.release();
  });
  EXPECT_TRUE(v.empty()) << v.front();
  EXPECT_EQ(b.chk.transactions(), 2u);
}

// ---- wrong initiators ----

TEST(ProtocolChecker, SecondBeginReqBeforeEndReqBreaksRequestExclusion) {
  Bench b("b");
  const auto v = b.run([&] {
    b.ini.fw(b.ini.request(0), tlm::BEGIN_REQ);
    b.ini.fw(b.ini.request(64), tlm::BEGIN_REQ);
  });
  EXPECT_TRUE(reports(v, "phase.request_exclusion"));
}

TEST(ProtocolChecker, EndRespBeforeBeginRespBreaksPhaseSequence) {
  Bench b("b");
  const auto v = b.run([&] {
    tlm::tlm_generic_payload& p = b.ini.request();
    b.ini.fw(p, tlm::BEGIN_REQ);
    b.ini.fw(p, tlm::END_RESP);
  });
  EXPECT_TRUE(reports(v, "phase.sequence"));
}

TEST(ProtocolChecker, RequestSentWithStatusAlreadySetIsRejected) {
  Bench b("b");
  const auto v = b.run([&] {
    tlm::tlm_generic_payload& p = b.ini.request();
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    sc_time d = SC_ZERO_TIME;
    b.ini.socket->b_transport(p, d);
  });
  EXPECT_TRUE(reports(v, "gp.status_incomplete"));
}

TEST(ProtocolChecker, NonBlockingTransactionWithoutMemoryManagerIsRejected) {
  Bench b("b");
  const auto v = b.run([&] {
    tlm::tlm_generic_payload p;  // on the stack, no memory manager
    unsigned char data[8] = {};
    p.set_command(tlm::TLM_READ_COMMAND);
    p.set_data_ptr(data);
    p.set_data_length(8);
    p.set_streaming_width(8);
    b.ini.fw(p, tlm::BEGIN_REQ);
  });
  EXPECT_TRUE(reports(v, "mm.required"));
}

TEST(ProtocolChecker, NullDataPointerIsRejected) {
  Bench b("b");
  const auto v = b.run([&] {
    tlm::tlm_generic_payload& p = b.ini.request();
    p.set_data_ptr(nullptr);
    sc_time d = SC_ZERO_TIME;
    b.ini.socket->b_transport(p, d);
  });
  EXPECT_TRUE(reports(v, "gp.data"));
}

TEST(ProtocolChecker, BlockingCallWithTransactionInFlightIsRejected) {
  Bench b("b");
  const auto v = b.run([&] {
    tlm::tlm_generic_payload& p = b.ini.request();
    b.ini.fw(p, tlm::BEGIN_REQ);
    sc_time d = SC_ZERO_TIME;
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    b.ini.socket->b_transport(p, d);
  });
  EXPECT_TRUE(reports(v, "phase.mixed"));
}

// ---- wrong targets ----

TEST(ProtocolChecker, BlockingTargetThatLeavesStatusIncompleteIsRejected) {
  Bench b("b");
  b.tgt.on_b = [](tlm::tlm_generic_payload&, sc_time&) {};
  const auto v = b.run([&] {
    sc_time d = SC_ZERO_TIME;
    b.ini.socket->b_transport(b.ini.request(), d);
  });
  EXPECT_TRUE(reports(v, "gp.status_set"));
}

TEST(ProtocolChecker, TargetThatRewritesTheAddressIsRejected) {
  Bench b("b");
  b.tgt.on_b = [](tlm::tlm_generic_payload& p, sc_time&) {
    p.set_address(p.get_address() + 4096);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  };
  const auto v = b.run([&] {
    sc_time d = SC_ZERO_TIME;
    b.ini.socket->b_transport(b.ini.request(), d);
  });
  EXPECT_TRUE(reports(v, "gp.target_modified"));
}

TEST(ProtocolChecker, BeginRespWithoutStatusIsRejected) {
  Bench b("b");
  b.tgt.on_nb = [](tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_time&) {
    if (ph == tlm::BEGIN_REQ) {
      ph = tlm::BEGIN_RESP;  // status still TLM_INCOMPLETE_RESPONSE
      return tlm::TLM_UPDATED;
    }
    return tlm::TLM_COMPLETED;
  };
  const auto v = b.run([&] { b.ini.fw(b.ini.request(), tlm::BEGIN_REQ); });
  EXPECT_TRUE(reports(v, "gp.status_set"));
}

TEST(ProtocolChecker, OverlappingResponsesBreakResponseExclusion) {
  Bench b("b");
  std::vector<tlm::tlm_generic_payload*> got;
  b.tgt.on_nb = [&](tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_time&) {
    got.push_back(&p);
    ph = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  };
  const auto v = b.run([&] {
    b.ini.fw(b.ini.request(0), tlm::BEGIN_REQ);
    b.ini.fw(b.ini.request(64), tlm::BEGIN_REQ);
    for (auto* p : got) {
      p->set_response_status(tlm::TLM_OK_RESPONSE);
      b.tgt.bw(*p, tlm::BEGIN_RESP);  // the initiator answers TLM_ACCEPTED: END_RESP still owed
    }
  });
  EXPECT_TRUE(reports(v, "phase.response_exclusion"));
}

TEST(ProtocolChecker, TargetTouchingACompletedTransactionIsRejected) {
  Bench b("b");
  tlm::tlm_generic_payload* kept = nullptr;
  b.tgt.on_nb = [&](tlm::tlm_generic_payload& p, tlm::tlm_phase&, sc_time&) {
    kept = &p;
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    return tlm::TLM_COMPLETED;
  };
  const auto v = b.run([&] {
    b.ini.fw(b.ini.request(), tlm::BEGIN_REQ);
    b.tgt.bw(*kept, tlm::BEGIN_RESP);
  });
  EXPECT_TRUE(reports(v, "phase.after_completion"));
}

TEST(ProtocolChecker, EndReqAfterBeginRespBreaksPhaseSequence) {
  Bench b("b");
  tlm::tlm_generic_payload* kept = nullptr;
  b.tgt.on_nb = [&](tlm::tlm_generic_payload& p, tlm::tlm_phase&, sc_time&) {
    kept = &p;
    return tlm::TLM_ACCEPTED;
  };
  const auto v = b.run([&] {
    b.ini.fw(b.ini.request(), tlm::BEGIN_REQ);
    kept->set_response_status(tlm::TLM_OK_RESPONSE);
    b.tgt.bw(*kept, tlm::BEGIN_RESP);
    b.tgt.bw(*kept, tlm::END_REQ);
  });
  EXPECT_TRUE(reports(v, "phase.sequence"));
}

TEST(ProtocolChecker, DebugTransportReturningTooManyBytesOrWaitingIsRejected) {
  Bench b("b");
  b.tgt.on_dbg = [](tlm::tlm_generic_payload& p) { return p.get_data_length() + 1; };
  const auto v = b.run([&] { b.ini.socket->transport_dbg(b.ini.request()); });
  EXPECT_TRUE(reports(v, "debug.length"));
}

TEST(ProtocolChecker, DmiGrantThatDoesNotCoverTheAddressIsRejected) {
  Bench b("b");
  static unsigned char mem[256];
  b.tgt.on_dmi = [](tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {
    d.set_dmi_ptr(mem);
    d.set_start_address(1024);
    d.set_end_address(1279);
    d.allow_read_write();
    return true;
  };
  const auto v = b.run([&] {
    tlm::tlm_dmi d;
    b.ini.socket->get_direct_mem_ptr(b.ini.request(0), d);
  });
  EXPECT_TRUE(reports(v, "dmi.grant"));
}
