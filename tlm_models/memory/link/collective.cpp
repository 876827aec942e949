#include "memory/link/collective.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

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

Picos one_shot_all_reduce(LinkPort& link, Bytes bytes, std::uint32_t participants, std::uint32_t links,
                          Picos start) {
  if (participants <= 1 || bytes == 0) return start;
  constexpr Bytes kFlagBytes = 4, kRequestBytes = 16;
  // A peer's buffer may be loaded only once its flag says it is written; the data follows the request.
  const Picos flagged = link.send(kFlagBytes, start, 1);
  const Picos requested = link.send(kRequestBytes, flagged, 1);
  return link.send(ceil_div<Bytes>((participants - 1) * bytes, std::max<std::uint32_t>(links, 1)), requested, 1);
}

namespace {

/// One half's sends in order: `steps` messages of `piece` on `link`, per leg.
struct Leg {
  LinkPort* link;
  Bytes piece;
  std::uint32_t steps;
};

/// The legs of a bidirectional dimension-ordered all-reduce of `bytes`: reduce-scatter along
/// `a` (da chips), all-reduce of the a-share along `b` (db chips), all-gather along `a`. A
/// bidirectional ring step carries half of a piece each way, so the module sees ceil(piece/2).
std::vector<Leg> torus_legs(LinkPort& a, std::uint32_t da, LinkPort& b, std::uint32_t db, Bytes bytes) {
  std::vector<Leg> legs;
  if (bytes == 0) return legs;
  const Bytes share = ceil_div<Bytes>(bytes, da);
  if (da > 1) legs.push_back({&a, ceil_div<Bytes>(bytes, 2 * da), da - 1});
  if (db > 1) legs.push_back({&b, ceil_div<Bytes>(share, 2 * db), 2 * (db - 1)});
  if (da > 1) legs.push_back({&a, ceil_div<Bytes>(bytes, 2 * da), da - 1});
  return legs;
}

/// Runs several halves' legs at once: each half's messages follow one another (a step forwards
/// what the previous one delivered); between halves, the message ready first goes first, so a
/// shared link serves them in arrival order.
Picos run_concurrent(std::vector<std::vector<Leg>> halves, Picos start) {
  struct Cursor {
    std::size_t leg = 0;
    std::uint32_t step = 0;
    Picos t;
  };
  std::vector<Cursor> at(halves.size(), Cursor{0, 0, start});
  Picos end = start;
  for (;;) {
    std::size_t next = halves.size();
    for (std::size_t h = 0; h < halves.size(); ++h)
      if (at[h].leg < halves[h].size() && (next == halves.size() || at[h].t < at[next].t)) next = h;
    if (next == halves.size()) break;
    Cursor& c = at[next];
    const Leg& leg = halves[next][c.leg];
    c.t = leg.link->send(leg.piece, c.t, 1);
    end = std::max(end, c.t);
    if (++c.step == leg.steps) {
      ++c.leg;
      c.step = 0;
    }
  }
  return end;
}

}  // namespace

Picos torus_all_reduce(LinkPort& x, LinkPort* y, Bytes bytes, const std::vector<std::uint32_t>& dims, Picos start) {
  if (dims.size() == 1) {
    const std::uint32_t d = dims[0];
    if (d <= 1 || bytes == 0) return start;
    return run_concurrent({{{&x, ceil_div<Bytes>(bytes, 2 * d), 2 * (d - 1)}}}, start);
  }
  if (dims.size() != 2 || !y) throw std::invalid_argument("torus_all_reduce: dims must be {x} or {x, y} with a y link");
  const std::uint32_t dx = dims[0], dy = dims[1];
  const Bytes first = ceil_div<Bytes>(bytes, 2);
  return run_concurrent({torus_legs(x, dx, *y, dy, first), torus_legs(*y, dy, x, dx, bytes - first)}, start);
}

}  // namespace decodesim::memory
