// TLM timing model of the weight-stationary systolic array. Cycles come from the closed
// form in README.md; the RTL conformance suite holds this formula to the RTL exactly.
#pragma once

#include "matmul/matmul_core.h"

namespace decodesim::matmul {

/// Closed-form cycles for `count` back-to-back tiles (see README.md, "Cycle formula").
Cycles systolic_cycles(const ArrayGeometry& g, const TileShape& s, std::uint64_t count);

class TlmSystolicCore final : public MatmulCore {
 public:
  explicit TlmSystolicCore(const ArrayGeometry& g) : m_geometry(g) {}
  const ArrayGeometry& geometry() const override { return m_geometry; }
  const char* impl_name() const override { return "tlm"; }
  Cycles run_tiles(const TileShape& shape, std::uint64_t count) override;
  Cycles run_tiles(const TileShape& shape, std::vector<TileData>& tiles) override;

 private:
  ArrayGeometry m_geometry;
};

}  // namespace decodesim::matmul
