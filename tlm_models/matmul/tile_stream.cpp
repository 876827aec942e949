#include "matmul/tile_stream.h"

#include <algorithm>

namespace decodesim::matmul {

std::vector<TileRun> TileSplit::runs() const {
  std::vector<TileRun> r;
  for (int s = 0; s < 4; ++s)
    if (count[s] > 0) r.push_back({shape[s], count[s]});
  return r;
}

int TileSplit::shape_of(std::uint64_t t) const {
  const bool pk = (t % tiles_k) == tiles_k - 1 && shape[1].k != shape[0].k;
  const bool pn = (t / tiles_k) == tiles_n - 1 && shape[2].n != shape[0].n;
  return (pk ? 1 : 0) + (pn ? 2 : 0);
}

std::uint32_t TileSplit::first_k() const {
  for (int s = 0; s < 4; ++s)
    if (count[s] > 0) return shape[s].k;
  return 0;
}

TileSplit split_tiles(const ArrayGeometry& g, std::uint64_t m, std::uint64_t k, std::uint64_t n) {
  const std::uint32_t R = g.rows, C = g.cols;
  const std::uint32_t m32 = static_cast<std::uint32_t>(std::min<std::uint64_t>(m, 0xffffffffu));
  TileSplit t;
  t.tiles_k = ceil_div<std::uint64_t>(k, R);
  t.tiles_n = ceil_div<std::uint64_t>(n, C);
  const std::uint32_t k_last = static_cast<std::uint32_t>(k - (t.tiles_k - 1) * R);
  const std::uint32_t n_last = static_cast<std::uint32_t>(n - (t.tiles_n - 1) * C);
  const std::uint64_t pk = k_last != R ? 1 : 0, pn = n_last != C ? 1 : 0;
  t.shape = {TileShape{m32, R, C}, TileShape{m32, k_last, C}, TileShape{m32, R, n_last}, TileShape{m32, k_last, n_last}};
  t.count = {(t.tiles_k - pk) * (t.tiles_n - pn), pk * (t.tiles_n - pn), (t.tiles_k - pk) * pn, pk * pn};
  return t;
}

std::vector<TileSplit> deal_tiles(const TileSplit& s, std::uint64_t groups, std::uint32_t arrays) {
  std::vector<TileSplit> out(arrays, s);
  for (auto& a : out) a.clear_counts();
  std::uint64_t next = 0;
  for (int sh = 0; sh < 4; ++sh) {
    const std::uint64_t count = s.count[sh] * groups;
    for (std::uint32_t p = 0; p < arrays; ++p) out[(next + p) % arrays].count[sh] = count / arrays + (p < count % arrays ? 1 : 0);
    next = (next + count) % arrays;
  }
  return out;
}

StreamCost TileStream::run(const TileSplit& tiles, bool continues) {
  const std::vector<TileRun> runs = tiles.runs();
  if (runs.empty()) return {};
  std::vector<TileRun> all;
  if (continues) all = m_lead;
  const std::size_t lead = all.size();
  all.insert(all.end(), runs.begin(), runs.end());
  const std::vector<Cycles> marks = m_core->run_stream(all);
  const Cycles last = marks[all.size() - 1];
  StreamCost c;
  c.accept = last - (lead > 0 ? marks[lead - 1] : 0);
  c.drain = marks.back() - last;
  // The next continuing call's lead-in: this stream's last two tiles, newest last.
  std::vector<TileRun> tail;
  std::uint64_t need = 2;
  for (auto it = all.rbegin(); it != all.rend() && need > 0; ++it) {
    const std::uint64_t take = std::min(need, it->count);
    tail.insert(tail.begin(), TileRun{it->shape, take});
    need -= take;
  }
  m_lead = std::move(tail);
  return c;
}

}  // namespace decodesim::matmul
