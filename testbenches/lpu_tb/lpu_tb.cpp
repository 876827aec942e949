// lpu_tb: one LPU chip running one GEMM, or a two-chip C2C pair (chip 0's GEMM output handed to
// chip 1 over a C2C link module, where a second GEMM consumes it), driven by hand: the kernels,
// the compile, the modules and the binds are all in this file.
//
//   lpu_tb --system lpu_groq --gemm 1x4096x4096 [--pair] [--run-latency-ns X] [--set k=v] [--trace F]
//
// It prints each chip's instruction stream with the compiled and the executed times. With
// --run-latency-ns the link modules take a latency other than the one the compiler assumed,
// and the run reports the first instruction that leaves the static schedule.
// Exit status: 0 success, 2 bad input, 3 the run left the compiled schedule.
#include <CLI/CLI.hpp>
#include <systemc>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/base/sc_time_conv.h"
#include "lpu/lpu_chip.h"
#include "memory/link/link_module.h"
#include "lpu/lpu_schedule.h"
#include "system/system_config.h"
#include "workload/lowering.h"

using namespace decodesim;
using namespace decodesim::lpu;

namespace {

Kernel gemm(const std::string& name, std::uint64_t m, std::uint64_t k, std::uint64_t n) {
  Kernel g;
  g.name = name;
  g.kind = KernelKind::Gemm;
  g.op = "gemm";
  g.m = m;
  g.k = k;
  g.n = n;
  g.weight_bytes = k * n;  // int8 weights, resident in MEM
  g.act_dtype = DType::INT8;
  g.flops = 2 * m * k * n;
  return g;
}

/// A chip with its two link modules: the testbench's own small netlist.
struct Chip {
  std::unique_ptr<LpuChip> chip;
  std::unique_ptr<memory::LinkModule> peer, global;
};

Chip make_chip(std::uint32_t id, std::shared_ptr<const ChipPlan> plan, ChipRoutes routes, const LpuConfig& cfg,
               const memory::LinkConfig& link) {
  const std::string n = "chip" + std::to_string(id);
  Chip c;
  c.chip = std::make_unique<LpuChip>(n.c_str(), id, std::move(plan), routes, cfg);
  c.peer = std::make_unique<memory::LinkModule>((n + "_peer").c_str(), link, n + "_peer");
  c.global = std::make_unique<memory::LinkModule>((n + "_global").c_str(), link, n + "_global");
  c.chip->peer_tx.bind(c.peer->target);
  c.chip->global_tx.bind(c.global->target);
  return c;
}

void print_stream(std::uint32_t id, const StageRun& want, const StageRun& got) {
  for (std::size_t i = 0; i < want.events.size(); ++i) {
    const UnitEvent& w = want.events[i];
    const UnitEvent& g = got.events[i];
    std::printf("%4u %3zu  %-20s %-18s %10.3f %10.3f   %10.3f %10.3f%s\n", id, i, opcode_name(w), w.name.c_str(),
                w.start / 1e3, w.end / 1e3, g.start / 1e3, g.end / 1e3,
                (w.start == g.start && w.end == g.end) ? "" : "   <- differs");
  }
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"lpu_tb: one LPU chip, or a C2C pair, running a GEMM by hand"};
  std::string system = "lpu_groq", shape = "1x4096x4096", trace_file;
  std::vector<std::string> sets;
  bool pair = false;
  double run_latency_ns = -1;
  app.add_option("--system", system, "system name (configs/systems/<name>.yaml) or path");
  app.add_option("--gemm", shape, "MxKxN: y[MxN] = x[MxK] . W[KxN], int8 weights resident in MEM");
  app.add_flag("--pair", pair, "two chips: chip 0's output goes to chip 1 over C2C, chip 1 runs an NxN GEMM on it");
  app.add_option("--run-latency-ns", run_latency_ns, "latency of the link modules in the run (default: link.latency_ns)");
  app.add_option("--set", sets, "override a config key: a.b.c=value");
  app.add_option("--trace", trace_file, "write a Perfetto/Chrome trace");
  CLI11_PARSE(app, argc, argv);

  system::SystemConfig cfg;
  std::vector<std::uint64_t> d;
  try {
    cfg = system::load_system(system, std::string(DECODESIM_SOURCE_DIR) + "/configs", sets);
    std::stringstream ss(shape);
    std::string part;
    while (std::getline(ss, part, 'x')) d.push_back(std::stoull(part));
    if (d.size() != 3 || d[0] == 0 || d[1] == 0 || d[2] == 0) throw std::invalid_argument(shape);
  } catch (const config::InputError& e) {
    std::fprintf(stderr, "lpu_tb: error: %s\n", e.what());
    return 2;
  } catch (const std::exception&) {
    std::fprintf(stderr, "lpu_tb: error: --gemm: expected MxKxN with positive integers, got '%s'\n", shape.c_str());
    return 2;
  }
  memory::LinkConfig run_link = cfg.link;
  if (run_latency_ns >= 0) run_link.latency_ns = run_latency_ns;

  // Compile: chip 0 runs the GEMM and (as a pair) sends y to chip 1, which runs y . W2.
  const Bytes handoff = d[0] * d[2];  // int8 activations
  std::vector<std::vector<Kernel>> program = {{gemm("gemm0", d[0], d[1], d[2])}};
  if (pair) program.push_back({gemm("gemm1", d[0], d[2], d[2])});
  std::vector<ChipPlan> plans(program.size());
  Picos input = 0;
  for (std::uint32_t c = 0; c < program.size(); ++c) {
    ChipScheduler compiler(cfg.lpu, cfg.link, c, 1);
    plans[c].stage = c;
    plans[c].send_name = "send.chip1";
    plans[c].program = {program[c]};
    plans[c].send_bytes = {pair && c == 0 ? handoff : 0};
    plans[c].expected = {compiler.run_stage(program[c], 0, input, plans[c].send_bytes[0], plans[c].send_name)};
    input = plans[c].expected[0].send_done;
  }

  // Elaborate and connect: every link ends at chip 1 when there is one (chip 0's hand-off),
  // else loops back to its own chip (no collectives here, so nothing travels on those).
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  std::vector<Chip> chips;
  for (std::uint32_t c = 0; c < plans.size(); ++c) {
    ChipRoutes r;
    r.feeds_itself = !pair;
    chips.push_back(make_chip(c, std::make_shared<const ChipPlan>(plans[c]), r, cfg.lpu, run_link));
  }
  for (std::uint32_t c = 0; c < chips.size(); ++c) {
    chips[c].peer->far.bind(chips[c].chip->rx);
    chips[c].global->far.bind(chips[pair ? 1 : 0].chip->rx);
  }
  TraceWriter trace;
  trace.enable(!trace_file.empty());
  if (!trace_file.empty())
    for (auto& c : chips) c.chip->set_trace(&trace);
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_SEC));

  std::printf("lpu_tb on %s: gemm %s%s\n", cfg.system.name.c_str(), shape.c_str(),
              pair ? ", then a C2C hand-off to chip 1 and its gemm" : "");
  std::printf("chip   #  opcode               name               compiled [ns]            run [ns]\n");
  for (std::uint32_t c = 0; c < chips.size(); ++c) {
    if (chips[c].chip->runs().empty()) {
      std::printf("%4u      (did not run: its input never arrived)\n", c);
      continue;
    }
    print_stream(c, plans[c].expected[0], chips[c].chip->runs()[0]);
  }
  if (pair)
    std::printf("hand-off    %llu B on %.1f GB/s links, latency %.1f ns + %.1f ns per hop (run: %.1f ns)\n",
                static_cast<unsigned long long>(handoff), cfg.link.bandwidth_gbytes_per_s, cfg.link.latency_ns,
                cfg.link.per_hop_ns, run_link.latency_ns);
  const StageRun& last = plans.back().expected[0];
  std::printf("compiled    %.3f us\n", last.end / 1e6);
  if (!trace_file.empty()) std::ofstream(trace_file) << trace.to_json();
  for (const auto& c : chips)
    if (!c.chip->violation().empty() || !c.chip->finished()) {
      std::printf("run         left the static schedule: %s\n",
                  c.chip->violation().empty() ? "a chip did not finish" : c.chip->violation().c_str());
      return 3;
    }
  std::printf("run         %.3f us, every instruction where the compiler put it\n",
              chips.back().chip->runs()[0].end / 1e6);
  return 0;
}
