// Perfetto / Chrome trace-event JSON. One process per chip, one named track per unit: kernels,
// DMA, MXU/MXM/SM, vector unit, links; HBM bandwidth as counters.
//
// Contract:
//  - No two slices on one drawn track partly overlap (Perfetto cannot draw that). A unit whose
//    work overlaps (a prefetching kernel beside the running one, several outstanding DMA blocks)
//    gets one drawn track per outstanding slot: "dma", "dma #2", ... Slots are assigned when the
//    trace is written, first fit by start time, so a unit gets as many as it ever had in flight.
//  - Every slice carries what the unit did: bytes, FLOPs, shape, bound and layer (when known).
//  - Layer reuse replays layer 1's events (replay()) so a replayed layer shows the same kernel,
//    DMA, matmul and memory-counter activity a simulated one does, marked `replayed` in its args
//    and by a slice on the chip's "replay" track.
// Events are buffered and written once at the end (atomically, by the caller).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/base/units.h"

namespace decodesim {

/// What a slice did; fields left unset (or empty) are not written.
struct SliceArgs {
  int layer = -1;                      ///< decoder layer; -1: outside the layer stack
  std::optional<Bytes> bytes;
  std::optional<std::uint64_t> flops;
  std::optional<std::uint64_t> ops;    ///< vector/element operations
  std::string shape;          ///< e.g. "m=1 k=4096 n=12288"
  std::string bound;          ///< memory, compute, weight_load, latency, overhead, ...
  int replayed_from = -1;     ///< layer whose simulated events this slice repeats (layer reuse)
  std::string phase;          ///< turn phase (prefill, verify, ...); empty for plain decode
};

struct Kernel;
struct KernelRecord;
/// A kernel's slice arguments: measured bytes, FLOPs, element ops, shape, bound and layer.
SliceArgs trace_args(const Kernel& k, const KernelRecord& r);

class TraceWriter {
 public:
  /// Registers a unit's track; returns its id for slice().
  int track(int chip, const std::string& unit_name);
  /// A slice [start, end) on a track.
  void slice(int track, const std::string& name, Picos start, Picos end, SliceArgs args = {});
  /// A counter sample (e.g. bytes in flight, bandwidth) at time t.
  void counter(int chip, const std::string& name, Picos t, double value);
  bool enabled() const { return m_enabled; }
  void enable(bool on) { m_enabled = on; }
  std::size_t size() const { return m_events.size(); }

  /// Position in the event buffer, to delimit what one stretch of simulation emitted.
  std::size_t mark() const { return m_events.size(); }
  /// Layer reuse: appends a copy of `chip`'s events in [from, to) (marks), shifted by `shift`,
  /// except slices on `skip_track` (the caller writes those itself, e.g. per-kernel slices with
  /// their own names). Copied slices get args.layer = `layer`, args.replayed_from = `from_layer`
  /// and `rename` applied to their names; one "layer N (replayed)" slice over [span_start,
  /// span_end) goes on the chip's "replay" track.
  void replay(int chip, std::size_t from, std::size_t to, Picos shift, int layer, int from_layer,
              Picos span_start, Picos span_end, int skip_track,
              const std::function<std::string(const std::string&)>& rename = {});

  std::string to_json() const;

 private:
  struct Track { int chip; std::string name; };
  struct Event {
    char ph;
    int track_or_chip;
    std::string name;
    Picos ts;
    Picos dur;
    double value;
    SliceArgs args;
  };
  bool m_enabled = false;
  std::vector<Track> m_tracks;
  std::vector<Event> m_events;
};

}  // namespace decodesim
