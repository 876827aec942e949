// A third-party-style AT target (fixed_latency_target.h) plugged in behind decodesim's memory
// socket, built in through the CMake hook exactly as a user's target would be. It must give the
// time that its latency and bandwidth predict, in LT and in AT, first behind a bare DMA engine
// (to the picosecond) and then inside the TPU and GPU systems.
#include <gtest/gtest.h>

#include <systemc>

#include "fixed_latency_target.h"
#include "memory/dma/dma_engine.h"
#include "memory/tlm/protocol_checker.h"
#include "system/run.h"
#include "../integration/sim_harness.h"

namespace {

using namespace decodesim;

constexpr double kLatencyNs = 200, kGBps = 400;
const std::string kTargetConfig = "latency_ns=200,gbytes_per_s=400,queue_depth=2,boundary_bytes=4096";

struct DmaRig : sc_core::sc_module {
  tlmtest::FixedLatencyTarget mem;
  memory::ProtocolChecker checker;
  memory::DmaEngine dma;
  DmaRig(sc_core::sc_module_name n, memory::TlmMode mode)
      : sc_module(n),
        mem("mem", tlmtest::FixedLatencyParams::parse(kTargetConfig)),
        checker("checker"),
        dma("dma", dma_config(), memory::TlmSettings{mode, 1000 * kPicosPerNs}) {
    // Connect
    dma.socket.bind(checker.target);
    checker.initiator.bind(mem.target);
    dma.target_info.bind(mem);
  }
  static memory::DmaConfig dma_config() {
    memory::DmaConfig c;
    c.chunk_bytes = 16384;
    c.max_outstanding = 8;
    c.issue_interval_ns = 1;
    return c;
  }
};

/// 1 MiB in 16 KiB chunks, 8 in flight: the bus never idles (8 chunks cover the 200 ns latency),
/// so the stream ends at bytes / bandwidth + latency, each 4 KiB piece rounded to the ps.
void dma_stream_matches_prediction(memory::TlmMode mode) {
  DmaRig rig("rig", mode);
  Picos done = 0;
  sc_core::sc_spawn([&] { done = rig.dma.transfer(0, 1 << 20, false, 0); });
  sc_core::sc_start();
  const Picos piece = sc_core::sc_time(4096.0 / (kGBps * 1e9), sc_core::SC_SEC).value() /
                      sc_core::sc_time(1, sc_core::SC_PS).value();
  EXPECT_EQ(done, 256 * piece + static_cast<Picos>(kLatencyNs * 1000));
  EXPECT_EQ(rig.mem.requests(), 256u) << "16 KiB chunks split at the target's 4 KiB boundary";
  EXPECT_EQ(rig.mem.crossed_boundary(), 0u);
}

/// The memory-bound kernels (weight GEMMs of 8 MiB and more) of a Llama-2-7B step each stream
/// their bytes at the target's bandwidth: span ∈ [bytes / bandwidth, bytes / bandwidth + latency
/// + `tile_share` of that]. The share covers the tile's own start and finish, which the target's
/// figures do not predict: the first block's request and the last block's pass through the MXUs
/// (TPU), the L2 round trip and the last wave of CTAs (GPU). Measured at most 1.8 % (TPU O
/// projection, 32 MiB) and 2 % (GPU): 2.5 % for both.
void system_matches_prediction(const std::string& sys, const std::string& mode, double tile_share) {
  const auto req = test::request(sys, "llama2_7b", 512,
                                 {"memory.impl=external", "memory.external=fixed_latency",
                                  "memory.external_config=" + kTargetConfig, "sim.tlm_mode=" + mode,
                                  "sim.check_protocol=true"});
  const system::RunResult res = system::simulate(req);
  EXPECT_EQ(res.peak_mem_bytes_per_s, kGBps * 1e9) << "peak comes from the target's capability interface";
  int checked = 0;
  for (const auto& r : res.records) {
    if (r.kind != KernelKind::Gemm || r.mem_bytes < (Bytes{8} << 20)) continue;
    const Picos stream = static_cast<Picos>(double(r.mem_bytes) / (kGBps * 1e9) * kPicosPerSecond);
    EXPECT_GE(r.duration(), stream) << r.name;
    EXPECT_LE(r.duration(), stream + static_cast<Picos>(kLatencyNs * 1000) + static_cast<Picos>(stream * tile_share))
        << r.name << " bytes " << r.mem_bytes;
    ++checked;
  }
  EXPECT_GT(checked, 3);
  test::expect_roofline_holds(res);
  const StatGroup* mem = nullptr;
  for (const auto& chip : res.stats.groups())
    for (const auto& g : chip.groups())
      if (g.name() == "hbm") mem = &g;  // the memory module is named hbm whatever its impl
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->get("crossed_boundary"), 0.0);
  EXPECT_GT(mem->get("bytes"), 0.0);
}

}  // namespace

TEST(PlugIn, DmaStreamGivesPredictedTimeLt) { dma_stream_matches_prediction(memory::TlmMode::Lt); }
TEST(PlugIn, DmaStreamGivesPredictedTimeAt) { dma_stream_matches_prediction(memory::TlmMode::At); }

TEST(PlugIn, TpuSystemGivesPredictedTimeLt) { system_matches_prediction("tpu_v5e", "lt", 0.025); }
TEST(PlugIn, TpuSystemGivesPredictedTimeAt) { system_matches_prediction("tpu_v5e", "at", 0.025); }
TEST(PlugIn, GpuSystemGivesPredictedTimeLt) { system_matches_prediction("gpu_h100", "lt", 0.025); }

TEST(PlugIn, GpuSystemGivesPredictedTimeAt) { system_matches_prediction("gpu_h100", "at", 0.025); }

TEST(BuiltinHbm, TpuRunInAtPassesTheProtocolCheckerAndServesEveryByte) {
  // The built-in HBM's AT side under the checker, every layer and chip simulated.
  const auto req = test::request("tpu_v5e", "tiny", 128, {"sim.tlm_mode=at", "sim.check_protocol=true", "sim.reuse=false"},
                                 2);
  const system::RunResult res = system::simulate(req);
  test::expect_roofline_holds(res);
  EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes);
  EXPECT_GT(res.total_time, 0u);
}

TEST(BuiltinHbm, GpuRunInAtPassesTheProtocolCheckerAndServesEveryByte) {
  // The SM cluster's memory front end as an AT initiator, every layer and GPU simulated.
  const auto req = test::request("gpu_h100", "tiny", 128,
                                 {"sim.tlm_mode=at", "sim.check_protocol=true", "sim.reuse=false"}, 2);
  const system::RunResult res = system::simulate(req);
  test::expect_roofline_holds(res);
  EXPECT_GT(res.total_time, 0u);
  const StatGroup* hbm = nullptr;
  const StatGroup* front = nullptr;
  for (const auto& chip : res.stats.groups())
    if (chip.name() == "gpu0")
      for (const auto& g : chip.groups()) {
        if (g.name() == "hbm") hbm = &g;
        if (g.name() == "sm_cluster")
          for (const auto& m : g.groups())
            if (m.name() == "mem") front = &m;
      }
  ASSERT_NE(hbm, nullptr);
  ASSERT_NE(front, nullptr);
  // Every transaction the front end issued (misses, write-backs, stores) completed at the memory.
  EXPECT_EQ(hbm->get("bytes_read"), front->get("hbm_read_bytes"));
  EXPECT_EQ(hbm->get("bytes_written"), front->get("hbm_write_bytes"));
  EXPECT_GT(hbm->get("bytes_read"), 0.0);
}
