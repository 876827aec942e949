// Issue 14's chips (B200, TPU v6e, Trainium2, SN40L, Ascend 910B, WSE-3): one sanity test per chip, in-process, one
// simulation per TEST (one process each): the roofline bound holds, average decode power lies
// between the chip's idle power and its TDP, and the bytes served by memory equal the bytes the
// workload needs (reuse off, so every layer is simulated).
#include <gtest/gtest.h>

#include "common/config/error.h"
#include "report/report.h"
#include "sim_harness.h"
#include "system/run.h"

using namespace decodesim;
using decodesim::test::expect_roofline_holds;
using decodesim::test::request;

namespace {

/// Roofline and power always; the bytes only when every layer and shard is simulated (reuse
/// replays layers whose bytes the memory never sees).
system::RunResult expect_sane_run(const system::RunRequest& req, bool bytes = true) {
  const std::string sys = req.cfg.system.name;
  const auto res = system::simulate(req);
  expect_roofline_holds(res);
  if (bytes) {
    EXPECT_EQ(res.memory_served_bytes, res.workload_memory_bytes) << sys;
    Bytes from_records = 0;
    for (const auto& r : res.records) from_records += r.mem_bytes;
    EXPECT_EQ(from_records, res.workload_memory_bytes * res.chips) << sys;  // records cover every chip
  }
  const auto s = report::summarize(req, res);
  EXPECT_GT(s.energy.idle_w, 0) << sys;
  EXPECT_GT(s.energy.average_w_per_chip(), s.energy.idle_w) << sys;
  EXPECT_LT(s.energy.average_w_per_chip(), s.energy.tdp_w) << sys;
  return res;
}

void expect_sane(const std::string& sys, const std::string& model, DType weights = DType::BF16) {
  expect_sane_run(request(sys, model, 2048, {"sim.reuse=false"}, 1, weights));
}

/// A model too large for the system is refused before anything is simulated, naming HBM.
void expect_refused(const std::string& sys, const std::string& model) {
  try {
    system::simulate(request(sys, model, 4096));
    ADD_FAILURE() << sys << " ran " << model;
  } catch (const config::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model does not fit in HBM"), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Chips, B200Llama7bSane) { expect_sane("gpu_b200", "llama2_7b"); }
// The two Hopper parts whose microbenchmarks calibrate the SM (gpu-benches measured both).
TEST(Chips, H100PcieLlama7bSane) { expect_sane("gpu_h100_pcie", "llama2_7b"); }
TEST(Chips, H200Llama8bSane) { expect_sane("gpu_h200", "llama3_8b"); }
// Multi-chip systems on the smaller models: without reuse every chip is elaborated.
TEST(Chips, B200x8Llama7bSane) { expect_sane("gpu_b200_x8", "llama2_7b"); }
TEST(Chips, TpuV6eLlama8bSane) { expect_sane("tpu_v6e", "llama3_8b"); }
TEST(Chips, TpuV6ex8Llama70bInt8Sane) { expect_sane("tpu_v6e_x8", "llama2_70b", DType::INT8); }
TEST(Chips, Trn2Llama7bSane) { expect_sane("trn2", "llama2_7b"); }
TEST(Chips, Trn2x16Llama8bSane) { expect_sane("trn2_x16", "llama3_8b"); }
// MLA and shared experts run on every family's tile: a small DeepSeek-shaped model on the GPU.
TEST(Chips, B200TinyMlaSane) {
  expect_sane("gpu_b200", std::string(DECODESIM_SOURCE_DIR) + "/tests/integration/tiny_mla.yaml");
}
// The MLA attention (one latent row as K and V) on the systolic tile and on the LPU.
TEST(Chips, Trn2x16DeepSeekV3Fp8Sane) { expect_sane("trn2_x16", "deepseek_v3", DType::FP8); }
TEST(Chips, LpuTinyMlaSane) {
  expect_sane("lpu_groq", std::string(DECODESIM_SOURCE_DIR) + "/tests/integration/tiny_mla.yaml");
}

// SambaNova SN40L-16 (arch rdu, three memory tiers; docs/tiers.md).
TEST(Chips, Sn40lx16Llama7bSane) { expect_sane("sn40l_x16", "llama2_7b"); }
TEST(Chips, Sn40lx16Llama3_8bSane) { expect_sane("sn40l_x16", "llama3_8b"); }
// 70B on 16 sockets with every layer simulated costs most of a minute: reuse on, bytes unchecked.
TEST(Chips, Sn40lx16Llama70bSane) { expect_sane_run(request("sn40l_x16", "llama2_70b", 4096), false); }

TEST(Chips, Sn40lx16ModelSwitchCopiesTheWeightShardBeforeTheFirstStep) {
  auto req = request("sn40l_x16", "llama2_7b", 2048, {"sim.reuse=false"});
  req.scenario.tiers.switch_model = true;
  req.scenario.tiers.resident_models = 150;  // sn40l: Samba-CoE's 150 experts
  const auto res = expect_sane_run(req);
  const auto& sw = res.arch_summary.at("model_switch");
  const Bytes shard = workload::resident_weight_bytes_per_chip(req.model, DType::BF16, 16);
  EXPECT_EQ(sw.at("ddr_bytes_read").get<std::uint64_t>(), shard);
  EXPECT_EQ(sw.at("hbm_bytes_written").get<std::uint64_t>(), shard);
  EXPECT_GE(sw.at("time_s").get<double>(), sw.at("roofline_s").get<double>());
  // Decode waits for the weights: its first kernel starts after the switch.
  ASSERT_FALSE(res.records.empty());
  EXPECT_GE(picos_to_seconds(res.records.front().start), sw.at("time_s").get<double>());
}

TEST(Chips, Sn40lx16RefusesMoreResidentModelsThanDdrHolds) {
  auto req = request("sn40l_x16", "llama2_70b", 4096);
  req.scenario.tiers.resident_models = 1000;
  try {
    system::simulate(req);
    ADD_FAILURE() << "1000 x 70B fit in 1.5 TiB of DDR";
  } catch (const config::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("scenario.tiers.resident_models: models do not fit in DDR"), std::string::npos)
        << e.what();
  }
}

// Huawei Ascend 910B (TPU tile with Da Vinci cubes, tpu.mxu.kind: cube).
TEST(Chips, Ascend910bLlama7bSane) { expect_sane("ascend_910b", "llama2_7b"); }
TEST(Chips, Ascend910bLlama3_8bSane) { expect_sane("ascend_910b", "llama3_8b"); }
TEST(Chips, Ascend910bRefusesLlama70b) { expect_refused("ascend_910b", "llama2_70b"); }
TEST(Chips, Ascend910bx8Llama70bSane) { expect_sane_run(request("ascend_910b_x8", "llama2_70b", 4096), false); }
// Batch 16 fills the cube's 16-row fractal: the compute share rises 16-fold, bytes stay exact.
TEST(Chips, Ascend910bBatch16FillsTheCube) {
  auto req = request("ascend_910b", "llama2_7b", 1024, {"sim.reuse=false"});
  req.scenario.batch = 16;
  expect_sane_run(req);
}

// Cerebras WSE-3 (arch wse: layers on regions of a PE mesh, wafers pipelined; docs/wse.md). A
// multi-wafer pipeline holds different layers on each wafer, so its bytes are checked as a sum
// (wse_decode_test), not per chip.
TEST(Chips, Wse3Llama7bSane) { expect_sane("wse3", "llama2_7b"); }
TEST(Chips, Wse3Llama3_8bSane) { expect_sane("wse3", "llama3_8b"); }
TEST(Chips, Wse3RefusesLlama70b) {
  try {
    system::simulate(request("wse3", "llama2_70b", 4096, {}, 1, DType::INT8));
    ADD_FAILURE() << "70B int8 ran on one wafer";
  } catch (const config::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model does not fit in SRAM"), std::string::npos) << e.what();
  }
}
TEST(Chips, Wse3x4Llama70bSane) { expect_sane_run(request("wse3_x4", "llama2_70b", 4096), false); }
TEST(Chips, Wse3x4Llama7bSane) { expect_sane_run(request("wse3_x4", "llama2_7b", 2048), false); }
