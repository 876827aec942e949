// TLM timing model of the weight-stationary systolic array in rtl/. Cycles come from the
// closed form in README.md ("Cycle formula"); the RTL conformance suite holds this formula
// to the RTL exactly.
#pragma once

#include "matmul/matmul_core.h"

namespace decodesim::matmul {

/// Cycles for `count` back-to-back tiles with the result port always ready (README.md,
/// "Cycle formula"). O(1) in `count`.
Cycles systolic_cycles(const ArrayGeometry& g, const TileShape& s, std::uint64_t count);

/// The same quantity by the plain per-tile recurrence, O(count). The reference that the
/// closed form is tested against; not for production use.
Cycles systolic_cycles_by_recurrence(const ArrayGeometry& g, const TileShape& s, std::uint64_t count);

/// Marks of one stream of runs from an idle array (MatmulCore::run_stream): per non-empty run,
/// the cycles through its last activation (L + 1), then the cycles through the last result.
/// O(1) per run in its tile count.
std::vector<Cycles> systolic_stream_cycles(const ArrayGeometry& g, const std::vector<TileRun>& runs);
/// The same by the plain per-tile recurrence (the reference for tests).
std::vector<Cycles> systolic_stream_by_recurrence(const ArrayGeometry& g, const std::vector<TileRun>& runs);

class TlmSystolicCore final : public MatmulCore {
 public:
  explicit TlmSystolicCore(const ArrayGeometry& g);
  const ArrayGeometry& geometry() const override { return m_geometry; }
  const char* impl_name() const override { return "tlm"; }
  Cycles run_tiles(const TileShape& shape, std::uint64_t count) override;
  Cycles run_tiles(const TileShape& shape, std::vector<TileData>& tiles) override;
  std::vector<Cycles> run_stream(const std::vector<TileRun>& runs) override;

 private:
  /// Extra cycles the seeded result backpressure costs: with no skid buffer the whole array
  /// holds while a result waits, so every withheld cycle adds exactly one.
  Cycles stall_cycles(const TileShape& shape, std::uint64_t count) const;

  ArrayGeometry m_geometry;
};

}  // namespace decodesim::matmul
