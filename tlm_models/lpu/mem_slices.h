// The LPU chip's MEM slices (its only memory) as a TLM-2.0 target, and the one timing rule that
// the compiler and the module share (MemTiming).
//
// A MEM instruction streams `bytes` between the slices and the stream registers: the vectors
// cross a hemisphere (hemisphere_transit_cycles) and flow at stream_bytes_per_cycle(), whichever
// of slices and streams is narrower. There is no arbitration: the compiler has placed every
// stream, so the module serves each request on arrival and returns when its last byte has been
// delivered (LT: b_transport's annotation; AT: TLM_COMPLETED on BEGIN_REQ with the annotation).
// A request past capacity gets TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "common/base/stats.h"
#include "common/base/units.h"
#include "lpu/lpu_config.h"
#include "memory/tlm/memory_target.h"

namespace decodesim::lpu {

struct MemTiming {
  explicit MemTiming(const LpuConfig& cfg)
      : clock(cfg.clock_ghz), transit(clock.to_picos(cfg.hemisphere_transit_cycles())),
        bytes_per_cycle(cfg.stream_bytes_per_cycle()) {}
  /// `bytes` flowing onto (or off) the streams, one stream width per cycle.
  Picos stream(Bytes bytes) const { return clock.to_picos(ceil_div<std::uint64_t>(bytes, bytes_per_cycle)); }
  /// From the request to the last byte delivered across the hemisphere.
  Picos deliver(Bytes bytes) const { return transit + stream(bytes); }

  ClockDomain clock;
  Picos transit = 0;
  std::uint64_t bytes_per_cycle = 1;
};

class MemSlices : public memory::MemoryTarget {
 public:
  tlm_utils::simple_target_socket<MemSlices> socket;

  MemSlices(sc_core::sc_module_name name, const LpuConfig& cfg);

  tlm::tlm_target_socket<>& target_socket() override { return socket; }
  double peak_bytes_per_s() const override { return m_peak; }
  Bytes boundary_bytes() const override { return 0; }
  Bytes bytes_served() const override { return m_read + m_written; }
  const StatGroup& stats() const override;

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay);

  MemTiming m_timing;
  Bytes m_capacity;
  double m_peak;
  Bytes m_read = 0, m_written = 0;
  mutable StatGroup m_stats;
};

}  // namespace decodesim::lpu
