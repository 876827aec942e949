// The three-tier memory's model switch: a DDR tier (configs/components/ddr5.yaml), an HBM
// (hbm3.yaml) shared through a TierMux by a decode initiator and the ModelSwitch engine. Each
// TEST builds its rigs before sc_start and runs its body as the simulation's only thread.
#include <gtest/gtest.h>

#include <systemc>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/sc_time_conv.h"
#include "common/config/node.h"
#include "memory/dma/dma_engine.h"
#include "memory/hbm/hbm.h"
#include "tiers/model_switch.h"
#include "tiers/tier_mux.h"
#include "tiers/tiers_config.h"

using namespace decodesim;

namespace {

std::string component(const std::string& name) {
  return std::string(DECODESIM_SOURCE_DIR) + "/configs/components/" + name + ".yaml";
}

/// One socket's memory: DDR, HBM behind a TierMux, the model-switch engine and a decode DMA.
struct SocketRig : sc_core::sc_module {
  tiers::TiersConfig tcfg;
  memory::HbmConfig hcfg;
  memory::Hbm ddr;
  memory::Hbm hbm;
  tiers::TierMux mux;
  tiers::ModelSwitch mover;
  memory::DmaEngine decode;

  SocketRig(sc_core::sc_module_name n, std::vector<std::string> sets, memory::TlmSettings tlm = {})
      : sc_module(n),
        tcfg(load_tiers(sets)),
        hcfg(memory::HbmConfig::from(config::load_file(component("hbm3")))),
        ddr("ddr", tcfg.ddr),
        hbm("hbm", hcfg),
        mux("mux", hbm),
        mover("mover", tcfg.mover, tlm),
        decode("decode", memory::DmaConfig{65536, 32, 1, 0}, tlm) {
    // Connect
    mux.out.bind(hbm.target);
    memory::bind_memory(decode, mux);
    memory::bind_memory(mover.ddr_dma, ddr);
    mover.hbm_dma.socket.bind(mux.switch_in);
    mover.hbm_dma.target_info.bind(hbm);
  }

  static tiers::TiersConfig load_tiers(const std::vector<std::string>& sets) {
    config::Node root = config::load_file(component("ddr5"));
    for (const auto& s : sets) config::apply_set(root, s);
    tiers::TiersConfig c;
    tiers::TiersConfig::schema().read(root.find("tiers"), "tiers", c);
    return c;
  }

  double bound_s(Bytes bytes) const {
    return static_cast<double>(bytes) / std::min(tcfg.ddr.peak_bytes_per_s(), hcfg.peak_bytes_per_s());
  }
};

void run(const std::function<void()>& body) {
  sc_core::sc_spawn(body);
  sc_core::sc_start();
}

constexpr Bytes kModel = Bytes{256} << 20;  // a 256 MiB weight shard

}  // namespace

TEST(ModelSwitch, CopiesEveryByteOnceAndNeverBeatsTheSlowerTier) {
  SocketRig rig("rig", {});
  double secs = 0;
  run([&] {
    const Picos start = sc_now_picos();
    secs = picos_to_seconds(rig.mover.copy(Bytes{1} << 30, 0, kModel, start) - start);
  });
  EXPECT_EQ(rig.mover.ddr_bytes_read(), kModel);
  EXPECT_EQ(rig.mover.hbm_bytes_written(), kModel);
  EXPECT_EQ(rig.ddr.bytes_read(), kModel);
  EXPECT_EQ(rig.ddr.bytes_written(), 0u);
  EXPECT_EQ(rig.hbm.bytes_written(), kModel);
  EXPECT_EQ(rig.hbm.bytes_read(), 0u);
  // DDR (230 GB/s) is the slower tier: the copy is bound by it, and a streaming DRAM reaches
  // most of its peak.
  EXPECT_GE(secs, rig.bound_s(kModel));
  EXPECT_LT(secs, 1.25 * rig.bound_s(kModel));
}

TEST(ModelSwitch, StagingBuffersOverlapTheReadOfOneBlockWithTheWriteOfThePrevious) {
  // One write in flight on the HBM side makes each block's write cost about a quarter of its
  // DDR read (one HBM latency per 64 KiB). One staging buffer serialises read and write; two
  // hide the write behind the next read, leaving the DDR bound.
  const std::vector<std::string> slow_writes = {"tiers.mover.hbm_dma.max_outstanding=1"};
  auto with = [&](const char* buffers) {
    auto sets = slow_writes;
    sets.push_back(buffers);
    return sets;
  };
  SocketRig one("one", with("tiers.mover.buffers=1"));
  SocketRig two("two", with("tiers.mover.buffers=2"));
  double t1 = 0, t2 = 0;
  run([&] {
    Picos s = sc_now_picos();
    t1 = picos_to_seconds(one.mover.copy(0, 0, kModel, s) - s);
    s = sc_now_picos();
    t2 = picos_to_seconds(two.mover.copy(0, 0, kModel, s) - s);
  });
  EXPECT_GT(t1, 1.2 * t2) << "one buffer " << t1 << " s, two " << t2 << " s";
  EXPECT_GE(t2, two.bound_s(kModel));
  EXPECT_LT(t2, 1.25 * two.bound_s(kModel));
}

TEST(TierMux, DecodeTrafficAndTheSwitchShareTheHbmInAt) {
  // Both initiators in the 4-phase protocol through the mux: every response reaches the
  // initiator that sent the request, and the HBM serves the sum of both.
  const memory::TlmSettings at{memory::TlmMode::At, 100000};
  SocketRig rig("rig", {}, at);
  const Bytes decode_bytes = Bytes{64} << 20;
  Picos sw_done = 0, dec_done = 0;
  sc_core::sc_spawn([&] { sw_done = rig.mover.copy(0, 0, kModel, sc_now_picos()); });
  sc_core::sc_spawn([&] { dec_done = rig.decode.transfer(Bytes{1} << 30, decode_bytes, false, sc_now_picos()); });
  sc_core::sc_start();
  EXPECT_GT(sw_done, 0u);
  EXPECT_GT(dec_done, 0u);
  EXPECT_EQ(rig.hbm.bytes_written(), kModel);
  EXPECT_EQ(rig.hbm.bytes_read(), decode_bytes);
  EXPECT_EQ(rig.mux.bytes_served(), kModel + decode_bytes);
}
