// "Where the time went", typed: the mechanisms a kernel's or a token's time is attributed to,
// and whether a breakdown's parts partition the span (they add up to it) or overlap (each is
// the busy time of one mechanism running beside the others). Only a partition can be summed:
// TimeBreakdown::sum() refuses overlapping parts, so no report can add them by accident.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "common/base/units.h"

namespace decodesim {

/// A mechanism time is attributed to. Its name (time_part_name) is a stable report column.
enum class TimePart : std::uint8_t {
  // Main-memory streaming at peak bandwidth (TPU and GPU HBM).
  HbmStream,
  // TPU tile (busy times, overlapping).
  MxuBusy,
  MxuWeightLoad,
  MxuStream,
  DmaWait,
  Vector,
  // GPU exclusive-time partition.
  Refresh,
  LowMlp,
  Tail,
  Compute,
  Launch,
  // Links, every family.
  Link,
  // LPU kernel (busy times, overlapping).
  SramStream,
  WeightStream,
  MxmBusy,
  MxmWeightInstall,
  MxmStream,
  Vxm,
  Sxm,
  Mem,
  StreamTransit,
  // LPU token critical path (a partition of the path).
  Mxm,
  C2c,
  PipelineFill,
  // WSE: activations crossing the on-wafer PE mesh (broadcasts, reductions, region hand-offs).
  Fabric,
};

/// The report name: "hbm_stream", "mxu_weight_load", ...
const char* time_part_name(TimePart p);

/// How a breakdown's parts relate to the span they describe.
enum class PartsRelation : std::uint8_t {
  Partition,    ///< disjoint; they add up to the span (or to its exclusive time)
  Overlapping,  ///< busy times of mechanisms that run concurrently; their sum means nothing
};

class TimeBreakdown {
 public:
  using Item = std::pair<TimePart, Picos>;

  TimeBreakdown() = default;  ///< no parts (overlapping: nothing to add)
  TimeBreakdown(PartsRelation relation, std::initializer_list<Item> parts)
      : m_relation(relation), m_parts(parts) {}

  PartsRelation relation() const { return m_relation; }
  bool partitions() const { return m_relation == PartsRelation::Partition; }
  bool empty() const { return m_parts.empty(); }
  /// The part's time; 0 when the breakdown does not have it.
  Picos operator[](TimePart p) const;
  /// The parts, in the order they were given (the report order).
  std::vector<Item>::const_iterator begin() const { return m_parts.begin(); }
  std::vector<Item>::const_iterator end() const { return m_parts.end(); }
  /// Adds `o` part by part (the same mechanisms over more work). Both must relate the same way.
  void accumulate(const TimeBreakdown& o);
  /// The span the parts partition. Throws std::logic_error for overlapping parts.
  Picos sum() const;

 private:
  PartsRelation m_relation = PartsRelation::Overlapping;
  std::vector<Item> m_parts;
};

}  // namespace decodesim
