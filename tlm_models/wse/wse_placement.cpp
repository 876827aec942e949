#include "wse/wse_placement.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "workload/scenario.h"

namespace decodesim::wse {
namespace {

using lpu::gigabytes;

std::uint64_t absdiff(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : b - a; }

}  // namespace

std::uint64_t hops_between(const Region& a, const Region& b) {
  return (absdiff(a.cx2(), b.cx2()) + absdiff(a.cy2(), b.cy2())) / 2;
}

const Region& WaferPlan::region_of(int layer, bool head) const {
  for (const Region& r : regions) {
    if (layer >= 0 && r.unit == Region::Unit::Layer && r.layer == layer) return r;
    if (layer < 0 && r.unit == (head ? Region::Unit::Head : Region::Unit::Embedding)) return r;
  }
  throw std::logic_error("wse: no region for layer " + std::to_string(layer) + (head ? " (head)" : ""));
}

bool layout_bands(const WseConfig& cfg, const std::vector<Bytes>& units, std::uint32_t bands,
                  std::vector<Region>* out, std::uint64_t* score) {
  const std::size_t n = units.size();
  if (bands == 0 || bands > n || bands > cfg.mesh.rows) return false;
  Bytes total = 0;
  for (Bytes b : units) total += b;
  // Unit i goes to the band its bytes' midpoint falls in: contiguous, balanced by bytes.
  std::vector<std::uint32_t> band_of(n);
  Bytes before = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double mid = total ? (static_cast<double>(before) + units[i] / 2.0) / static_cast<double>(total)
                             : (i + 0.5) / static_cast<double>(n);
    band_of[i] = std::min<std::uint32_t>(bands - 1, static_cast<std::uint32_t>(mid * bands));
    before += units[i];
  }
  std::vector<Region> regions(n);
  const Bytes per_pe = cfg.placeable_per_pe();
  std::uint32_t y = 0;
  for (std::uint32_t b = 0; b < bands; ++b) {
    const std::uint32_t h = cfg.mesh.rows / bands + (b + 1 == bands ? cfg.mesh.rows % bands : 0);
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < n; ++i)
      if (band_of[i] == b) members.push_back(i);
    if (members.empty()) return false;
    // Each unit first gets the columns that hold its bytes, then the band's spare columns in
    // proportion to its bytes (largest remainder, earlier unit first on ties).
    std::uint64_t need = 0;
    Bytes band_bytes = 0;
    for (std::size_t i : members) {
      regions[i].h = h;
      regions[i].w = static_cast<std::uint32_t>(std::max<Bytes>(1, ceil_div<Bytes>(units[i], per_pe * h)));
      need += regions[i].w;
      band_bytes += units[i];
    }
    if (need > cfg.mesh.cols) return false;
    const std::uint64_t spare = cfg.mesh.cols - need;
    std::uint64_t given = 0;
    std::vector<std::pair<double, std::size_t>> remainder;
    for (std::size_t i : members) {
      const double share = band_bytes ? static_cast<double>(spare) * units[i] / static_cast<double>(band_bytes)
                                      : static_cast<double>(spare) / members.size();
      const auto whole = static_cast<std::uint32_t>(share);
      regions[i].w += whole;
      given += whole;
      remainder.push_back({share - whole, i});
    }
    std::stable_sort(remainder.begin(), remainder.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t k = 0; given < spare; ++k, ++given) ++regions[remainder[k % remainder.size()].second].w;
    // Boustrophedon: even bands run left to right, odd ones right to left.
    std::uint32_t x = 0;
    for (std::size_t i : members) {
      regions[i].y = y;
      regions[i].x = b % 2 == 0 ? x : cfg.mesh.cols - x - regions[i].w;
      regions[i].bytes = units[i];
      x += regions[i].w;
    }
    y += h;
  }
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    s += regions[i].w + regions[i].h;
    if (i + 1 < n) s += hops_between(regions[i], regions[i + 1]);
  }
  if (score) *score = s;
  if (out) *out = std::move(regions);
  return true;
}

Placement place(const workload::ModelSpec& model, const workload::Scenario& sc, const WseConfig& cfg,
                std::uint32_t wafers, const config::SourceLoc& chips_loc) {
  if (wafers == 0) throw config::InputError(chips_loc, "system.chips", "needs at least one wafer", "0", ">= 1");
  Placement p;
  p.wafers = wafers;
  p.capacity = cfg.placeable_bytes();
  // A wafer is a pipeline stage of one chip: the LPU compiler's units and its exact cut.
  const lpu::Footprint f = lpu::footprint(model, sc, 1);
  const std::uint32_t units = static_cast<std::uint32_t>(f.layer.size() + 2);
  p.needed_total = f.embedding + f.head;
  for (Bytes b : f.layer) p.needed_total += b;
  if (wafers > units)
    throw config::InputError(chips_loc, "system.chips",
                             "more wafers than " + model.name + " has units to give them (" +
                                 std::to_string(model.layers) + " layers + embedding + head)",
                             std::to_string(wafers), "at most " + std::to_string(units) + " wafers");
  std::vector<lpu::StagePlan> stages;
  if (!lpu::cut_stages(f, wafers, p.capacity, &stages)) {
    const std::uint32_t need = lpu::smallest_fit(model, sc, p.capacity, 1, 4096);
    throw config::InputError(
        chips_loc, "system.chips",
        "model does not fit in SRAM: " + model.name + " needs " + gigabytes(static_cast<double>(p.needed_total)) +
            " (weights + KV cache at batch " + std::to_string(sc.batch) + ", context " +
            std::to_string(sc.max_context()) + ", " + dtype_name(sc.weight_dtype) + " weights) in " +
            std::to_string(wafers) + " wafer(s) x " + gigabytes(static_cast<double>(p.capacity)) + " of PE SRAM",
        std::to_string(wafers) + " wafer(s)",
        need ? "at least " + std::to_string(need) + " wafers (system.chips)"
             : "no wafer count up to 4096: one layer exceeds a wafer's SRAM");
  }
  for (lpu::StagePlan& s : stages) {
    WaferPlan w;
    s.first_chip = s.index;
    w.stage = s;
    std::vector<Bytes> bytes;
    std::vector<Region> proto;
    const auto add = [&](Region::Unit u, int layer, Bytes b) {
      Region r;
      r.unit = u;
      r.layer = layer;
      proto.push_back(r);
      bytes.push_back(b);
    };
    if (s.embedding) add(Region::Unit::Embedding, -1, f.embedding);
    for (int l = s.first_layer; l < s.end_layer; ++l) add(Region::Unit::Layer, l, f.layer[static_cast<std::size_t>(l)]);
    if (s.head) add(Region::Unit::Head, -1, f.head);
    std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
    for (std::uint32_t b = 1; b <= bytes.size(); ++b) {
      std::vector<Region> regions;
      std::uint64_t score = 0;
      if (!layout_bands(cfg, bytes, b, &regions, &score) || score >= best) continue;
      best = score;
      w.bands = b;
      w.fabric_score = score;
      for (std::size_t i = 0; i < regions.size(); ++i) {
        regions[i].unit = proto[i].unit;
        regions[i].layer = proto[i].layer;
      }
      w.regions = std::move(regions);
    }
    // The wafer's bytes fit its SRAM (the cut checked it), so one band of full-height columns
    // always lays out unless per-column rounding overflows the mesh.
    if (w.regions.empty())
      throw config::InputError(chips_loc, "system.chips",
                               "model does not fit in SRAM: wafer " + std::to_string(s.index) +
                                   "'s units do not tile its " + std::to_string(cfg.mesh.cols) + "x" +
                                   std::to_string(cfg.mesh.rows) + " PEs in whole columns",
                               std::to_string(wafers) + " wafer(s)", "more wafers (system.chips)");
    p.wafer.push_back(std::move(w));
  }
  return p;
}

}  // namespace decodesim::wse
