// sc_spawn (stop_unfinished_processes); must precede the first <systemc>.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "system/netlist.h"

#include <stdexcept>

#include "common/base/sc_time_conv.h"

namespace decodesim::system {

tlm::tlm_base_target_socket_b<>& Chip::link_in(const std::string& port) {
  throw std::logic_error(std::string(name()) + ": receives nothing on link " + port);
}

SystemTop::SystemTop(sc_core::sc_module_name name, ArchBuilder& arch, TraceWriter* trace)
    : sc_core::sc_module(name), m_trace(trace) {
  // Chips
  for (std::uint32_t c = 0; c < arch.elaborated_chips(); ++c) m_chips.push_back(arch.make_chip(c));
  // Links
  for (std::uint32_t c = 0; c < m_chips.size(); ++c)
    for (LinkSpec& spec : arch.links(c)) {
      const std::string chip_name = m_chips[c]->basename();
      auto module = std::make_unique<memory::LinkModule>((chip_name + "_" + spec.port).c_str(), spec.cfg,
                                                         chip_name + "." + spec.port);
      m_links.push_back(BuiltLink{c, std::move(spec), std::move(module)});
    }
  // Connect
  for (BuiltLink& l : m_links) {
    m_chips[l.chip]->link_out(l.spec.port).bind(l.module->target);
    for (std::uint32_t to : l.spec.to) l.module->far.bind(m_chips.at(to)->link_in(l.spec.port));
  }
  arch.connected(*this);
}

memory::LinkModule& SystemTop::link(std::uint32_t chip, const std::string& port) {
  for (BuiltLink& l : m_links)
    if (l.chip == chip && l.spec.port == port) return *l.module;
  throw std::out_of_range(std::string(name()) + ": chip " + std::to_string(chip) + " has no link " + port);
}

bool SystemTop::has_link(std::uint32_t chip, const std::string& port) const {
  for (const BuiltLink& l : m_links)
    if (l.chip == chip && l.spec.port == port) return true;
  return false;
}

namespace {
void kill_unfinished(const std::vector<sc_core::sc_object*>& objects, const sc_core::sc_process_handle& self) {
  for (sc_core::sc_object* o : objects) {
    kill_unfinished(o->get_child_objects(), self);
    sc_core::sc_process_handle h(o);
    if (h.valid() && h != self && !h.terminated()) h.kill();
  }
}
}  // namespace

void stop_unfinished_processes() {
  // SystemC 2.3.4 kills a process only from inside another one (kill() from sc_main after
  // sc_start returns dereferences the null current process): one delta cycle of a process that
  // kills the others. Each killed thread unwinds (sc_unwind_exception) before kill() returns.
  sc_core::sc_spawn([] { kill_unfinished(sc_core::sc_get_top_level_objects(), sc_core::sc_get_current_process_handle()); },
                    sc_core::sc_gen_unique_name("stop_unfinished"));
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

RunResult run_netlist(const SystemConfig& cfg, ArchBuilder& arch, bool trace) {
  // 1 ps is SystemC's default, and setting it once any sc_time exists is an error: the LPU's
  // compiler builds its matmul cores before this, and with impl rtl_sc those are SystemC models.
  if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  TraceWriter writer;
  writer.enable(trace);
  SystemTop top("system", arch, trace ? &writer : nullptr);
  // The watchdog: a model that deadlocks or never finishes stops here instead of hanging.
  sc_core::sc_start(to_sc_time(static_cast<Picos>(cfg.sim.max_simulated_s * kPicosPerSecond)));
  RunResult res;
  try {
    res = arch.collect(top);  // throws SimulationError when the watchdog stopped the run
  } catch (...) {
    stop_unfinished_processes();
    throw;
  }
  if (trace) res.trace_json = writer.to_json();
  return res;
}

}  // namespace decodesim::system
