// The LPU's SystemC run against its compiler. The chips execute the compiled instruction
// streams and send every activation over C2C link modules; their times must agree with the
// compile-time prediction exactly, instruction by instruction, on one chip, on a pipeline, on
// Llama-2-7B's 72 chips (with every chip elaborated too) and on Llama-2-70B's cross-node
// groups. And the check is real: a link the run times differently from the compiler's model is
// caught at the first instruction that feels it, named with its chip, index and opcode.
#include <gtest/gtest.h>

#include <systemc>

#include "common/base/sc_time_conv.h"
#include "lpu_test_util.h"
#include "system/lpu_system.h"

using namespace decodesim;
using namespace decodesim::lpu::testing;

namespace {

system::RunRequest request(const std::string& sys, const std::string& m, const workload::Scenario& sc,
                           const std::vector<std::string>& sets = {}) {
  system::RunRequest req;
  req.cfg = load_sys(sys, sets);
  req.model = model(m);
  req.scenario = sc;
  return req;
}

struct Outcome {
  std::string violation;
  std::uint64_t executed = 0, compiled = 0;  ///< instructions, all simulated chips and tokens
  Picos run_total = 0, compiled_total = 0;   ///< when the last token's output landed
  std::uint32_t chips = 0;
};

/// Compiles, elaborates the system netlist with the LPU's builder, `link` timing the link
/// modules, and runs it.
Outcome run(const system::RunRequest& req, const memory::LinkConfig& link) {
  system::LpuArch arch(req, link);
  const system::LpuCompiled& compiled = arch.compiled();
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  system::SystemTop top("system", arch, nullptr);
  sc_core::sc_start(to_sc_time(static_cast<Picos>(req.cfg.sim.max_simulated_s * kPicosPerSecond)));
  Outcome o;
  o.violation = system::LpuArch::first_violation(top);
  o.chips = static_cast<std::uint32_t>(top.chips());
  for (std::uint32_t c = 0; c < top.chips(); ++c) {
    const lpu::LpuChip& chip = system::LpuArch::tsp(top, c);
    EXPECT_TRUE(chip.finished()) << chip.name();
    o.executed += chip.executed();
  }
  for (const auto& p : compiled.plans)
    for (const auto& e : p->expected) o.compiled += e.events.size() * compiled.per_stage();
  o.compiled_total = compiled.plans.back()->expected.back().send_done;
  o.run_total = system::LpuArch::tsp(top, o.chips - 1).runs().back().send_done;
  if (!o.violation.empty()) {
    EXPECT_THROW(arch.collect(top), system::SimulationError);
  }
  return o;
}

void expect_exact(const Outcome& o, std::uint32_t chips) {
  EXPECT_EQ(o.violation, "") << "the run left the compiled schedule";
  EXPECT_EQ(o.chips, chips);
  EXPECT_GT(o.compiled, 0u);
  EXPECT_EQ(o.executed, o.compiled) << "every compiled instruction runs once";
  EXPECT_EQ(o.run_total, o.compiled_total);
}

}  // namespace

TEST(LpuRun, TinyOnOneChipRunsExactlyAsCompiled) {
  const auto req = request("lpu_groq", "tiny", scenario(1, 128, DType::INT8, 3));
  expect_exact(run(req, req.cfg.link), 1);
}

TEST(LpuRun, TinyPipelineOfFourChipsRunsExactlyAsCompiled) {
  // Three tokens, so the sampled token's return to stage 0 is on the path twice.
  const auto req = request("lpu_groq", "tiny", scenario(1, 128, DType::INT8, 3), {"system.chips=4"});
  expect_exact(run(req, req.cfg.link), 4);
}

TEST(LpuRun, Llama2_7bRunsExactlyAsCompiled) {
  const auto req = request("lpu_llama2_7b", "llama2_7b", scenario(1, 2048, DType::INT8));
  expect_exact(run(req, req.cfg.link), 9);
}

TEST(LpuRun, Llama2_7bWithEveryChipElaboratedRunsExactlyAsCompiled) {
  // 72 chips: each all-reduce step waits on the node-mate ring neighbour's piece.
  auto req = request("lpu_llama2_7b", "llama2_7b", scenario(1, 2048, DType::INT8));
  req.cfg.sim.reuse = false;
  expect_exact(run(req, req.cfg.link), 72);
}

TEST(LpuRun, Llama2_70bAcrossNodesRunsExactlyAsCompiled) {
  // 18 stages of 32 chips in 4 nodes: the reduction crosses nodes over the global ports.
  const auto req = request("lpu_llama2_70b", "llama2_70b", scenario(1, 4096, DType::INT8, 2));
  expect_exact(run(req, req.cfg.link), 18);
}

TEST(LpuRun, ASlowerLinkIsCaughtAtTheFirstDivergingInstruction) {
  // The compiler models the link with req.cfg.link; the run's link modules are 1 ns slower.
  // The first message on the path is stage 0's first exchange (the embedding's all-gather):
  // it must be named, with its compiled and its run times.
  const auto req = request("lpu_llama2_7b", "llama2_7b", scenario(1, 2048, DType::INT8));
  memory::LinkConfig slow = req.cfg.link;
  slow.latency_ns += 1;
  const system::LpuCompiled compiled = system::compile_lpu(req);
  const auto& events = compiled.plans[0]->expected[0].events;
  std::size_t i = 0;
  while (i < events.size() && events[i].port == lpu::Port::None) ++i;
  ASSERT_LT(i, events.size());
  const lpu::UnitEvent& e = events[i];
  const Outcome o = run(req, slow);
  EXPECT_EQ(o.violation, "chip0 token 0 instruction " + std::to_string(i) + " C2C_EXCHANGE " + e.name +
                             ": expected [" + std::to_string(e.start) + ", " + std::to_string(e.end) + "] ps, got [" +
                             std::to_string(e.start) + ", " + std::to_string(e.end + 1000) + "] ps");
  EXPECT_GT(o.run_total, o.compiled_total) << "the slower link makes the run later";
}

TEST(LpuRun, ASlowerStageHandOffIsCaughtOnTheSendingChip) {
  // One chip per stage and no collectives: the first message is stage 0's hand-off.
  const auto req = request("lpu_groq", "tiny", scenario(1, 128, DType::INT8), {"system.chips=4"});
  memory::LinkConfig slow = req.cfg.link;
  slow.bandwidth_gbytes_per_s /= 2;
  const Outcome o = run(req, slow);
  EXPECT_NE(o.violation.find("chip0 token 0 instruction "), std::string::npos) << o.violation;
  EXPECT_NE(o.violation.find(" C2C_SEND send.stage1: expected ["), std::string::npos) << o.violation;
  EXPECT_GT(o.run_total, o.compiled_total);
}
