#include "lpu/lpu_compiler.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "workload/scenario.h"

namespace decodesim::lpu {
std::string gigabytes(double b) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  return buf;
}

namespace {

std::string megabytes(double b) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  return buf;
}

/// Units in placement order: embedding, layers 0..L-1, head.
std::vector<Bytes> units_of(const Footprint& f) {
  std::vector<Bytes> u;
  u.push_back(f.embedding);
  u.insert(u.end(), f.layer.begin(), f.layer.end());
  u.push_back(f.head);
  return u;
}

}  // namespace

Footprint footprint(const workload::ModelSpec& model, const workload::Scenario& sc, std::uint32_t group) {
  const workload::TensorParallelShard shard = workload::shard_model(model, group);
  // Resident, not touched: every expert of an MoE layer stays in SRAM whichever top_k a token
  // picks. The same count serves the HBM systems' capacity check.
  const workload::ResidentBytes r = workload::resident_weight_bytes(model, group, sc.weight_dtype);
  Footprint f;
  for (std::uint32_t l = 0; l < model.layers; ++l) f.layer_weights.push_back(r.layer(l));
  // The LM head shard needs its own copy when tied: the table sits on stage 0, the head on the last.
  const Bytes tied_copy =
      model.tied_embeddings ? workload::bytes_of(std::uint64_t{shard.vocab} * model.hidden, sc.weight_dtype) : 0;
  f.head = tied_copy + r.lm_head + r.final_norm;
  // The table is resident in full (column-sharded over the stage's chips); a token reads one row.
  const std::uint64_t cols = (std::uint64_t{model.hidden} + group - 1) / group;
  f.embedding = workload::bytes_of(std::uint64_t{model.vocab} * cols, sc.weight_dtype);
  const std::uint64_t per_user = model.kv_elements_per_position(shard.kv_heads) * sc.max_context();
  f.kv_per_user_layer = workload::bytes_of(per_user, sc.kv_dtype);
  f.kv_per_layer = workload::bytes_of(per_user * sc.batch, sc.kv_dtype);
  for (std::uint32_t l = 0; l < model.layers; ++l) f.layer.push_back(f.layer_weights[l] + f.kv_per_layer);
  return f;
}

bool cut_stages(const Footprint& f, std::uint32_t stages, Bytes capacity, std::vector<StagePlan>* out) {
  const std::vector<Bytes> u = units_of(f);
  const std::size_t n = u.size();
  if (stages == 0 || stages > n) return false;
  std::vector<Bytes> pre(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) pre[i + 1] = pre[i] + u[i];
  constexpr Bytes kInf = std::numeric_limits<Bytes>::max();
  // best[s][i]: smallest possible largest stage when units [0, i) form s stages.
  std::vector<std::vector<Bytes>> best(stages + 1, std::vector<Bytes>(n + 1, kInf));
  std::vector<std::vector<std::size_t>> cut(stages + 1, std::vector<std::size_t>(n + 1, 0));
  best[0][0] = 0;
  for (std::uint32_t s = 1; s <= stages; ++s)
    for (std::size_t i = s; i + (stages - s) <= n; ++i)
      for (std::size_t j = s - 1; j < i; ++j) {  // last stage holds units [j, i); earliest j wins ties
        if (best[s - 1][j] == kInf) continue;
        const Bytes v = std::max(best[s - 1][j], pre[i] - pre[j]);
        if (v < best[s][i]) {
          best[s][i] = v;
          cut[s][i] = j;
        }
      }
  if (best[stages][n] > capacity) return false;
  if (!out) return true;
  std::vector<std::size_t> bounds(stages + 1, n);
  for (std::uint32_t s = stages; s > 0; --s) bounds[s - 1] = cut[s][bounds[s]];
  out->clear();
  const int layers = static_cast<int>(f.layer.size());
  for (std::uint32_t s = 0; s < stages; ++s) {
    StagePlan p;
    p.index = s;
    const std::size_t a = bounds[s], b = bounds[s + 1];
    p.embedding = a == 0;
    p.head = b == n;
    // Unit i >= 1 is layer i-1; clamp so a stage with only the embedding or head gets an empty range.
    p.first_layer = std::clamp(static_cast<int>(a) - 1, 0, layers);
    p.end_layer = std::clamp(static_cast<int>(b) - 1, 0, layers);
    if (p.embedding) p.weight_bytes += f.embedding;
    if (p.head) p.weight_bytes += f.head;
    for (int l = p.first_layer; l < p.end_layer; ++l) {
      p.weight_bytes += f.layer_weights[static_cast<std::size_t>(l)];
      p.kv_bytes += f.kv_per_layer;
    }
    out->push_back(p);
  }
  return true;
}

std::uint32_t smallest_fit(const workload::ModelSpec& model, const workload::Scenario& sc, Bytes capacity,
                           std::uint32_t group, std::uint32_t max_chips) {
  const Footprint f = footprint(model, sc, group);
  const std::uint32_t units = static_cast<std::uint32_t>(f.layer.size() + 2);
  const std::uint32_t hi_stages = std::min(units, max_chips / group);
  if (hi_stages == 0 || !cut_stages(f, hi_stages, capacity, nullptr)) return 0;
  // The largest stage only shrinks as stages are added, so the feasible counts form a suffix.
  std::uint32_t lo = 1, hi = hi_stages;
  while (lo < hi) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (cut_stages(f, mid, capacity, nullptr)) hi = mid;
    else lo = mid + 1;
  }
  return lo * group;
}

Placement place(const workload::ModelSpec& model, const workload::Scenario& sc, const LpuConfig& cfg,
                std::uint32_t chips, const config::SourceLoc& chips_loc, const config::SourceLoc& lpu_loc) {
  const std::uint32_t group = cfg.group_chips();
  if (chips == 0) throw config::InputError(chips_loc, "system.chips", "needs at least one chip", "0", ">= 1");
  if (chips % group != 0)
    throw config::InputError(lpu_loc, "lpu.tensor_parallel", "must divide system.chips into whole stages",
                             std::to_string(group), "a divisor of " + std::to_string(chips));
  workload::shard_model(model, group, lpu_loc, "lpu.tensor_parallel");

  Placement p;
  p.chips = chips;
  p.group = group;
  p.stages = chips / group;
  p.capacity = cfg.mem.capacity_bytes;
  p.slice_bytes = cfg.mem.capacity_bytes / cfg.mem.slices;
  const Footprint f = footprint(model, sc, group);
  const std::uint32_t units = static_cast<std::uint32_t>(f.layer.size() + 2);
  Bytes total = 0;
  for (Bytes b : units_of(f)) total += b * group;
  p.needed_total = total;
  if (p.stages > units)
    throw config::InputError(chips_loc, "system.chips",
                             "more pipeline stages than " + model.name + " has units to give them (" +
                                 std::to_string(p.stages) + " stages of " + std::to_string(group) + " chips for " +
                                 std::to_string(model.layers) + " layers + embedding + head)",
                             std::to_string(chips), "at most " + std::to_string(units * group) + " chips");
  if (!cut_stages(f, p.stages, p.capacity, &p.stage)) {
    const std::string what = "model does not fit in SRAM: " + model.name + " needs " +
                             gigabytes(static_cast<double>(total)) + " (weights + KV cache at batch " +
                             std::to_string(sc.batch) + ", context " + std::to_string(sc.max_context()) + ", " +
                             dtype_name(sc.weight_dtype) + " weights) in " + std::to_string(p.stages) +
                             " stage(s) of " + std::to_string(group) + " chip(s) x " +
                             megabytes(static_cast<double>(p.capacity));
    std::string allowed;
    if (const std::uint32_t need = smallest_fit(model, sc, p.capacity, group, 4096); need != 0)
      allowed = "at least " + std::to_string(need) + " chips (system.chips) with partition: " +
                partition_name(cfg.partition) +
                (cfg.partition == Partition::Tensor ? ", tensor_parallel: " + std::to_string(group) : "");
    else {
      // One unit is larger than a chip in this partitioning: find the smallest tensor group that fits.
      std::uint32_t best = 0, best_group = 0;
      // Tensor groups are one node, or whole nodes joined through one global port per counterpart.
      std::vector<std::uint32_t> groups;
      for (std::uint32_t g = 2; g <= cfg.c2c.node_chips; ++g) groups.push_back(g);
      for (std::uint32_t nodes = 2; nodes <= cfg.c2c.global_links + 1; ++nodes)
        groups.push_back(nodes * cfg.c2c.node_chips);
      for (std::uint32_t g : groups) {
        try {
          workload::shard_model(model, g);
        } catch (const config::InputError&) {
          continue;
        }
        const std::uint32_t need = smallest_fit(model, sc, p.capacity, g, 4096);
        if (need != 0 && (best == 0 || need < best)) {
          best = need;
          best_group = g;
        }
      }
      allowed = best ? "at least " + std::to_string(best) +
                           " chips with partition: tensor, tensor_parallel: " + std::to_string(best_group) +
                           " (a single layer or table exceeds one chip)"
                     : "no chip count up to 4096: a single layer exceeds the widest tensor group of " +
                           std::to_string(groups.back()) + " chips";
    }
    throw config::InputError(chips_loc, "system.chips", what, std::to_string(chips) + " chips", allowed);
  }
  for (auto& s : p.stage) s.first_chip = s.index * group;
  p.kv_per_user_per_chip_max = 0;
  for (const auto& s : p.stage)
    p.kv_per_user_per_chip_max = std::max<Bytes>(
        p.kv_per_user_per_chip_max, f.kv_per_user_layer * static_cast<Bytes>(s.end_layer - s.first_layer));
  return p;
}

std::vector<Kernel> stage_program(const KernelGraph& g, const StagePlan& s, std::uint32_t group) {
  std::vector<Kernel> out;
  bool past_layers = false;
  for (const Kernel& k : g.kernels) {
    if (k.layer >= 0) {
      past_layers = true;
      if (k.layer >= s.first_layer && k.layer < s.end_layer) out.push_back(k);
      continue;
    }
    if (k.kind == KernelKind::Embedding) {
      if (!s.embedding) continue;
      Kernel e = k;
      // Column shard: this chip gathers hidden/group columns of each row.
      const std::uint64_t cols = (e.n + group - 1) / group;
      e.weight_bytes = workload::bytes_of(e.m * cols, e.weight_dtype);
      out.push_back(e);
      if (group > 1) {
        Kernel ag;
        ag.name = "embedding.all_gather";
        ag.kind = KernelKind::AllReduce;
        ag.op = "all_gather";
        ag.m = e.m;
        ag.n = e.n;
        ag.collective_bytes = e.act_out_bytes;
        ag.act_in_bytes = ag.act_out_bytes = e.act_out_bytes;
        ag.weight_dtype = e.weight_dtype;
        ag.act_dtype = e.act_dtype;
        ag.kv_dtype = e.kv_dtype;
        ag.phase = e.phase;
        out.push_back(ag);
      }
      continue;
    }
    // Kernels after the layer stack (final norm, LM head, its all-reduce) belong to the head stage;
    // a model with no layers has nothing before them but the embedding.
    if ((past_layers || g.layers == 0) && s.head) out.push_back(k);
  }
  return out;
}

}  // namespace decodesim::lpu
