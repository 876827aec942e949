// The system netlist: one top sc_module whose constructor creates the chips from the
// architecture's builder, creates the links, then binds them. What differs between
// architectures is only the chip they build and how they collect its records.
//
// Contract for an architecture (ArchBuilder):
// - Its constructor takes the RunRequest and refuses what cannot run (config::InputError:
//   a model that does not fit, a bad shard count) before anything is elaborated.
// - elaborated_chips(): how many chips SystemTop builds (symmetric shards may stand for more).
// - make_chip(i): chip i as an sc_module, built in the SystemTop's construction context (so it
//   is its child). Everything inside the chip (tile, memory, its binding) is the chip's own
//   netlist. Called in index order.
// - links(i): chip i's outgoing links; for each, the chip's link_out(port) is bound to a
//   LinkModule, and the module's far end to link_in(port) of each chip in `to`, in order (the
//   routes of the link, memory::link_route()).
// - connected(top): once every bind is done (still before sc_start): what needs the whole
//   netlist, e.g. collectives that use the chips' link ports, trace hook-up.
// - collect(top): after the run: refuse an unfinished or inconsistent run (SimulationError),
//   then records, stats, energy, notes (the record collector).
//
// Adding a family: a Chip subclass, an ArchBuilder subclass, a make_<family>_arch(req), and its
// case in simulate() (run.cpp). tpu_system.cpp and lpu_system.cpp are the smallest examples.
#pragma once

#include <systemc>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/trace.h"
#include "memory/link/link_module.h"
#include "system/run.h"

namespace decodesim::system {

/// One chip as the netlist sees it.
class Chip : public sc_core::sc_module {
 public:
  using sc_core::sc_module::sc_module;
  /// The socket this chip sends on over its outgoing link `port` (a name its builder declares).
  virtual tlm::tlm_initiator_socket<>& link_out(const std::string& port) = 0;
  /// The socket on which this chip receives messages of link `port` (for links with a far end).
  virtual tlm::tlm_base_target_socket_b<>& link_in(const std::string& port);
};

/// One outgoing link of a chip.
struct LinkSpec {
  std::string port;                ///< the sending chip's link_out() name, e.g. "link_x"
  memory::LinkConfig cfg;
  std::vector<std::uint32_t> to;   ///< receiving chips by route, when the link hands data on
};

class SystemTop;

/// Per-architecture part of the netlist (see the contract above).
class ArchBuilder {
 public:
  virtual ~ArchBuilder() = default;
  virtual std::uint32_t elaborated_chips() const = 0;
  virtual std::unique_ptr<Chip> make_chip(std::uint32_t index) = 0;
  virtual std::vector<LinkSpec> links(std::uint32_t chip) const = 0;
  virtual void connected(SystemTop&) {}
  virtual RunResult collect(SystemTop& top) = 0;
};

class SystemTop : public sc_core::sc_module {
 public:
  SystemTop(sc_core::sc_module_name name, ArchBuilder& arch, TraceWriter* trace);

  std::size_t chips() const { return m_chips.size(); }
  Chip& chip(std::size_t i) { return *m_chips.at(i); }
  /// Chip `chip`'s outgoing link `port`; throws std::out_of_range when it has none.
  memory::LinkModule& link(std::uint32_t chip, const std::string& port);
  bool has_link(std::uint32_t chip, const std::string& port) const;
  /// The run's trace, null when tracing is off.
  TraceWriter* trace() const { return m_trace; }

 private:
  struct BuiltLink {
    std::uint32_t chip;
    LinkSpec spec;
    std::unique_ptr<memory::LinkModule> module;
  };
  std::vector<std::unique_ptr<Chip>> m_chips;
  std::vector<BuiltLink> m_links;
  TraceWriter* m_trace;
};

/// Kills every SystemC process that has not terminated, so that its stack unwinds. A process
/// still waiting when the watchdog (sim.max_simulated_s) stops a run, or a server loop that
/// waits for ever, stays suspended on its own coroutine stack until exit: what its locals own is
/// never freed, and LeakSanitizer reports it (SystemC's stacks are mmap'd, outside what LSan
/// scans). Call it after the run's results are collected, also when collecting throws.
void stop_unfinished_processes();

/// Elaborates the netlist of `arch`, runs it to completion (or the sim.max_simulated_s
/// watchdog) and returns what the architecture's collector makes of it.
RunResult run_netlist(const SystemConfig& cfg, ArchBuilder& arch, bool trace);

}  // namespace decodesim::system
