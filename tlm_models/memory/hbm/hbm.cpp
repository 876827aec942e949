#include "memory/hbm/hbm.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "common/base/sc_time_conv.h"
#include "memory/tlm/stall_extension.h"

namespace decodesim::memory {

namespace {
unsigned log2_exact(Bytes v) {
  unsigned s = 0;
  while ((Bytes{1} << s) < v) ++s;
  return s;
}
}  // namespace

Hbm::Hbm(sc_core::sc_module_name name, const HbmConfig& cfg)
    : MemoryTarget(name),
      target("target"),
      m_cfg(cfg),
      m_pcs(cfg.pseudo_channel_count()),
      m_banks(cfg.banks_per_pc()),
      m_groups(cfg.bank_groups),
      m_capacity(cfg.capacity_bytes()),
      m_interleave(cfg.interleave_bytes),
      m_row(cfg.row_bytes),
      m_burst_bytes(cfg.burst_bytes()),
      m_interleave_shift(log2_exact(cfg.interleave_bytes)),
      m_row_shift(log2_exact(cfg.row_bytes)),
      m_bank_shift(cfg.bank_hash == BankHash::Xor ? log2_exact(cfg.banks_per_pc()) : 0),  // 0 for one bank too
      m_div_pcs(m_pcs),
      m_div_banks(m_banks),
      m_div_groups(m_groups),
      m_div_burst(m_burst_bytes),
      m_div_cols(m_row >> m_interleave_shift),
      m_peq(this, &Hbm::peq_cb),
      m_at_capacity(static_cast<std::size_t>(cfg.pseudo_channel_count()) * cfg.queue_depth),
      m_stats(basename()) {
  const Picos burst = cfg.burst_picos();
  m_t.rcd = ns_to_picos(cfg.tRCD_ns);
  m_t.rp = ns_to_picos(cfg.tRP_ns);
  m_t.ras = ns_to_picos(cfg.tRAS_ns);
  m_t.cl = ns_to_picos(cfg.tCL_ns);
  m_t.wl = ns_to_picos(cfg.tWL_ns);
  m_t.wr = ns_to_picos(cfg.tWR_ns);
  m_t.rtp = ns_to_picos(cfg.tRTP_ns);
  m_t.burst = burst;
  m_t.slot_s = std::max(ns_to_picos(cfg.tCCD_S_ns), burst);
  m_t.slot_l = std::max(ns_to_picos(cfg.tCCD_L_ns), burst);
  m_t.rrd_s = ns_to_picos(cfg.tRRD_S_ns);
  m_t.rrd_l = ns_to_picos(cfg.tRRD_L_ns);
  m_t.faw = ns_to_picos(cfg.tFAW_ns);
  m_t.act_s = std::max(m_t.rrd_s, (m_t.faw + 3) / 4);
  m_t.rfc = ns_to_picos(cfg.tRFC_ns);
  m_t.rfcpb = ns_to_picos(cfg.tRFCpb_ns);
  m_t.refi = ns_to_picos(cfg.tREFI_ns);
  m_t.ctrl = ns_to_picos(cfg.controller_latency_ns);

  m_pc.resize(m_pcs);
  m_bank.resize(static_cast<std::size_t>(m_pcs) * m_banks);
  m_bg_free.assign(static_cast<std::size_t>(m_pcs) * m_groups, 0);
  m_bg_act.assign(static_cast<std::size_t>(m_pcs) * m_groups, 0);
  m_queue.assign(static_cast<std::size_t>(m_pcs) * cfg.queue_depth, 0);
  // All pseudo-channels refresh at the same instants, as a controller that refreshes the whole
  // device together; per-bank refreshes are staggered evenly over tREFI.
  for (auto& pc : m_pc) pc.next_ref = m_t.refi;
  for (std::size_t i = 0; i < m_bank.size(); ++i)
    m_bank[i].next_ref = m_t.refi * (i % m_banks + 1) / m_banks;

  target.register_b_transport(this, &Hbm::b_transport);
  target.register_nb_transport_fw(this, &Hbm::nb_transport_fw);
}

Picos Hbm::serve(tlm::tlm_generic_payload& p, Picos arrival) {
  if (p.get_byte_enable_ptr() != nullptr) {
    p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return arrival;
  }
  const Bytes addr = p.get_address(), len = p.get_data_length();
  if (addr >= m_capacity || len > m_capacity - addr) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return arrival;
  }
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  if (p.get_command() == tlm::TLM_IGNORE_COMMAND) return arrival;
  const Picos stall_before = m_refresh_stall;
  const Picos done = access(addr, len, p.get_command() == tlm::TLM_WRITE_COMMAND, arrival);
  if (auto* ext = p.get_extension<StallExtension>()) {
    ext->refresh_stall = m_refresh_stall - stall_before;
    ext->refresh_units = m_cfg.refresh == RefreshMode::PerBank ? m_pcs * m_banks : m_pcs;
  }
  return done;
}

void Hbm::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const Picos now = to_picos(sc_core::sc_time_stamp());
  const Picos done = serve(p, now + to_picos(delay));
  if (!p.is_response_error()) delay = to_sc_time(done - now);
}

tlm::tlm_sync_enum Hbm::nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    p.acquire();
    m_peq.notify(p, phase, delay);  // arrives at its annotated time
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::END_RESP) {
    m_at_resp_busy = nullptr;
    p.release();
    send_responses();
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(name(), "nb_transport_fw: only BEGIN_REQ and END_RESP come from an initiator");
  return tlm::TLM_COMPLETED;
}

void Hbm::peq_cb(tlm::tlm_generic_payload& p, const tlm::tlm_phase& phase) {
  if (phase == tlm::BEGIN_REQ) {
    // Back-pressure: the controller front end holds pseudo-channels × queue_depth requests.
    if (m_at_in_flight < m_at_capacity) accept(p);
    else m_at_held.push_back(&p);
  } else {  // BEGIN_RESP, queued by accept() for the completion time
    m_at_responses.push_back(&p);
    send_responses();
  }
}

void Hbm::accept(tlm::tlm_generic_payload& p) {
  ++m_at_in_flight;
  tlm::tlm_phase end_req = tlm::END_REQ;
  sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
  target->nb_transport_bw(p, end_req, zero);
  const Picos now = to_picos(sc_core::sc_time_stamp());
  m_peq.notify(p, tlm::BEGIN_RESP, to_sc_time(serve(p, now) - now));
}

void Hbm::send_responses() {
  while (!m_at_resp_busy && !m_at_responses.empty()) {
    tlm::tlm_generic_payload& p = *m_at_responses.front();
    m_at_responses.pop_front();
    --m_at_in_flight;
    if (!m_at_held.empty()) {
      tlm::tlm_generic_payload* next = m_at_held.front();
      m_at_held.pop_front();
      accept(*next);
    }
    tlm::tlm_phase ph = tlm::BEGIN_RESP;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    m_at_resp_busy = &p;
    const tlm::tlm_sync_enum r = target->nb_transport_bw(p, ph, zero);
    if (r == tlm::TLM_COMPLETED || (r == tlm::TLM_UPDATED && ph == tlm::END_RESP)) {
      m_at_resp_busy = nullptr;
      p.release();
    }
  }
}

Picos Hbm::access(Bytes addr, Bytes len, bool write, Picos arrival) {
  if (addr >= m_capacity || len > m_capacity - addr)
    throw std::out_of_range(std::string(name()) + ": access [" + std::to_string(addr) + ", +" + std::to_string(len) +
                            ") is past capacity " + std::to_string(m_capacity));
  if (len == 0) return arrival;
  const Picos ready = arrival + m_t.ctrl;
  Picos done = ready;
  const Bytes first = addr >> m_interleave_shift, last = (addr + len - 1) >> m_interleave_shift;
  const Bytes end = addr + len;
  if (last - first < m_pcs) {
    // At most one block per pseudo-channel: walk the blocks.
    for (Bytes blk = first; blk <= last; ++blk) {
      const Bytes s = std::max(addr, blk << m_interleave_shift);
      const Bytes e = std::min(end, (blk + 1) << m_interleave_shift);
      const Bytes local = (m_div_pcs.div(blk) << m_interleave_shift) + (s & (m_interleave - 1));
      done = std::max(done, serve_piece(static_cast<std::uint32_t>(m_div_pcs.mod(blk)), local, e - s, write, ready));
    }
  } else {
    // Every pseudo-channel gets one contiguous local range: blocks pc, pc + P, ... map to
    // consecutive local blocks.
    const Bytes first_pc = m_div_pcs.mod(first), last_pc = m_div_pcs.mod(last);
    for (std::uint32_t pc = 0; pc < m_pcs; ++pc) {
      const Bytes b0 = first + m_div_pcs.mod(pc + m_pcs - first_pc);
      const Bytes b1 = last - m_div_pcs.mod(last_pc + m_pcs - pc);
      const Bytes ls = (m_div_pcs.div(b0) << m_interleave_shift) + (b0 == first ? (addr & (m_interleave - 1)) : 0);
      const Bytes le = (m_div_pcs.div(b1) << m_interleave_shift) + (b1 == last ? ((end - 1) & (m_interleave - 1)) + 1 : m_interleave);
      done = std::max(done, serve_piece(pc, ls, le - ls, write, ready));
    }
  }
  (write ? m_bytes_written : m_bytes_read) += len;
  ++m_requests;
  m_latency_sum += done - arrival;
  m_first_arrival = std::min(m_first_arrival, arrival);
  m_last_done = std::max(m_last_done, done);
  if (m_trace) trace_sample(done, len);
  return done;
}

Picos Hbm::serve_piece(std::uint32_t pc, Bytes local, Bytes len, bool write, Picos ready) {
  Picos done = ready;
  const Bytes end = local + len;
  if (m_cfg.address_mapping == AddressMapping::RowBankColumnPc) {
    // local = row | bank | column: a (bank, row) segment is an aligned row_bytes slice.
    for (Bytes s = local; s < end;) {
      const Bytes slot = s >> m_row_shift;
      const Bytes e = std::min(end, (slot + 1) << m_row_shift);
      const Bytes bursts = m_div_burst.div(e + m_burst_bytes - 1) - m_div_burst.div(s);
      const Bytes row = m_div_banks.div(slot);
      done = std::max(done, serve_segment(pc, bank_of(slot - row * m_banks, row), row, bursts, write, ready));
      s = e;
    }
  } else {
    // local = row | column-high | bank | column-low: each interleave block is its own bank.
    for (Bytes s = local; s < end;) {
      const Bytes blk = s >> m_interleave_shift;
      const Bytes e = std::min(end, (blk + 1) << m_interleave_shift);
      const Bytes bursts = m_div_burst.div(e + m_burst_bytes - 1) - m_div_burst.div(s);
      const Bytes bank_row = m_div_banks.div(blk);
      const Bytes row = m_div_cols.div(bank_row);
      done = std::max(done, serve_segment(pc, bank_of(blk - bank_row * m_banks, row), row, bursts, write, ready));
      s = e;
    }
  }
  return done;
}

// One run of `bursts` column commands to (bank, row) on one pseudo-channel, in closed form.
// The data bus and each bank group are separate timelines: the run needs `bursts` bus slots
// (slot_s each) and `bursts` slots of its bank group (slot_l each), and its last command issues
// when both are done. Runs in different bank groups therefore interleave on the bus, as an
// FR-FCFS controller with a deep enough queue does.
Picos Hbm::serve_segment(std::uint32_t pci, std::uint32_t bank, std::uint64_t row, std::uint64_t bursts, bool write,
                         Picos ready) {
  PseudoChannel& pc = m_pc[pci];
  // A run enters the controller queue when one of its queue_depth entries frees up: that bounds
  // how far the scheduler can look ahead (and so how much reordering the fluid timelines assume).
  Picos& slot = m_queue[static_cast<std::size_t>(pci) * m_cfg.queue_depth + pc.queue_head];
  ready = std::max(ready, slot);
  if (m_cfg.refresh == RefreshMode::AllBank)
    while (std::max(pc.bus_free, ready) >= pc.next_ref) refresh_pc(pci, ready);
  Bank& b = m_bank[static_cast<std::size_t>(pci) * m_banks + bank];
  if (m_cfg.refresh == RefreshMode::PerBank)
    while (std::max(ready, b.pre_ok) >= b.next_ref) refresh_bank(b, ready);

  const std::uint32_t g = static_cast<std::uint32_t>(m_div_groups.mod(bank));
  Picos col_ready = ready;
  if (b.open_row == row) {
    ++m_row_hits;
  } else {
    ++m_row_misses;
    ++m_activates;
    Picos act;
    if (b.open_row != kClosed) {
      ++m_row_conflicts;
      act = std::max({ready, b.act + m_t.ras, b.pre_ok}) + m_t.rp;
    } else {
      act = std::max(ready, b.act_ok);
    }
    // ACT-rate limits as work-conserving timelines booked from arrival, like the bus: the
    // pseudo-channel issues at most one ACT per max(tRRD_S, tFAW/4), a bank group one per tRRD_L.
    // An ACT held back by its own bank (conflict, refresh) does not block later ACTs to other banks.
    Picos& bg_act = m_bg_act[static_cast<std::size_t>(pci) * m_groups + g];
    pc.act_free = std::max(pc.act_free, ready) + m_t.act_s;
    bg_act = std::max(bg_act, ready) + m_t.rrd_l;
    act = std::max({act, pc.act_free - m_t.act_s, bg_act - m_t.rrd_l});
    b.open_row = row;
    b.act = act;
    col_ready = act + m_t.rcd;
  }

  Picos& bg_free = m_bg_free[static_cast<std::size_t>(pci) * m_groups + g];
  // The bus is work-conserving over the controller queue: it books this run's slots from the
  // request's arrival, not from when its row or bank group is ready, because a deep FR-FCFS queue
  // fills those gaps with other runs. The run itself still cannot finish before its own row and
  // bank group allow (c_first + (n-1) slot_l).
  const Picos c_first = std::max(col_ready, bg_free);
  pc.bus_free = std::max(pc.bus_free, ready) + bursts * m_t.slot_s;
  const Picos c_last = std::max(c_first + (bursts - 1) * m_t.slot_l, pc.bus_free - m_t.slot_s);
  bg_free = c_last + m_t.slot_l;
  pc.busy += bursts * m_t.burst;
  m_bursts += bursts;

  const Picos done = c_last + (write ? m_t.wl : m_t.cl) + m_t.burst;
  slot = c_last;
  if (++pc.queue_head == m_cfg.queue_depth) pc.queue_head = 0;
  b.pre_ok = std::max(b.pre_ok, write ? done + m_t.wr : c_last + m_t.rtp);
  if (m_cfg.page_policy == PagePolicy::Closed) {
    b.act_ok = std::max(b.act + m_t.ras, b.pre_ok) + m_t.rp;
    b.open_row = kClosed;
  }
  return done;
}

// All-bank refresh of one pseudo-channel: precharge all, then tRFC. It starts once the work
// already booked is done (refresh postponed behind it, as JEDEC allows) and closes every row.
void Hbm::refresh_pc(std::uint32_t pci, Picos ready) {
  PseudoChannel& pc = m_pc[pci];
  Bank* banks = &m_bank[static_cast<std::size_t>(pci) * m_banks];
  const Picos due = pc.next_ref;
  const Picos bus_before = pc.bus_free;
  Picos start = std::max(due, pc.bus_free);
  Picos pre = start;
  bool any_open = false;
  for (std::uint32_t i = 0; i < m_banks; ++i) {
    if (banks[i].open_row != kClosed) {
      any_open = true;
      pre = std::max({pre, banks[i].pre_ok, banks[i].act + m_t.ras});
    } else {
      start = std::max(start, banks[i].act_ok);
    }
  }
  const Picos ref_end = std::max(start, any_open ? pre + m_t.rp : start) + m_t.rfc;
  const Picos waiting_since = std::max({due, bus_before, ready});
  if (ref_end > waiting_since) m_refresh_stall += ref_end - waiting_since;
  ++m_refreshes;
  pc.next_ref += m_t.refi;
  Picos last_end = ref_end;
  // Refreshes that fall wholly inside an idle gap before `ready` cost nothing: skip them in one step.
  if (ready >= pc.next_ref + m_t.rfc && ref_end <= pc.next_ref) {
    const Picos k = (ready - m_t.rfc - pc.next_ref) / m_t.refi + 1;
    last_end = pc.next_ref + (k - 1) * m_t.refi + m_t.rfc;
    pc.next_ref += k * m_t.refi;
    m_refreshes += k;
  }
  for (std::uint32_t i = 0; i < m_banks; ++i) {
    banks[i].open_row = kClosed;
    banks[i].act_ok = last_end;
  }
  pc.bus_free = std::max(pc.bus_free, last_end);
}

void Hbm::refresh_bank(Bank& b, Picos ready) {
  const Picos due = b.next_ref;
  const Picos start = b.open_row != kClosed ? std::max({due, b.pre_ok, b.act + m_t.ras}) + m_t.rp
                                            : std::max(due, b.act_ok);
  const Picos ref_end = start + m_t.rfcpb;
  const Picos act_ready = b.open_row != kClosed ? std::max({ready, b.pre_ok, b.act + m_t.ras}) + m_t.rp
                                                : std::max(ready, b.act_ok);
  const Picos waiting_since = std::max(due, act_ready);
  if (ref_end > waiting_since) m_refresh_stall += ref_end - waiting_since;
  ++m_refreshes;
  b.next_ref += m_t.refi;
  Picos last_end = ref_end;
  if (ready >= b.next_ref + m_t.rfcpb && ref_end <= b.next_ref) {
    const Picos k = (ready - m_t.rfcpb - b.next_ref) / m_t.refi + 1;
    last_end = b.next_ref + (k - 1) * m_t.refi + m_t.rfcpb;
    b.next_ref += k * m_t.refi;
    m_refreshes += k;
  }
  b.open_row = kClosed;
  b.act_ok = last_end;
}

double Hbm::row_miss_rate() const {
  const std::uint64_t n = m_row_hits + m_row_misses;
  return n ? static_cast<double>(m_row_misses) / static_cast<double>(n) : 0.0;
}

double Hbm::mean_latency_ns() const {
  return m_requests ? static_cast<double>(m_latency_sum) / static_cast<double>(m_requests) / 1000.0 : 0.0;
}

const StatGroup& Hbm::stats() const {
  StatGroup& s = m_stats;
  const double elapsed = m_last_done > m_first_arrival && m_requests ? double(m_last_done - m_first_arrival) : 0.0;
  s.set("bytes_read", double(m_bytes_read), "B", "bytes delivered to readers");
  s.set("bytes_written", double(m_bytes_written), "B", "bytes accepted from writers");
  s.set("requests", double(m_requests), "count", "requests served (one per b_transport/access call)");
  s.set("bursts", double(m_bursts), "count", "column commands issued");
  s.set("activates", double(m_activates), "count", "row activations");
  s.set("row_hits", double(m_row_hits), "count", "row accesses that found their row open");
  s.set("row_misses", double(m_row_misses), "count", "row accesses that needed an ACT");
  s.set("row_conflicts", double(m_row_conflicts), "count", "row misses that first had to close another row");
  s.set("row_miss_rate", row_miss_rate(), "ratio", "row_misses / (row_hits + row_misses)");
  // Per column command, which is how row-buffer locality is usually quoted: a stream that
  // opens each 1 KiB row once has a row-miss rate of 1 per row access but ~97% here.
  s.set("column_row_hit_rate", m_bursts ? 1.0 - double(m_activates) / double(m_bursts) : 0.0, "ratio",
        "column commands that found their row already open: 1 - activates / bursts");
  s.set("refreshes", double(m_refreshes), "count", "refresh commands (all-bank per PC, or per bank)");
  // all_bank: a refreshing pseudo-channel is idle, so the stall is pseudo-channel time lost.
  // per_bank: only the refreshing bank waits; other banks may keep the bus busy meanwhile.
  const double units = m_cfg.refresh == RefreshMode::PerBank ? double(m_pcs) * m_banks : double(m_pcs);
  s.set("refresh_stall", double(m_refresh_stall), "ps",
        "time pending requests waited on refresh, summed over pseudo-channels (all_bank) or banks (per_bank)");
  s.set("refresh_stall_share", elapsed > 0 ? double(m_refresh_stall) / (elapsed * units) : 0.0, "ratio",
        "refresh_stall / (pseudo-channels or banks × active time)");
  s.set("mean_latency", mean_latency_ns(), "ns", "mean request latency, arrival to completion");
  s.set("active_time", elapsed, "ps", "first arrival to last completion");
  s.set("achieved_bytes_per_s", elapsed > 0 ? double(m_bytes_read + m_bytes_written) / (elapsed * 1e-12) : 0.0,
        "B/s", "bytes / active_time");
  s.set("peak_bytes_per_s", m_cfg.peak_bytes_per_s(), "B/s", "stacks × channels × width × data rate");
  for (std::uint32_t i = 0; i < m_pcs; ++i)
    s.group("pc" + std::to_string(i)).set("busy", double(m_pc[i].busy), "ps", "data-bus occupancy");
  return s;
}

void Hbm::set_trace(TraceWriter* trace, int chip, Picos window) {
  m_trace = trace;
  m_chip = chip;
  m_trace_window = std::max<Picos>(window, 1);
}

void Hbm::trace_sample(Picos done, Bytes bytes) {
  if (!m_trace->enabled()) return;
  const Picos bin = done / m_trace_window;
  if (bin > m_trace_bin) {
    Picos busy = 0;
    for (const auto& pc : m_pc) busy += pc.busy;
    const double seconds = double(m_trace_window) * 1e-12;
    m_trace->counter(m_chip, std::string(name()) + ".GBps", m_trace_bin * m_trace_window,
                     double(m_trace_bytes) / seconds / 1e9);
    m_trace->counter(m_chip, std::string(name()) + ".busy_pcs", m_trace_bin * m_trace_window,
                     double(busy - m_trace_busy) / double(m_trace_window));
    m_trace_busy = busy;
    m_trace_bytes = 0;
    m_trace_bin = bin;
  }
  m_trace_bytes += bytes;
}

}  // namespace decodesim::memory
