// HBM device + controller as timelines: a TLM-2.0 target that serves a whole request (a DMA
// chunk) in closed form, through b_transport (LT) or the 4-phase nb_transport (AT). See
// README.md in this folder for the timing model and the AT phases.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <vector>

#include "common/base/divisor.h"
#include "common/base/stats.h"
#include "common/base/trace.h"
#include "common/base/units.h"
#include "memory/hbm/hbm_config.h"
#include "memory/tlm/memory_target.h"
#include "memory/tlm/timed_peq.h"

namespace decodesim::memory {

class Hbm : public MemoryTarget {
 public:
  /// Any TLM-2.0 initiator may bind here. b_transport takes arrival = sc_time_stamp() + delay and
  /// returns with delay set so that sc_time_stamp() + delay is the completion time.
  /// nb_transport_fw: BEGIN_REQ is accepted (END_REQ) while fewer than pseudo-channels ×
  /// queue_depth requests are in flight, otherwise END_REQ waits for a response to leave;
  /// BEGIN_RESP is sent at the completion time, one response at a time. Timing only: data is not
  /// stored, byte enables are refused, addresses past capacity get an address error. A
  /// StallExtension on the payload receives the refresh stall the request caused.
  tlm_utils::simple_target_socket<Hbm> target;

  Hbm(sc_core::sc_module_name name, const HbmConfig& cfg);

  /// Serves [addr, addr + len) arriving at `arrival` (ps). Returns when the last byte is delivered
  /// (read) or written into the array (write). Requests are served in call order: one that arrives
  /// earlier than work already booked waits behind it (see README.md, "Out-of-order arrivals").
  /// Throws std::out_of_range past capacity.
  Picos access(Bytes addr, Bytes len, bool write, Picos arrival);

  // MemoryInfoIf: the capability and stats provider initiators see.
  double peak_bytes_per_s() const override { return m_cfg.peak_bytes_per_s(); }
  /// The closed form splits a request over pseudo-channels itself, so any span is fine.
  Bytes boundary_bytes() const override { return 0; }
  Bytes bytes_served() const override { return m_bytes_read + m_bytes_written; }
  tlm::tlm_target_socket<>& target_socket() override { return target; }

  const HbmConfig& config() const { return m_cfg; }
  Bytes bytes_read() const { return m_bytes_read; }
  Bytes bytes_written() const { return m_bytes_written; }
  std::uint64_t requests() const { return m_requests; }
  std::uint64_t activates() const { return m_activates; }
  /// Row accesses that needed an ACT / all row accesses. A row access is one run of bursts to one
  /// (bank, row) within one request: the unit a controller queue entry holds.
  double row_miss_rate() const;
  Picos refresh_stall() const { return m_refresh_stall; }
  double mean_latency_ns() const;
  /// Completion time of the latest request served so far.
  Picos last_completion() const { return m_last_done; }

  /// The stats tree (named like the module): bytes, requests, activates, row hits/misses/conflicts,
  /// refreshes, refresh stall, latency, and per-pseudo-channel busy time in child groups pcN.
  const StatGroup& stats() const override;

  /// Adds HBM bandwidth and busy-pseudo-channel counters to `trace`, one sample per `window` of simulated time.
  void set_trace(TraceWriter* trace, int chip, Picos window);
  void set_trace(TraceWriter* trace, int chip) override { set_trace(trace, chip, 1000 * kPicosPerNs); }

 private:
  static constexpr std::uint64_t kClosed = ~std::uint64_t{0};

  struct Timing {
    Picos rcd, rp, ras, cl, wl, wr, rtp, slot_s, slot_l, burst, rrd_s, rrd_l, faw, act_s, rfc, rfcpb, refi, ctrl;
  };
  struct Bank {
    std::uint64_t open_row = kClosed;
    Picos act = 0;       ///< time of the last ACT
    Picos pre_ok = 0;    ///< earliest PRE allowed by column commands (tRTP / tWR)
    Picos act_ok = 0;    ///< earliest ACT while closed (precharge or refresh done)
    Picos next_ref = 0;  ///< per_bank refresh due time
  };
  struct PseudoChannel {
    Picos bus_free = 0;   ///< column-command slots booked up to here (fluid: see README.md)
    Picos act_free = 0;   ///< ACT slots booked up to here (one per max(tRRD_S, tFAW/4))
    std::uint32_t queue_head = 0;
    Picos next_ref = 0;   ///< all_bank refresh due time
    Picos busy = 0;       ///< data-bus occupancy
  };

  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void peq_cb(tlm::tlm_generic_payload& p, const tlm::tlm_phase& phase);
  /// Checks and serves `p` arriving at `arrival`: sets its response status and StallExtension.
  /// Returns the completion time (the arrival when the request is refused).
  Picos serve(tlm::tlm_generic_payload& p, Picos arrival);
  void accept(tlm::tlm_generic_payload& p);
  void send_responses();
  Picos serve_piece(std::uint32_t pc, Bytes local, Bytes len, bool write, Picos ready);
  /// The bank a row run uses: the address's bank field, hashed with the row (bank_hash). Every
  /// row bit takes part (the XOR of its bank-width chunks), so strides of any power of two above
  /// the bank stripe still spread over the banks; per row it is a permutation, so the mapping
  /// stays one-to-one. Inline and memoised: it runs once per row run, the model's hottest path.
  std::uint32_t bank_of(Bytes field, Bytes row) {
    if (m_bank_shift == 0) return static_cast<std::uint32_t>(field);
    if (row != m_hashed_row) {  // streams revisit one row for a whole row stripe
      Bytes h = 0;
      for (Bytes r = row; r; r >>= m_bank_shift) h ^= r;
      m_hashed_row = row;
      m_row_hash = h;
    }
    return static_cast<std::uint32_t>((field ^ m_row_hash) & (m_banks - 1));
  }
  Picos serve_segment(std::uint32_t pc, std::uint32_t bank, std::uint64_t row, std::uint64_t bursts, bool write,
                      Picos ready);
  void refresh_pc(std::uint32_t pc, Picos ready);
  void refresh_bank(Bank& b, Picos ready);
  void trace_sample(Picos done, Bytes bytes);

  HbmConfig m_cfg;
  Timing m_t{};
  std::uint32_t m_pcs, m_banks, m_groups;
  Bytes m_capacity, m_interleave, m_row, m_burst_bytes;
  unsigned m_interleave_shift, m_row_shift;
  /// log2(banks per PC) when bank_hash is xor and there is more than one bank; 0: no hash (one
  /// bank leaves nothing to permute, and a zero-width fold would never end)
  unsigned m_bank_shift;
  Bytes m_hashed_row = ~Bytes{0}, m_row_hash = 0;  ///< bank_of's last row and its fold
  Divisor m_div_pcs, m_div_banks, m_div_groups, m_div_burst, m_div_cols;  ///< the per-request divides

  std::vector<PseudoChannel> m_pc;
  std::vector<Bank> m_bank;       ///< pc * banks + bank
  std::vector<Picos> m_bg_free;   ///< pc * groups + group: next column command slot in that bank group
  std::vector<Picos> m_bg_act;    ///< pc * groups + group: ACT slots booked (one per tRRD_L)
  std::vector<Picos> m_queue;     ///< pc * queue_depth + i: when each controller queue entry frees

  Bytes m_bytes_read = 0, m_bytes_written = 0;
  std::uint64_t m_requests = 0, m_bursts = 0, m_activates = 0, m_row_hits = 0, m_row_misses = 0,
                m_row_conflicts = 0, m_refreshes = 0;
  Picos m_refresh_stall = 0, m_latency_sum = 0, m_first_arrival = ~Picos{0}, m_last_done = 0;

  TraceWriter* m_trace = nullptr;
  int m_chip = 0;
  Picos m_trace_window = 0, m_trace_bin = 0;
  Bytes m_trace_bytes = 0;
  Picos m_trace_busy = 0;

  // AT: requests in flight (accepted, response not yet sent), requests whose END_REQ is held
  // back, responses due and not yet sent (response exclusion: one BEGIN_RESP at a time).
  TimedPeq<Hbm> m_peq;
  std::size_t m_at_capacity, m_at_in_flight = 0;
  std::deque<tlm::tlm_generic_payload*> m_at_held, m_at_responses;
  tlm::tlm_generic_payload* m_at_resp_busy = nullptr;

  mutable StatGroup m_stats;
};

}  // namespace decodesim::memory
