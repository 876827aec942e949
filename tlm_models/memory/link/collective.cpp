#include "memory/link/collective.h"

#include <stdexcept>

namespace decodesim::memory {

Picos ring_half(LinkPort& link, Bytes bytes, std::uint32_t participants, Picos start) {
  if (participants <= 1 || bytes == 0) return start;
  const Bytes piece = ceil_div<Bytes>(bytes, participants);
  Picos t = start;
  // Step k+1 forwards (or reduces into) the piece that arrived in step k, so it cannot start earlier.
  for (std::uint32_t step = 0; step + 1 < participants; ++step) t = link.send(piece, t, 1);
  return t;
}

Picos ring_all_reduce(LinkPort& link, Bytes bytes, std::uint32_t participants, Picos start) {
  const Picos t = ring_half(link, bytes, participants, start);  // reduce-scatter
  return ring_half(link, bytes, participants, t);               // all-gather
}

Picos mesh_all_reduce(LinkPort& link, Bytes bytes, std::uint32_t participants, Picos start) {
  if (participants <= 1 || bytes == 0) return start;
  const Bytes piece = ceil_div<Bytes>(bytes, participants);
  // The all-gather sends the reduced piece, which exists only once every peer's share has arrived.
  const Picos t = link.send(piece, start, 1);  // reduce-scatter
  return link.send(piece, t, 1);               // all-gather
}

Picos torus_all_reduce(LinkPort& x, LinkPort* y, Bytes bytes, const std::vector<std::uint32_t>& dims, Picos start) {
  if (dims.size() == 1) return ring_all_reduce(x, bytes, dims[0], start);
  if (dims.size() != 2 || !y) throw std::invalid_argument("torus_all_reduce: dims must be {x} or {x, y} with a y link");
  const std::uint32_t dx = dims[0], dy = dims[1];
  Picos t = ring_half(x, bytes, dx, start);                           // reduce-scatter along x
  t = ring_all_reduce(*y, ceil_div<Bytes>(bytes, dx ? dx : 1), dy, t);  // all-reduce this chip's share along y
  return ring_half(x, bytes, dx, t);                                  // all-gather along x
}

}  // namespace decodesim::memory
