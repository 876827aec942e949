// The --trace file as Perfetto reads it: no partly overlapping slices on a track, slices that say
// what they did, and layer reuse that still shows every layer's activity.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "cli_harness.h"

using namespace decodesim::test;
using nlohmann::json;

namespace {

json traced_run(const ScratchDir& d, std::vector<std::string> args) {
  args.insert(args.begin(), {"run", "--quiet", "--trace", d.path("t.json")});
  const CliRun r = run_cli(args, d);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(slurp(d.path("t.json")));
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// Track name by (pid, tid), from the thread_name metadata.
std::map<std::pair<int, int>, std::string> track_names(const json& t) {
  std::map<std::pair<int, int>, std::string> names;
  for (const auto& e : t["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name") names[{e["pid"], e["tid"]}] = e["args"]["name"];
  return names;
}

/// Perfetto nests slices on a track but cannot draw two that partly overlap. Times are compared
/// in the file's microseconds with a picosecond of slack for the decimal rendering.
void expect_no_partial_overlap(const json& t) {
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> by_track;
  for (const auto& e : t["traceEvents"])
    if (e["ph"] == "X") {
      const double ts = e["ts"], dur = e["dur"];
      by_track[{e["pid"], e["tid"]}].emplace_back(ts, ts + dur);
    }
  ASSERT_FALSE(by_track.empty());
  const auto names = track_names(t);
  constexpr double kEps = 1e-6;
  std::size_t slices = 0;
  for (auto& [key, v] : by_track) {
    ASSERT_TRUE(names.count(key)) << "slice on a track without a name: pid " << key.first << " tid " << key.second;
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    std::vector<double> open;  // ends of the enclosing slices
    for (const auto& [s, e] : v) {
      ++slices;
      while (!open.empty() && open.back() <= s + kEps) open.pop_back();
      if (!open.empty()) {
        ASSERT_LE(e, open.back() + kEps) << "track '" << names.at(key) << "': slice [" << s << ", " << e
                                         << ") partly overlaps one ending at " << open.back();
      }
      open.push_back(e);
    }
  }
  EXPECT_GT(slices, 100u);
}

std::vector<const json*> slices_on(const json& t, const std::string& track_prefix) {
  const auto names = track_names(t);
  std::vector<const json*> out;
  for (const auto& e : t["traceEvents"])
    if (e["ph"] == "X" && names.at({e["pid"], e["tid"]}).rfind(track_prefix, 0) == 0) out.push_back(&e);
  return out;
}

}  // namespace

TEST(Trace, TpuTracksHaveNoPartlyOverlappingSlices) {
  ScratchDir d("trace-tpu");
  const json t = traced_run(d, {"--system", "tpu_v5e", "--model", "llama2_7b", "--context", "512", "--tokens", "2"});
  expect_no_partial_overlap(t);
  // The DMA keeps several blocks in flight: they need more than one drawn track.
  const auto names = track_names(t);
  EXPECT_TRUE(std::any_of(names.begin(), names.end(), [](const auto& kv) { return kv.second == "dma #2"; }));
}

TEST(Trace, GpuTracksHaveNoPartlyOverlappingSlices) {
  ScratchDir d("trace-gpu");
  expect_no_partial_overlap(traced_run(d, {"--system", "gpu_h100", "--model", "llama2_7b", "--context", "512"}));
}

TEST(Trace, LpuTracksHaveNoPartlyOverlappingSlices) {
  ScratchDir d("trace-lpu");
  expect_no_partial_overlap(traced_run(d, {"--system", "lpu_llama2_7b", "--model", "llama2_7b", "--context", "512"}));
}

TEST(Trace, KernelSlicesCarryBytesFlopsShapeBoundAndLayer) {
  ScratchDir d("trace-args");
  const json t = traced_run(d, {"--system", "tpu_v5e", "--model", "llama2_7b", "--context", "512"});
  bool saw_gemm = false;
  for (const json* e : slices_on(t, "kernels")) {
    const json& a = (*e)["args"];
    for (const char* k : {"bytes", "shape", "bound"}) EXPECT_TRUE(a.contains(k)) << (*e)["name"] << " lacks " << k;
    if ((*e)["name"] == "L3.qkv") {
      saw_gemm = true;
      EXPECT_EQ(a["layer"], 3);
      EXPECT_GT(a["flops"].get<double>(), 0);
      EXPECT_GT(a["bytes"].get<double>(), 0);
    }
  }
  EXPECT_TRUE(saw_gemm);
  for (const json* e : slices_on(t, "dma")) {
    EXPECT_TRUE((*e)["args"].contains("layer") || (*e)["name"].get<std::string>().rfind("L", 0) != 0) << (*e)["name"];
    EXPECT_GT((*e)["args"]["bytes"].get<double>(), 0) << (*e)["name"];
  }
  for (const json* e : slices_on(t, "mxu")) EXPECT_GT((*e)["args"]["flops"].get<double>(), 0) << (*e)["name"];
}

// With reuse, layers 2.. are replayed from layer 1: the trace must still show their DMA and MXU
// work, marked as replayed, and the HBM bandwidth counter must not fall silent over them.
TEST(Trace, ReplayedLayersShowUnitActivityAndMemoryCounter) {
  ScratchDir d("trace-reuse");
  const json t = traced_run(d, {"--system", "tpu_v5e", "--model", "llama2_7b", "--context", "512", "--set",
                                "sim.reuse=true"});
  std::map<int, int> dma_per_layer, mxu_per_layer, replayed_dma;
  for (const json* e : slices_on(t, "dma"))
    if ((*e)["args"].contains("layer")) {
      const int L = (*e)["args"]["layer"];
      ++dma_per_layer[L];
      if ((*e)["args"].value("replayed", false)) ++replayed_dma[L];
    }
  for (const json* e : slices_on(t, "mxu"))
    if ((*e)["args"].contains("layer")) ++mxu_per_layer[(*e)["args"]["layer"].get<int>()];
  ASSERT_EQ(dma_per_layer.size(), 32u);
  for (int L = 2; L < 32; ++L) {
    EXPECT_EQ(dma_per_layer[L], dma_per_layer[1]) << "layer " << L;
    EXPECT_EQ(mxu_per_layer[L], mxu_per_layer[1]) << "layer " << L;
    EXPECT_EQ(replayed_dma[L], dma_per_layer[L]) << "layer " << L << " is replayed: its slices say so";
  }
  EXPECT_EQ(replayed_dma.count(0) + replayed_dma.count(1), 0u);

  // Every replayed span (marked on the "replay" track) has HBM bandwidth samples inside it.
  std::vector<double> samples;
  for (const auto& e : t["traceEvents"])
    if (e["ph"] == "C" && ends_with(e["name"].get<std::string>(), ".GBps")) samples.push_back(e["ts"]);
  std::sort(samples.begin(), samples.end());
  const auto spans = slices_on(t, "replay");
  ASSERT_EQ(spans.size(), 30u);
  for (const json* s : spans) {
    const double from = (*s)["ts"], to = from + (*s)["dur"].get<double>();
    const auto n = std::upper_bound(samples.begin(), samples.end(), to) - std::lower_bound(samples.begin(), samples.end(), from);
    EXPECT_GT(n, 5) << (*s)["name"] << " [" << from << ", " << to << ") us";
  }
}
