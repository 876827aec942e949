#include "report/html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "report/html_assets.h"

namespace decodesim::report {
using nlohmann::json;

namespace {

/// Page text for an HTML element body: only the characters HTML gives meaning to.
std::string escape_html(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

/// JSON inside <script type="application/json">: "</" would end the element early.
std::string script_safe(const std::string& text) {
  std::string o;
  o.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '!')) o += "\\u003c";
    else o += text[i];
  }
  return o;
}

struct Slice {
  std::int64_t start, dur;
  std::size_t name;
};

std::int64_t to_ps(double us) { return static_cast<std::int64_t>(std::llround(us * 1e6)); }

/// Merges slices whose starts fall in the same of `bins` equal bins of [t0, t1]: the merged
/// slice covers its members and carries the longest member's name.
std::vector<Slice> merge_slices(const std::vector<Slice>& in, std::int64_t t0, std::int64_t t1, std::size_t bins) {
  std::vector<Slice> out;
  const double w = static_cast<double>(std::max<std::int64_t>(1, t1 - t0)) / static_cast<double>(bins);
  std::int64_t cur_bin = -1, longest = -1;
  for (const auto& s : in) {
    const auto b = static_cast<std::int64_t>(static_cast<double>(s.start - t0) / w);
    if (b != cur_bin || out.empty()) {
      out.push_back(s);
      cur_bin = b;
      longest = s.dur;
      continue;
    }
    Slice& m = out.back();
    const std::int64_t end = std::max(m.start + m.dur, s.start + s.dur);
    if (s.dur > longest) { longest = s.dur; m.name = s.name; }
    m.dur = end - m.start;
  }
  return out;
}

/// Time-weighted mean of a step-function counter over `bins` equal bins of [t0, t1].
void average_counter(std::vector<std::int64_t>& t, std::vector<double>& v, std::int64_t t0, std::int64_t t1,
                     std::size_t bins) {
  std::vector<double> sum(bins, 0), covered(bins, 0);
  const double w = static_cast<double>(std::max<std::int64_t>(1, t1 - t0)) / static_cast<double>(bins);
  for (std::size_t i = 0; i < t.size(); ++i) {
    double a = static_cast<double>(t[i] - t0), b = static_cast<double>((i + 1 < t.size() ? t[i + 1] : t1) - t0);
    while (a < b) {
      const auto bin = std::min(bins - 1, static_cast<std::size_t>(std::max(0.0, a / w)));
      const double edge = std::min(b, static_cast<double>(bin + 1) * w);
      const double span = std::max(edge - a, 0.0);
      sum[bin] += v[i] * span;
      covered[bin] += span;
      if (edge <= a) break;
      a = edge;
    }
  }
  std::vector<std::int64_t> nt;
  std::vector<double> nv;
  for (std::size_t b = 0; b < bins; ++b) {
    if (covered[b] <= 0) continue;
    nt.push_back(t0 + static_cast<std::int64_t>(std::llround(static_cast<double>(b) * w)));
    nv.push_back(std::round(sum[b] / covered[b] * 1e4) / 1e4);
  }
  t.swap(nt);
  v.swap(nv);
}

}  // namespace

json timeline_from_trace(const std::string& trace_json, std::size_t budget_bytes) {
  json tl = {{"unit", 1e-12}, {"tracks", json::array()}, {"counters", json::array()}, {"names", json::array()}};
  if (trace_json.empty()) return tl;
  const json trace = json::parse(trace_json);
  std::map<int, std::pair<int, std::string>> thread;  // tid -> (pid, name)
  std::map<int, std::vector<Slice>> slices;
  std::map<std::pair<int, std::string>, std::pair<std::vector<std::int64_t>, std::vector<double>>> counters;
  std::map<std::string, std::size_t> name_ids;
  std::vector<std::string> names;
  std::int64_t t0 = INT64_MAX, t1 = INT64_MIN;
  for (const auto& e : trace.at("traceEvents")) {
    const std::string ph = e.value("ph", "");
    if (ph == "M" && e.value("name", "") == "thread_name") {
      thread[e.at("tid").get<int>()] = {e.at("pid").get<int>(), e.at("args").at("name").get<std::string>()};
    } else if (ph == "X") {
      const std::string name = e.at("name").get<std::string>();
      auto [it, fresh] = name_ids.emplace(name, names.size());
      if (fresh) names.push_back(name);
      const Slice s{to_ps(e.at("ts").get<double>()), to_ps(e.at("dur").get<double>()), it->second};
      slices[e.at("tid").get<int>()].push_back(s);
      t0 = std::min(t0, s.start);
      t1 = std::max(t1, s.start + s.dur);
    } else if (ph == "C") {
      auto& c = counters[{e.at("pid").get<int>(), e.at("name").get<std::string>()}];
      const std::int64_t t = to_ps(e.at("ts").get<double>());
      c.first.push_back(t);
      c.second.push_back(e.at("args").at("value").get<double>());
      t0 = std::min(t0, t);
      t1 = std::max(t1, t);
    }
  }
  if (t0 > t1) return tl;
  std::size_t n_slices = 0, n_samples = 0;
  for (auto& [tid, v] : slices) {
    std::stable_sort(v.begin(), v.end(), [](const Slice& a, const Slice& b) { return a.start < b.start; });
    n_slices += v.size();
  }
  for (auto& [key, c] : counters) n_samples += c.first.size();
  // About 30 bytes per slice (three numbers) and 20 per counter sample; slices get 3/4.
  const std::size_t max_slices = budget_bytes * 3 / 4 / 30, max_samples = budget_bytes / 4 / 20;
  std::string note;
  if (n_slices > max_slices) {
    const std::size_t bins = std::max<std::size_t>(200, max_slices / std::max<std::size_t>(1, slices.size()));
    std::size_t after = 0;
    for (auto& [tid, v] : slices) {
      if (v.size() > bins) v = merge_slices(v, t0, t1, bins);
      after += v.size();
    }
    char buf[300];
    std::snprintf(buf, sizeof buf,
                  "Timeline downsampled to fit the page: %zu trace slices shown as %zu (slices starting within the "
                  "same 1/%zu of the run on one track are merged; a merged slice spans its members and carries its "
                  "longest member's name). The --trace file holds every event.",
                  n_slices, after, bins);
    note = buf;
  }
  if (n_samples > max_samples) {
    const std::size_t bins = std::max<std::size_t>(200, max_samples / std::max<std::size_t>(1, counters.size()));
    for (auto& [key, c] : counters)
      if (c.first.size() > bins) average_counter(c.first, c.second, t0, t1, bins);
    char buf[200];
    std::snprintf(buf, sizeof buf, " Counters averaged (time-weighted) over 1/%zu of the run each.", bins);
    note += (note.empty() ? "Timeline downsampled to fit the page." : "") + std::string(buf);
  }
  for (const auto& [tid, v] : slices) {
    json flat = json::array();
    for (const auto& s : v) {
      flat.push_back(s.start);
      flat.push_back(s.dur);
      flat.push_back(s.name);
    }
    const auto th = thread.count(tid) ? thread.at(tid) : std::pair<int, std::string>{0, "track " + std::to_string(tid)};
    tl["tracks"].push_back({{"chip", th.first}, {"name", th.second}, {"s", flat}});
  }
  for (const auto& [key, c] : counters)
    tl["counters"].push_back({{"chip", key.first}, {"name", key.second}, {"t", c.first}, {"v", c.second}});
  tl["names"] = names;
  tl["t0"] = t0;
  tl["t1"] = t1;
  if (!note.empty()) tl["downsampled"] = note;
  return tl;
}

json for_page(const json& result) {
  json r = result;
  r.erase("stats");
  // Kernels as a table of the fields the pages draw: a 70B run on 8 chips has ~9000 kernels,
  // and one object each with its breakdown would take most of the 5 MB page budget.
  static const char* kCols[] = {"name", "kind", "op", "chip", "token", "span_s", "time_s", "bytes", "flops", "bound",
                                "reused", "m", "n", "k", "groups", "weight_dtype", "act_dtype", "kv_dtype"};
  json rows = json::array();
  for (const auto& k : result.value("kernels", json::array())) {
    json row = json::array();
    for (const char* c : kCols) row.push_back(k.contains(c) ? k[c] : json());
    rows.push_back(std::move(row));
  }
  r["kernels"] = {{"cols", kCols}, {"rows", rows}};
  return r;
}

std::string html_page(const std::string& title, const json& data) {
  std::string page;
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // The page may load nothing: inline script and style only, no fetch, no image but data: URLs.
  page += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
          "style-src 'unsafe-inline'; img-src data:\">\n";
  page += "<meta name=\"generator\" content=\"decodesim\">\n<title>" + escape_html(title) + "</title>\n";
  page += "<style>\n" + std::string(assets::kReportCss) + "</style>\n</head>\n<body>\n<header></header>\n<main></main>\n";
  page += "<script type=\"application/json\" id=\"data\">" + script_safe(data.dump()) + "</script>\n";
  page += "<script>\n" + std::string(assets::kReportJs) + "</script>\n</body>\n</html>\n";
  return page;
}

std::string run_html(const json& result, const std::string& trace_json, const std::string& kind) {
  const json data = {{"kind", kind},
                     {"title", kind == "gemm" ? "decodesim gemm" : "decodesim run"},
                     {"result", for_page(result)},
                     {"timeline", timeline_from_trace(trace_json)}};
  return html_page("decodesim " + kind + ": " + result["system"]["name"].get<std::string>() + " " +
                       result["model"]["name"].get<std::string>(),
                   data);
}

}  // namespace decodesim::report
