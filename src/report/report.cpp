#include "report/report.h"
#include "report/turn.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <unistd.h>

#include "decodesim_version.h"
#include "report/lpu_summary.h"

namespace decodesim::report {
namespace {

/// Human scale for seconds: picks ns/us/ms/s.
std::string seconds(double s) {
  if (s < 1e-6) return fmt("%.1f ns", s * 1e9);
  if (s < 1e-3) return fmt("%.2f us", s * 1e6);
  if (s < 1.0) return fmt("%.3f ms", s * 1e3);
  return fmt("%.3f s", s);
}

std::string bytes_h(double b) {
  if (b < 1e3) return fmt("%.0f B", b);
  if (b < 1e6) return fmt("%.1f KB", b / 1e3);
  if (b < 1e9) return fmt("%.2f MB", b / 1e6);
  return fmt("%.3f GB", b / 1e9);
}

std::string flops_h(double f) {
  if (f < 1e6) return fmt("%.0f", f);
  if (f < 1e9) return fmt("%.1f M", f / 1e6);
  if (f < 1e12) return fmt("%.2f G", f / 1e9);
  return fmt("%.3f T", f / 1e12);
}

/// Per-token loss partition for architectures whose records partition exclusive time (the
/// GPU: hbm_stream, refresh, low_mlp, tail, compute, launch, link), over chip 0's path. Empty
/// when the records' parts overlap (TPU, LPU busy times): those do not add up to a time.
std::vector<std::pair<TimePart, double>> time_partition(const system::RunResult& res, double tokens) {
  std::vector<std::pair<TimePart, double>> out;  // seconds, in the records' part order
  for (const auto& r : res.records) {
    if (r.chip != 0 || !r.breakdown.partitions()) continue;
    for (const auto& [part, v] : r.breakdown) {
      auto it = std::find_if(out.begin(), out.end(), [part = part](const auto& o) { return o.first == part; });
      if (it == out.end()) it = out.insert(out.end(), {part, 0.0});
      it->second += picos_to_seconds(v);
    }
  }
  for (auto& item : out) item.second /= tokens;
  return out;
}

}  // namespace

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string si(double value, const char* unit) {
  static const struct {
    double scale;
    const char* prefix;
  } kPrefixes[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""},
                   {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"}};
  if (!std::isfinite(value)) return fmt("%g", value) + " " + unit;
  if (value == 0) return std::string("0 ") + unit;
  const double a = std::fabs(value);
  for (const auto& p : kPrefixes) {
    // The last prefix takes whatever is smaller still.
    if (a < p.scale * 0.9995 && p.scale > 1e-12) continue;
    const double m = value / p.scale;
    const double am = std::fabs(m);
    return fmt(am < 9.9995 ? "%.3f" : am < 99.995 ? "%.2f" : "%.1f", m) + " " + p.prefix + unit;
  }
  return fmt("%g", value) + " " + unit;
}

std::string version_string() { return DECODESIM_VERSION; }

Summary summarize(const system::RunRequest& req, const system::RunResult& res) {
  Summary s;
  const double tokens = req.scenario.emitted_tokens();
  const double total = picos_to_seconds(res.total_time);
  s.token_latency_s = total / tokens;
  s.tokens_per_s = total > 0 ? tokens * req.scenario.batch / total : 0;
  s.tokens_per_s_per_user = total > 0 ? tokens / total : 0;
  s.roofline_latency_s = picos_to_seconds(res.roofline) / tokens;
  s.roofline_ratio = s.roofline_latency_s > 0 ? s.token_latency_s / s.roofline_latency_s : 0;
  // Per-chip figures come from the chips a token passes through (chip 0 unless the
  // architecture names its path, e.g. one chip per LPU pipeline stage).
  const std::vector<std::uint32_t> path = res.path_chips.empty() ? std::vector<std::uint32_t>{0} : res.path_chips;
  const auto on_path = [&](std::uint32_t chip) { return std::find(path.begin(), path.end(), chip) != path.end(); };
  double chip0_bytes = 0, path_flops = 0;
  std::map<std::string, double> bound_time;
  for (const auto& r : res.records) {
    if (on_path(r.chip)) {
      chip0_bytes += static_cast<double>(r.mem_bytes);
      bound_time[r.bound] += picos_to_seconds(r.exclusive);
      path_flops += static_cast<double>(r.flops);
    }
    s.flops += static_cast<double>(r.flops);
  }
  chip0_bytes /= static_cast<double>(path.size());
  const double scale = static_cast<double>(res.chips) / res.simulated_chips;
  s.flops = res.path_chips.empty() ? s.flops * scale : path_flops / static_cast<double>(path.size()) * res.chips;
  s.hbm_bytes = chip0_bytes * res.chips;
  s.hbm_bytes_per_token_per_chip = chip0_bytes / tokens;
  s.achieved_hbm_bw_bytes_per_s = total > 0 ? chip0_bytes / total : 0;
  s.peak_hbm_bw_bytes_per_s = res.peak_mem_bytes_per_s;
  double best = -1;
  for (const auto& [b, t] : bound_time)
    if (t > best) { best = t; s.bottleneck = b; }
  if (!res.bottleneck.empty()) s.bottleneck = res.bottleneck;
  s.energy = compute_energy(req.cfg.energy, res.energy);
  s.energy_per_token_j = s.energy.total_j() / (tokens * req.scenario.batch);
  return s;
}

std::vector<LayerRow> layer_rows(const system::RunResult& res) {
  std::vector<LayerRow> rows;
  const std::vector<std::uint32_t> path = res.path_chips.empty() ? std::vector<std::uint32_t>{0} : res.path_chips;
  for (const auto& r : res.records) {
    if (std::find(path.begin(), path.end(), r.chip) == path.end()) continue;
    auto it = std::find_if(rows.begin(), rows.end(), [&](const LayerRow& o) { return o.op == r.op; });
    if (it == rows.end()) {
      rows.emplace_back();
      rows.back().op = r.op;
      it = rows.end() - 1;
    }
    const double t = picos_to_seconds(r.exclusive);
    ++it->count;
    it->time += t;
    it->bytes += static_cast<double>(r.mem_bytes);
    it->flops += static_cast<double>(r.flops);
    it->roofline += picos_to_seconds(r.roofline);
    it->bound_time[r.bound] += t;
    for (const auto& [k, v] : r.breakdown) it->parts[k] += picos_to_seconds(v);
  }
  for (auto& r : rows) {
    double bt = -1;
    for (const auto& [b, t] : r.bound_time)
      if (t > bt) { bt = t; r.bound = b; }
    const double dma_wait = r.parts.count(TimePart::DmaWait) ? r.parts.at(TimePart::DmaWait) : 0;
    // Matrix-unit weight loading: the TPU's MXU shift-in or the LPU's MXM install.
    double wl = 0;
    for (TimePart key : {TimePart::MxuWeightLoad, TimePart::MxmWeightInstall})
      if (r.parts.count(key)) wl += r.parts.at(key);
    if (r.time > 0 && dma_wait > 0) r.stalls += "waiting on DMA " + fmt("%.0f%%", 100 * dma_wait / r.time) + ", ";
    if (r.time > 0 && wl > 0) r.stalls += "loading weights " + fmt("%.0f%%", 100 * wl / r.time);
    // GPU rows: the exclusive-time partition, largest losses named (WSE rows: the fabric's share).
    for (TimePart key : {TimePart::LowMlp, TimePart::Refresh, TimePart::Tail, TimePart::Launch, TimePart::Fabric,
                         TimePart::Compute}) {
      const auto it = r.parts.find(key);
      if (r.time > 0 && it != r.parts.end() && it->second >= 0.01 * r.time)
        r.stalls += (r.stalls.empty() ? "" : ", ") + std::string(time_part_name(key)) + " " +
                    fmt("%.0f%%", 100 * it->second / r.time);
    }
  }
  return rows;
}

void print_console(std::ostream& os, const system::RunRequest& req, const system::RunResult& res,
                   const Summary& s) {
  const std::vector<LayerRow> rows = layer_rows(res);
  const double total = picos_to_seconds(res.total_time);
  const double tokens = req.scenario.emitted_tokens();
  os << req.cfg.system.name << " (" << system::arch_name(req.cfg.system.arch) << ", " << res.chips
     << (res.chips == 1 ? " chip" : " chips") << ")  " << req.model.name << "  batch " << req.scenario.batch
     << "  context " << req.scenario.context << "  tokens " << req.scenario.tokens << "  weights "
     << dtype_name(req.scenario.weight_dtype) << "\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-12s %5s %11s %6s %11s %10s %10s %6s %6s %-12s %s\n", "layer type", "count",
                "time/token", "share", "bytes/token", "FLOP/token", "mem BW", "%peak", "%comp", "bound",
                "where the MXU time went");
  os << line;
  for (const auto& r : rows) {
    const double bw = r.time > 0 ? r.bytes / r.time : 0;
    const double mxu = r.time > 0 ? r.flops / (r.time * res.peak_flops) : 0;
    std::snprintf(line, sizeof line, "%-12s %5zu %11s %5.1f%% %11s %10s %10s %5.1f%% %5.1f%% %-12s %s\n",
                  r.op.c_str(), r.count, seconds(r.time / tokens).c_str(), total > 0 ? 100 * r.time / total : 0,
                  bytes_h(r.bytes / tokens).c_str(), flops_h(r.flops / tokens).c_str(),
                  fmt("%.1f GB/s", bw / 1e9).c_str(), 100 * bw / res.peak_mem_bytes_per_s, 100 * mxu, r.bound.c_str(),
                  r.stalls.c_str());
    os << line;
  }
  os << "\n";
  os << "time per token      " << seconds(s.token_latency_s) << "   (" << fmt("%.1f", s.tokens_per_s_per_user)
     << " tokens/s per sequence, " << fmt("%.1f", s.tokens_per_s) << " tokens/s total)\n";
  os << "roofline bound      " << seconds(s.roofline_latency_s) << "   simulated/roofline = "
     << fmt("%.3f", s.roofline_ratio) << "\n";
  os << "memory per chip     " << bytes_h(s.hbm_bytes_per_token_per_chip) << "/token at "
     << bytes_h(s.achieved_hbm_bw_bytes_per_s) << "/s = "
     << fmt("%.1f", 100 * s.achieved_hbm_bw_bytes_per_s / s.peak_hbm_bw_bytes_per_s) << "% of peak "
     << bytes_h(s.peak_hbm_bw_bytes_per_s) << "/s\n";
  const double per_tok = tokens * req.scenario.batch;
  os << "energy per token    " << si(s.energy_per_token_j, "J") << "   (hbm " << si(s.energy.hbm_j / per_tok, "J")
     << ", sram " << si(s.energy.sram_j / per_tok, "J") << ", mac " << si(s.energy.mac_j / per_tok, "J")
     << ", vector " << si(s.energy.vector_j / per_tok, "J") << ", links " << si(s.energy.link_j / per_tok, "J")
     << ", static " << si(s.energy.static_j / per_tok, "J") << ")\n";
  os << "average power       " << fmt("%.1f", s.energy.average_w_per_chip()) << " W per chip   (idle "
     << fmt("%.1f", s.energy.idle_w) << " W at " << fmt("%.3f", s.energy.voltage_v) << " V"
     << (s.energy.tdp_w > 0 ? ", TDP " + fmt("%.0f", s.energy.tdp_w) + " W" : std::string(", no published TDP"))
     << "; moving a byte costs " << fmt("%.1f", s.energy.hbm_pj_per_byte) << " pJ from HBM, "
     << fmt("%.2f", s.energy.sram_pj_per_byte) << " pJ through SRAM)\n";
  if (s.energy.tdp_w > 0 && s.energy.average_w_per_chip() > s.energy.tdp_w)
    os << "note: average power is above the published TDP: the real chip would lower its clock\n";
  const auto parts = time_partition(res, tokens);
  if (!parts.empty()) {
    os << "where the time goes ";
    for (std::size_t i = 0; i < parts.size(); ++i)
      os << (i ? ", " : "") << time_part_name(parts[i].first) << " " << seconds(parts[i].second) << " ("
         << fmt("%.1f", s.token_latency_s > 0 ? 100 * parts[i].second / s.token_latency_s : 0) << "%)";
    os << "\n";
  }
  os << "bottleneck          " << s.bottleneck << "\n";
  if (req.cfg.system.arch == system::Arch::Lpu && res.lpu)
    for (const auto& l : lpu_summary_lines(lpu_summary_json(*res.lpu))) os << l << "\n";
  if (req.scenario.turn) print_turn(os, turn_metrics(req, res, req.speculative_ref.draft_step_s, req.speculative_ref.decode_step_s));
  for (const auto& n : res.notes) os << "note: " << n << "\n";
}

void print_gemm(std::ostream& os, const system::RunRequest& req, const system::RunResult& res, const Summary& s) {
  const KernelRecord& r = res.records.front();
  const double span = picos_to_seconds(r.duration()), bytes = static_cast<double>(r.mem_bytes);
  const double flops = static_cast<double>(r.flops), roof = picos_to_seconds(r.roofline);
  const double bw = span > 0 ? bytes / span : 0, fps = span > 0 ? flops / span : 0;
  os << "gemm y[" << r.m << "x" << r.n << "] = x[" << r.m << "x" << r.k << "] . W[" << r.k << "x" << r.n
     << "]  weights " << dtype_name(r.weight_dtype) << ", activations " << dtype_name(r.act_dtype) << "  on "
     << req.cfg.system.name << " (" << system::arch_name(req.cfg.system.arch) << ", one chip)\n\n";
  os << "time                " << seconds(span) << "   (" << r.cycles << " core cycles; step incl. launch "
     << seconds(picos_to_seconds(res.total_time)) << ")\n";
  os << "memory              " << bytes_h(bytes) << " at " << bytes_h(bw) << "/s = "
     << fmt("%.1f", 100 * bw / res.peak_mem_bytes_per_s) << "% of peak " << bytes_h(res.peak_mem_bytes_per_s) << "/s\n";
  os << "compute             " << flops_h(flops) << "FLOP at " << flops_h(fps) << "FLOP/s = "
     << fmt("%.1f", 100 * fps / res.peak_flops) << "% of peak " << flops_h(res.peak_flops) << "FLOP/s\n";
  os << "intensity           " << fmt("%.2f", bytes > 0 ? flops / bytes : 0) << " FLOP/B   (ridge point "
     << fmt("%.1f", res.peak_flops / res.peak_mem_bytes_per_s) << " FLOP/B: "
     << (bytes > 0 && flops / bytes < res.peak_flops / res.peak_mem_bytes_per_s ? "below it, memory side"
                                                                                  : "above it, compute side")
     << ")\n";
  os << "roofline bound      " << seconds(roof) << "   (memory " << seconds(bytes / res.peak_mem_bytes_per_s)
     << ", compute " << seconds(flops / res.peak_flops) << ")   simulated/roofline = "
     << fmt("%.3f", roof > 0 ? span / roof : 0) << "\n";
  os << "bound               " << r.bound << "\n";
  std::string parts;
  for (const auto& [k, v] : r.breakdown)
    if (v > 0 && span > 0)
      parts += (parts.empty() ? "" : ", ") + std::string(time_part_name(k)) + " " +
               fmt("%.0f%%", 100 * picos_to_seconds(v) / span);
  if (!parts.empty()) os << "busy (of the span)  " << parts << "\n";
  os << "energy              " << fmt("%.4g", s.energy.total_j()) << " J\n";
  for (const auto& n : res.notes) os << "note: " << n << "\n";
}

nlohmann::json result_json(const system::RunRequest& req, const system::RunResult& res, const Summary& s) {
  using nlohmann::json;
  json kernels = json::array();
  for (const auto& r : res.records) {
    json parts = json::object();
    for (const auto& [k, v] : r.breakdown) parts[std::string(time_part_name(k)) + "_s"] = picos_to_seconds(v);
    kernels.push_back({{"name", r.name},
                       {"kind", kernel_kind_name(r.kind)},
                       {"op", r.op},
                       {"layer", r.layer},
                       {"token", r.token},
                       {"chip", r.chip},
                       {"start_s", picos_to_seconds(r.start)},
                       {"end_s", picos_to_seconds(r.end)},
                       {"cycles", r.cycles},
                       {"time_s", picos_to_seconds(r.exclusive)},
                       {"span_s", picos_to_seconds(r.duration())},
                       {"bytes", r.mem_bytes},
                       {"link_bytes", r.link_bytes},
                       {"flops", r.flops},
                       {"m", r.m},
                       {"n", r.n},
                       {"k", r.k},
                       {"groups", r.groups},
                       {"weight_dtype", dtype_name(r.weight_dtype)},
                       {"act_dtype", dtype_name(r.act_dtype)},
                       {"kv_dtype", dtype_name(r.kv_dtype)},
                       {"roofline_s", picos_to_seconds(r.roofline)},
                       {"bound", r.bound},
                       {"reused", r.reused},
                       {"breakdown", parts}});
    if (req.scenario.turn) kernels.back()["phase"] = phase_name(r.phase);
  }
  json scenario = req.scenario.schema().dump(req.scenario);
  // The turn keys mean nothing to plain decode; its results stay as they were.
  if (!req.scenario.turn)
    for (const auto& key : workload::turn_only_keys()) scenario.erase(key);
  // Model residency means something only where there is a tier below HBM.
  if (req.cfg.system.arch != system::Arch::Rdu) scenario.erase("tiers");
  json j;
  j["schema"] = kResultSchema;
  j["version"] = {{"decodesim", version_string()}};
  j["seed"] = req.cfg.sim.seed;
  j["system"] = {{"name", req.cfg.system.name}, {"arch", system::arch_name(req.cfg.system.arch)},
                 {"chips", res.chips}, {"file", req.cfg.source_file}};
  if (req.graphs.empty()) {
    j["model"] = {{"name", req.model.name}, {"config", req.model.schema().dump(req.model)},
                  {"parameters", req.model.parameter_count()}};
  } else {
    // Explicit steps (decodesim gemm) have no model: the parameters are the GEMMs' weights.
    std::uint64_t params = 0;
    for (const auto& k : req.graphs.front().kernels)
      if (k.kind == KernelKind::Gemm) params += k.groups * k.k * k.n;
    j["model"] = {{"name", req.model.name}, {"parameters", params}};
  }
  j["scenario"] = scenario;
  j["config"] = req.cfg.resolved();
  j["summary"] = {{"tokens_per_s", s.tokens_per_s},
                  {"tokens_per_s_per_user", s.tokens_per_s_per_user},
                  {"token_latency_s", s.token_latency_s},
                  {"roofline_latency_s", s.roofline_latency_s},
                  {"roofline_ratio", s.roofline_ratio},
                  {"energy_per_token_j", s.energy_per_token_j},
                  {"average_power_w_per_chip", s.energy.average_w_per_chip()},
                  {"hbm_pj_per_byte", s.energy.hbm_pj_per_byte},
                  {"sram_pj_per_byte", s.energy.sram_pj_per_byte},
                  {"hbm_bytes", s.hbm_bytes},
                  {"hbm_bytes_per_token_per_chip", s.hbm_bytes_per_token_per_chip},
                  {"achieved_hbm_bw_bytes_per_s", s.achieved_hbm_bw_bytes_per_s},
                  {"peak_hbm_bw_bytes_per_s", s.peak_hbm_bw_bytes_per_s},
                  {"peak_flops_per_chip", res.peak_flops},
                  {"link_bw_bytes_per_s", res.link_bytes_per_s},
                  {"flops", s.flops},
                  {"simulated_time_s", picos_to_seconds(res.total_time)},
                  {"bottleneck", s.bottleneck}};
  j["energy"] = s.energy.to_json();
  json layers = json::array();
  const double tokens = req.scenario.emitted_tokens(), total = picos_to_seconds(res.total_time);
  for (const auto& r : layer_rows(res)) {
    json by_bound = json::object(), parts_s = json::object();
    for (const auto& [b, t] : r.bound_time) by_bound[b] = t / tokens;
    for (const auto& [k, v] : r.parts) parts_s[std::string(time_part_name(k)) + "_s"] = v / tokens;
    layers.push_back({{"op", r.op},
                      {"count", r.count},
                      {"time_per_token_s", r.time / tokens},
                      {"share", total > 0 ? r.time / total : 0},
                      {"bytes_per_token", r.bytes / tokens},
                      {"flops_per_token", r.flops / tokens},
                      {"roofline_per_token_s", r.roofline / tokens},
                      {"bound", r.bound},
                      {"time_by_bound_s", by_bound},
                      {"breakdown", parts_s},
                      {"where", r.stalls}});
  }
  j["layer_types"] = layers;
  json partition = json::object();
  for (const auto& [k, v] : time_partition(res, req.scenario.emitted_tokens()))
    partition[std::string(time_part_name(k)) + "_s"] = v;
  if (!partition.empty()) j["summary"]["time_per_token_breakdown"] = partition;
  j["reuse"] = {{"enabled", req.cfg.sim.reuse},
                {"reused", res.reused_layers + (res.chips - res.simulated_chips)},
                {"layers", res.reused_layers},
                {"chips", res.chips - res.simulated_chips}};
  j["conservation"] = {{"workload_bytes", res.workload_memory_bytes},
                       {"memory_served_bytes", res.memory_served_bytes}};
  if (res.lpu) j[system::arch_name(req.cfg.system.arch)] = lpu_summary_json(*res.lpu);
  else if (!res.arch_summary.is_null()) j[system::arch_name(req.cfg.system.arch)] = res.arch_summary;
  j["notes"] = res.notes;
  if (req.scenario.turn) j["turn"] = turn_json(turn_metrics(req, res, req.speculative_ref.draft_step_s, req.speculative_ref.decode_step_s));
  j["kernels"] = kernels;
  j["stats"] = res.stats.to_json();
  return j;
}

std::string kernels_csv(const system::RunResult& res) {
  std::ostringstream os;
  // A turn's rows say their phase; plain decode keeps the columns it always had.
  const bool turn = std::any_of(res.records.begin(), res.records.end(),
                                [](const KernelRecord& r) { return r.phase != Phase::Decode; });
  os << "token,chip,layer,name,kind,op,start_s,end_s,time_s,cycles,bytes,link_bytes,flops,roofline_s,bound,reused,"
        "m,n,k,groups,weight_dtype,act_dtype,kv_dtype"
     << (turn ? ",phase" : "") << "\n";
  for (const auto& r : res.records) {
    os << r.token << ',' << r.chip << ',' << r.layer << ',' << r.name << ',' << kernel_kind_name(r.kind) << ','
       << r.op << ',' << fmt("%.12g", picos_to_seconds(r.start)) << ',' << fmt("%.12g", picos_to_seconds(r.end))
       << ',' << fmt("%.12g", picos_to_seconds(r.exclusive)) << ',' << r.cycles << ',' << r.mem_bytes << ','
       << r.link_bytes << ',' << r.flops << ',' << fmt("%.12g", picos_to_seconds(r.roofline)) << ',' << r.bound
       << ',' << (r.reused ? 1 : 0) << ',' << r.m << ',' << r.n << ',' << r.k << ',' << r.groups << ','
       << dtype_name(r.weight_dtype) << ',' << dtype_name(r.act_dtype) << ',' << dtype_name(r.kv_dtype);
    if (turn) os << ',' << phase_name(r.phase);
    os << '\n';
  }
  return os.str();
}

namespace {

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("cannot sync " + path);
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& text, bool durable) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  // mkstemp: an unpredictable name, created exclusively (never through a planted symlink).
  std::string tmp = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    const int e = errno;
    throw std::runtime_error("cannot create a file in " + dir.string() + ": " + std::strerror(e));
  }
  auto fail = [&](const std::string& what) {
    const int e = errno;  // before the cleanup below can overwrite it
    ::close(fd);
    ::unlink(tmp.c_str());
    throw std::runtime_error(what + ": " + std::strerror(e));
  };
  for (std::size_t off = 0; off < text.size();) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write " + tmp);
    off += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) fail("cannot set the mode of " + tmp);
  if (durable && ::fsync(fd) != 0) fail("cannot sync " + tmp);
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot rename into " + path + ": " + std::strerror(e));
  }
  // The rename is only durable once the folder entry is on disk.
  if (durable) fsync_path(dir.string(), O_RDONLY | O_DIRECTORY);
}

}  // namespace decodesim::report
