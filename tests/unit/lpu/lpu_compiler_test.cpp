// The placement pass: what goes where, what is refused, and that programs carry every weight once.
#include <gtest/gtest.h>

#include "lpu/lpu_compiler.h"
#include "lpu_test_util.h"

using namespace decodesim;
using namespace decodesim::lpu;
using namespace decodesim::lpu::testing;

namespace {

const config::SourceLoc kHere{"test.yaml", 1, 1};

Placement place_on(const std::string& sys, const std::string& m, const workload::Scenario& sc) {
  const auto cfg = load_sys(sys);
  return place(model(m), sc, cfg.lpu, cfg.system.chips, kHere, kHere);
}

}  // namespace

TEST(LpuPlacement, Llama70bInt8On576ChipsUsesEveryStageAndFits) {
  const Placement p = place_on("lpu_llama2_70b", "llama2_70b", scenario(1, 4096, DType::INT8));
  EXPECT_EQ(p.group, 8u);
  ASSERT_EQ(p.stages, 72u);
  ASSERT_EQ(p.stage.size(), 72u);
  EXPECT_TRUE(p.stage.front().embedding);
  EXPECT_TRUE(p.stage.back().head);
  int layers = 0, prev_end = 0;
  for (const auto& s : p.stage) {
    EXPECT_LE(s.resident(), p.capacity) << "stage " << s.index;
    EXPECT_EQ(s.first_layer, prev_end) << "stages must take consecutive layers";
    EXPECT_EQ(s.first_chip, s.index * 8);
    prev_end = s.end_layer;
    layers += s.end_layer - s.first_layer;
  }
  EXPECT_EQ(layers, 80);
}

TEST(LpuPlacement, CutMinimisesTheFullestChip) {
  // Four equal layers over two stages: two each, never three and one.
  Footprint f;
  f.embedding = 1;
  f.head = 1;
  f.layer = {10, 10, 10, 10};
  f.layer_weights = f.layer;
  std::vector<StagePlan> out;
  ASSERT_TRUE(cut_stages(f, 2, 100, &out));
  EXPECT_EQ(out[0].end_layer - out[0].first_layer, 2);
  EXPECT_EQ(out[1].end_layer - out[1].first_layer, 2);
  EXPECT_FALSE(cut_stages(f, 2, 20, nullptr)) << "21 bytes per stage at best";
  EXPECT_FALSE(cut_stages(f, 7, 1000, nullptr)) << "6 units cannot fill 7 stages";
}

TEST(LpuPlacement, RefusalNamesBytesNeededAndSmallestChipCount) {
  const auto sc = scenario(1, 2048, DType::INT8);
  const std::string e = error_of([&] { place_on("lpu_groq", "llama2_7b", sc); });
  EXPECT_NE(e.find("model does not fit in SRAM: llama2_7b needs 7.81 GB"), std::string::npos) << e;
  // The smallest count is the first that the same placement accepts, and one stage fewer is refused.
  const auto cfg = load_sys("lpu_llama2_7b");
  const std::uint32_t need = smallest_fit(model("llama2_7b"), sc, cfg.lpu.mem.capacity_bytes, 8, 4096);
  EXPECT_NE(e.find("at least " + std::to_string(need) + " chips"), std::string::npos) << e;
  EXPECT_NO_THROW(place(model("llama2_7b"), sc, cfg.lpu, need, kHere, kHere));
  EXPECT_NE(error_of([&] { place(model("llama2_7b"), sc, cfg.lpu, need - 8, kHere, kHere); }).find("does not fit"),
            std::string::npos);
}

TEST(LpuPlacement, MoreStagesThanLayersIsRefused) {
  auto cfg = load_sys("lpu_groq");
  const std::string e = error_of([&] { place(model("tiny"), scenario(1, 128, DType::INT8), cfg.lpu, 5, kHere, kHere); });
  EXPECT_NE(e.find("more pipeline stages than tiny has units"), std::string::npos) << e;
}

TEST(LpuPlacement, ProgramsReadEveryWeightExactlyOncePerToken) {
  // Independent of the compiler: per token the system reads each matrix once (sharded), every
  // norm gain once per chip of its group (replicated), and one embedding row per sequence.
  const auto m = model("llama2_7b");
  const auto sc = scenario(1, 2048, DType::INT8);
  const auto cfg = load_sys("lpu_llama2_7b");
  const Placement p = place(m, sc, cfg.lpu, cfg.system.chips, kHere, kHere);
  const KernelGraph g = workload::lower(m, sc, 0, p.group);
  Bytes read = 0;
  for (const auto& s : p.stage)
    for (const auto& k : stage_program(g, s, p.group)) read += k.weight_bytes * p.group;
  const auto b = m.parameter_breakdown();
  Bytes expected = b.attention + b.ffn + b.lm_head + b.norms * p.group + m.hidden;  // int8: 1 B each
  // Plus one bf16 scale per output channel (docs/workloads.md): column-sharded matrices (qkv,
  // gate_up, LM head) split their channels over the group; row-sharded ones (o, down) keep
  // every channel on every chip.
  const Bytes col_channels = (12288 + 22016) * 32 + 32000, row_channels = (4096 + 4096) * 32;
  expected += 2 * col_channels + 2 * row_channels * p.group;
  EXPECT_EQ(read, expected);
}
