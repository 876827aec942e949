// Bad input gets one clear line naming where, what and what is allowed; exit status 2; and
// no output folder or file left behind. One TEST per case so each failure reads on its own.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_harness.h"

using namespace decodesim::test;

namespace {

const std::string kSystems = std::string(DECODESIM_SOURCE_DIR) + "/configs/systems/";
const std::string kComponents = std::string(DECODESIM_SOURCE_DIR) + "/configs/components/";

/// A system file in the scratch folder that includes the shipped v5e and then `extra`.
std::string v5e_with(const ScratchDir& d, const std::string& extra) {
  return d.write("sys/bad.yaml", "include: " + kSystems + "tpu_v5e.yaml\n" + extra);
}

std::vector<std::string> run_args(const std::string& system, const std::string& model = "llama2_7b") {
  return {"run", "--system", system, "--model", model};
}

}  // namespace

TEST(BadInput, MalformedYaml) {
  ScratchDir d("bad1");
  const std::string f = d.write("m.yaml", "system:\n  arch: tpu\n  chips: [1, 2\n");
  expect_rejected(d, run_args(f), {"m.yaml:", "malformed YAML"});
}

TEST(BadInput, UnknownKeyNamesFileLineColumnAndAllowedKeys) {
  ScratchDir d("bad2");
  const std::string f = v5e_with(d, "tpu:\n  mxu:\n    rowz: 128\n");
  expect_rejected(d, run_args(f), {"bad.yaml:4:11: tpu.mxu.rowz: unknown key", "allowed one of: count, rows"});
}

TEST(BadInput, WrongType) {
  ScratchDir d("bad3");
  const std::string f = v5e_with(d, "tpu:\n  clock_ghz: fast\n");
  expect_rejected(d, run_args(f), {"bad.yaml:3:14: tpu.clock_ghz: expected a number, got 'fast'"});
}

TEST(BadInput, OutOfRange) {
  ScratchDir d("bad4");
  const std::string f = v5e_with(d, "tpu:\n  clock_ghz: 100\n");
  expect_rejected(d, run_args(f), {"bad.yaml:3:14: tpu.clock_ghz: value out of range, got 100, allowed [0.1, 5]"});
}

TEST(BadInput, NotAPowerOfTwo) {
  ScratchDir d("bad5");
  const std::string f = v5e_with(d, "tpu:\n  mxu: {rows: 100}\n");
  expect_rejected(d, run_args(f), {"tpu.mxu.rows: must be a power of two", "got 100"});
}

TEST(BadInput, MissingInclude) {
  ScratchDir d("bad6");
  const std::string f = d.write("inc.yaml", "include: [nowhere.yaml]\n");
  expect_rejected(d, run_args(f), {"inc.yaml:1:11: include: file not found", "nowhere.yaml"});
}

TEST(BadInput, IncludeCycle) {
  ScratchDir d("bad7");
  d.write("a.yaml", "include: b.yaml\n");
  const std::string b = d.write("b.yaml", "include: a.yaml\n");
  expect_rejected(d, run_args(b), {"include cycle"});
}

TEST(BadInput, ModelTooLargeForHbmNamesChipsNeeded) {
  ScratchDir d("bad8");
  expect_rejected(d, run_args("tpu_v5e", "llama2_70b"), {"hbm: model does not fit in HBM", "llama2_70b",
                                                         "16 chips (system.chips"});
}

TEST(BadInput, MoeModelCountsEveryExpertAgainstGpuHbm) {
  // Mixtral's bf16 weights are ~93 GB with all eight experts; a token touches only two (~26 GB).
  // Every expert must be resident, so an 80 GB A100 refuses it.
  ScratchDir d("bad8moe");
  expect_rejected(d, run_args("gpu_a100", "mixtral_8x7b"),
                  {"hbm: model does not fit in HBM", "mixtral_8x7b", "allowed 2 GPUs"});
}

TEST(BadInput, BatchZero) {
  ScratchDir d("bad9");
  auto a = run_args("tpu_v5e");
  a.insert(a.end(), {"--batch", "0"});
  expect_rejected(d, a, {"--batch:1:1: scenario.batch: value out of range, got 0"});
}

TEST(BadInput, UnknownDtype) {
  ScratchDir d("bad10");
  auto a = run_args("tpu_v5e");
  a.insert(a.end(), {"--weight-dtype", "fp7"});
  expect_rejected(d, a, {"--weight-dtype", "fp7", "bf16"});
}

TEST(BadInput, UnknownSystemListsShippedOnes) {
  ScratchDir d("bad11");
  expect_rejected(d, run_args("tpu_v9"), {"unknown system", "tpu_v9", "tpu_v5e"});
}

TEST(BadInput, UnknownModelListsShippedOnes) {
  ScratchDir d("bad12");
  expect_rejected(d, run_args("tpu_v5e", "llama9"), {"llama9", "llama2_7b"});
}

TEST(BadInput, UnknownKeyViaSet) {
  ScratchDir d("bad13");
  auto a = run_args("tpu_v5e");
  a.insert(a.end(), {"--set", "hbm.stackz=4"});
  expect_rejected(d, a, {"--set:1:", "hbm.stackz: unknown key"});
}

TEST(BadInput, SetWithoutValue) {
  ScratchDir d("bad14");
  auto a = run_args("tpu_v5e");
  a.insert(a.end(), {"--set", "hbm.stacks"});
  expect_rejected(d, a, {"--set", "expected key.path=value"});
}

TEST(BadInput, TorusDimsMustMultiplyToChips) {
  ScratchDir d("bad15");
  auto a = run_args("tpu_v5e_x8");
  a.insert(a.end(), {"--set", "system.torus_dims=[2,2]"});
  expect_rejected(d, a, {"system.torus_dims: x*y must equal system.chips", "2x2"});
}

TEST(BadInput, MeshNeedsALinkToEveryPeer) {
  ScratchDir d("bad15m");
  auto a = run_args("tpu_v5e_x8");
  a.insert(a.end(), {"--set", "system.topology=mesh", "--set", "link.links_per_chip=4"});
  expect_rejected(d, a, {"system.topology: a full mesh of 8 chips needs 7 links per chip", "mesh",
                         "link.links_per_chip >= system.chips - 1"});
}

TEST(BadInput, OneShotAllReduceIsForOneNodeOfGpus) {
  ScratchDir d("bad15o");
  auto a = run_args("tpu_v5e_x8");
  a.insert(a.end(), {"--set", "system.all_reduce=one_shot"});
  expect_rejected(d, a, {"system.all_reduce: one_shot is PyTorch's intra-node GPU all-reduce", "tpu", "schedule"});
  auto g = run_args("gpu_a100_x4");
  g.insert(g.end(), {"--set", "system.all_reduce=one_shot", "--set", "system.chips=16"});
  expect_rejected(d, g, {"system.all_reduce: one_shot serves the GPUs of one node, at most 8", "system.chips <= 8"});
}

TEST(BadInput, TorusNeedsFourLinksPerChip) {
  ScratchDir d("bad15t");
  auto a = run_args("tpu_v5e_x8");
  a.insert(a.end(), {"--set", "link.links_per_chip=2"});
  expect_rejected(d, a, {"system.topology: a 2D torus needs 4 links per chip", "torus2d"});
}

TEST(BadInput, UnknownArchitecture) {
  ScratchDir d("bad16");
  auto a = run_args("tpu_v5e");
  a.insert(a.end(), {"--set", "system.arch=npu"});
  expect_rejected(d, a, {"system.arch: unknown choice, got 'npu'", "tpu"});
}

TEST(BadInput, ContextZero) {
  ScratchDir d("bad17");
  auto a = run_args("tpu_v5e");
  a.insert(a.end(), {"--tokens", "0"});
  expect_rejected(d, a, {"--tokens:1:1: scenario.tokens: value out of range, got 0"});
}

TEST(BadInput, MalformedModelFile) {
  ScratchDir d("bad18");
  const std::string m = d.write("model.yaml", "model:\n  layers: 2\n  hidden: {oops\n");
  expect_rejected(d, run_args("tpu_v5e", m), {"model.yaml:", "malformed YAML"});
}

TEST(BadInput, RtlCoreOfASizeOurRtlDoesNotAllowNamesTheRange) {
  // Sizes within rtl/README.md's range are Verilated on demand (rtl_cli_test); 512 is not.
  ScratchDir d("bad19");
  auto a = run_args("tpu_v5e");
  a.insert(a.end(), {"--set", "tpu.mxu.rows=512", "--set", "tpu.matmul.impl=rtl"});
  expect_rejected(d, a, {"tpu.matmul.impl: our RTL core (rtl/) has no such size for this array",
                         "got 512x128 with weight_buffers 2", "rows 1-256 x cols 2-256", "16x16"});
}

TEST(BadInput, OutIsAnExistingFile) {
  ScratchDir d("bad20");
  const std::string file = d.write("occupied", "x");
  const CliRun r = run_cli({"run", "--system", "tpu_v5e", "--model", "tiny", "--out", file}, d);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(file), "x");
}
