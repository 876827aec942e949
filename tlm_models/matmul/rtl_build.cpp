#include "matmul/rtl_build.h"

#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/config/error.h"
#include "common/config/node.h"
#include "driver/spawn.h"
#include "matmul/rtl_sc_core.h"

namespace fs = std::filesystem;

namespace decodesim::matmul {

namespace {

config::InputError tool_error(const std::string& where, const std::string& what, const std::string& got = {},
                              const std::string& allowed = {}) {
  return config::InputError(config::SourceLoc{}, where, what, got, allowed);
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// FNV-1a, 64 bits: a cache key, not a security boundary.
struct Hasher {
  std::uint64_t h = 1469598103934665603ull;
  void add(const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    // A separator, so ("ab","c") and ("a","bc") differ.
    h ^= 0xff;
    h *= 1099511628211ull;
  }
  std::string hex() const {
    char b[17];
    std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
    return b;
  }
};

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    const fs::path p = fs::path(dir) / name;
    if (access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

struct Tools {
  std::string verilator, cxx, verilator_root, verilator_version, cxx_version;
};

// Runs argv; returns its stdout. Throws with the tool's stderr when it fails.
std::string run_tool(const std::vector<std::string>& argv, const fs::path& out_file, const std::string& what) {
  const driver::ChildResult r = driver::run_child(argv, out_file.string());
  if (r.exit_code != 0) {
    std::string text = r.stderr_text;
    if (text.empty()) text = read_text(out_file);
    throw std::runtime_error(what + " failed (" + argv[0] + ", exit " + std::to_string(r.exit_code) + "):\n" + text);
  }
  return read_text(out_file);
}

std::string first_line(const std::string& s) {
  const std::size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

const Tools& tools(const std::string& where) {
  static std::mutex mu;
  static std::unique_ptr<Tools> cached;
  std::lock_guard<std::mutex> lock(mu);
  if (cached) return *cached;
  auto t = std::make_unique<Tools>();
  const char* v = std::getenv("DECODESIM_VERILATOR");
  t->verilator = find_program(v && *v ? v : "verilator");
  if (t->verilator.empty())
    throw tool_error(where, "verilator is needed to build this RTL model and was not found on PATH",
                     v && *v ? v : "verilator", "install Verilator 5.006 or newer (Debian/Ubuntu: apt install verilator)");
  const char* cxx = std::getenv("CXX");
  for (const std::string& c : {std::string(cxx && *cxx ? cxx : ""), std::string("c++"), std::string("g++")}) {
    if (c.empty()) continue;
    t->cxx = find_program(c);
    if (!t->cxx.empty()) break;
  }
  if (t->cxx.empty())
    throw tool_error(where, "a C++17 compiler is needed to build this RTL model and none was found on PATH",
                     cxx && *cxx ? cxx : "c++", "install g++ (Debian/Ubuntu: apt install g++) or set CXX");
  const fs::path tmp = fs::temp_directory_path() / ("decodesim-tool-" + std::to_string(getpid()));
  t->verilator_version = first_line(run_tool({t->verilator, "--version"}, tmp, "verilator --version"));
  t->verilator_root = first_line(run_tool({t->verilator, "--getenv", "VERILATOR_ROOT"}, tmp, "verilator --getenv"));
  t->cxx_version = first_line(run_tool({t->cxx, "--version"}, tmp, "c++ --version"));
  fs::remove(tmp);
  cached = std::move(t);
  return *cached;
}

std::string geometry_text(const ArrayGeometry& g) {
  return std::to_string(g.rows) + "x" + std::to_string(g.cols) + " weight_buffers " + std::to_string(g.weight_buffers);
}

std::vector<std::string> param_args(const RtlDesign& d, const ArrayGeometry& g) {
  std::vector<std::string> a = {"-GRows=" + std::to_string(g.rows), "-GCols=" + std::to_string(g.cols),
                                "-GWeightBuffers=" + std::to_string(g.weight_buffers)};
  for (const auto& [k, v] : d.parameters) a.push_back("-G" + k + "=" + std::to_string(v));
  return a;
}

// ---- stale build folders -----------------------------------------------------------------
//
// A build killed midway (Ctrl-C, OOM, a CI timeout) leaves its <stem>.tmp-XXXXXX folder in the
// cache. Each one holds an owner file naming the host and pid that build runs in; the next
// process that uses the cache removes the folders whose builder is gone (same host, pid not
// running) and, whatever the owner file says, the ones untouched for kStaleBuildAge (another
// host's build, or a folder whose owner file was never written). A running build in another
// process keeps its folder: its pid is alive, and it is younger than the age limit.

const char* const kBuildOwnerFile = ".decodesim-owner";

std::string this_host() {
  char h[256] = {0};
  if (gethostname(h, sizeof h - 1) != 0) return "?";
  return h;
}

void write_build_owner(const fs::path& dir) {
  std::ofstream(dir / kBuildOwnerFile) << this_host() << " " << getpid() << "\n";
}

// The newest modification time of `dir` and its entries: a long compile writes into obj/
// without touching the folder itself.
fs::file_time_type last_touched(const fs::path& dir) {
  std::error_code ec;
  fs::file_time_type t = fs::last_write_time(dir, ec);
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const fs::file_time_type et = fs::last_write_time(e.path(), ec);
    if (!ec && et > t) t = et;
  }
  return t;
}

// A unique scratch folder inside `parent` (mkdtemp), so concurrent builds never share one.
fs::path scratch_dir(const fs::path& parent, const std::string& stem) {
  fs::create_directories(parent);
  std::string tmpl = (parent / (stem + ".tmp-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a build folder in " + parent.string());
  write_build_owner(tmpl);
  return tmpl;
}

// Moves a completed build into place. Another process may have won the race: then its copy
// (identical by key) stays and ours goes.
void publish(const fs::path& tmp, const fs::path& final_dir) {
  std::error_code ec;
  fs::rename(tmp, final_dir, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    if (!fs::exists(final_dir / "done")) throw std::runtime_error("cannot move a built RTL model to " + final_dir.string());
  }
}

// ---- contract check --------------------------------------------------------------------

struct PortSpec {
  const char* name;
  bool input;
  std::uint64_t width;
};

std::vector<PortSpec> contract_ports(const ArrayGeometry& g) {
  return {{"clk_i", true, 1},          {"rst_ni", true, 1},
          {"wload_valid_i", true, 1},  {"wload_ready_o", false, 1},
          {"wload_data_i", true, 8ull * g.cols}, {"wload_last_i", true, 1},
          {"act_valid_i", true, 1},    {"act_ready_o", false, 1},
          {"act_data_i", true, 8ull * g.rows},  {"act_last_i", true, 1},
          {"res_valid_o", false, 1},   {"res_ready_i", true, 1},
          {"res_data_o", false, 32ull * g.cols}, {"res_last_o", false, 1}};
}

std::string attr(const std::string& line, const std::string& key) {
  const std::string k = " " + key + "=\"";
  const std::size_t p = line.find(k);
  if (p == std::string::npos) return "";
  const std::size_t b = p + k.size();
  return line.substr(b, line.find('"', b) - b);
}

// "32'h2", "32'sh0" -> 2, 0.
std::int64_t xml_const(const std::string& name) {
  const std::size_t h = name.find('h');
  return h == std::string::npos ? 0 : static_cast<std::int64_t>(std::stoull(name.substr(h + 1), nullptr, 16));
}

struct XmlTop {
  struct Var { std::string dir, dtype, loc; };
  std::map<std::string, Var> ports;
  std::map<std::string, std::string> files;  // id -> filename
  std::map<std::string, std::uint64_t> widths;  // dtype id -> bits (0: unknown)
  bool found = false;
};

XmlTop parse_xml(const std::string& xml, const std::string& top) {
  XmlTop t;
  std::istringstream in(xml);
  std::string line;
  bool in_top = false;
  // Packed array dtypes: id -> (sub id, range ends), resolved once all basic widths are known.
  struct Packed { std::string sub; std::vector<std::int64_t> ends; };
  std::map<std::string, Packed> packed;
  std::string open_packed;
  while (std::getline(in, line)) {
    if (line.find("<file ") != std::string::npos) t.files[attr(line, "id")] = attr(line, "filename");
    if (line.find("<module ") != std::string::npos) {
      in_top = attr(line, "name") == top && line.find("topModule=\"1\"") != std::string::npos;
      t.found |= in_top;
    } else if (line.find("</module>") != std::string::npos) {
      in_top = false;
    } else if (in_top && line.find("<var ") != std::string::npos && line.find(" dir=\"") != std::string::npos) {
      t.ports[attr(line, "name")] = {attr(line, "dir"), attr(line, "dtype_id"), attr(line, "loc")};
    }
    if (line.find("<basicdtype ") != std::string::npos) {
      const std::string l = attr(line, "left"), r = attr(line, "right");
      t.widths[attr(line, "id")] =
          l.empty() ? 1 : static_cast<std::uint64_t>(std::llabs(std::stoll(l) - std::stoll(r)) + 1);
    } else if (line.find("<packarraydtype ") != std::string::npos) {
      open_packed = attr(line, "id");
      packed[open_packed].sub = attr(line, "sub_dtype_id");
    } else if (!open_packed.empty() && line.find("<const ") != std::string::npos) {
      packed[open_packed].ends.push_back(xml_const(attr(line, "name")));
    } else if (line.find("</packarraydtype>") != std::string::npos) {
      open_packed.clear();
    }
  }
  for (int pass = 0; pass < 8; ++pass)
    for (const auto& [id, p] : packed) {
      const auto sub = t.widths.find(p.sub);
      if (sub == t.widths.end() || p.ends.size() != 2) continue;
      t.widths[id] = sub->second * static_cast<std::uint64_t>(std::llabs(p.ends[0] - p.ends[1]) + 1);
    }
  return t;
}

// "c,20,32,20,37" -> "file.sv:20".
std::string xml_loc(const XmlTop& t, const std::string& loc) {
  const std::size_t comma = loc.find(',');
  if (comma == std::string::npos) return "";
  const auto f = t.files.find(loc.substr(0, comma));
  const std::size_t comma2 = loc.find(',', comma + 1);
  return (f == t.files.end() ? std::string("?") : f->second) + ":" + loc.substr(comma + 1, comma2 - comma - 1);
}

// The first "%Error" line of Verilator's output (what to fix), else its first line.
std::string verilator_error(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("%Error", 0) == 0) return line;
  return first_line(text);
}

std::string home_folder() { return config::home_dir(); }

}  // namespace

RtlDesign builtin_rtl_design() {
  RtlDesign d;
  const fs::path rtl = fs::path(home_folder()) / "rtl";
  for (const char* f : {"systolic_delay.sv", "systolic_pe.sv", "systolic_array.sv"}) d.sources.push_back((rtl / f).string());
  d.where = "matmul.impl";
  return d;
}

std::string rtl_cache_dir() {
  if (const char* c = std::getenv("DECODESIM_RTL_CACHE"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return (fs::path(x) / "decodesim" / "rtl").string();
  if (const char* h = std::getenv("HOME"); h && *h) return (fs::path(h) / ".cache" / "decodesim" / "rtl").string();
  return (fs::temp_directory_path() / "decodesim-rtl-cache").string();
}

std::size_t clean_stale_rtl_builds(const std::string& cache, std::chrono::seconds max_age) {
  std::error_code ec;
  if (!fs::is_directory(cache, ec)) return 0;
  const std::string host = this_host();
  const auto now = fs::file_time_type::clock::now();
  std::vector<fs::path> stale;
  for (const auto& e : fs::directory_iterator(cache, ec)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp-") == std::string::npos || !e.is_directory(ec)) continue;
    std::string owner_host;
    long pid = 0;
    std::ifstream(e.path() / kBuildOwnerFile) >> owner_host >> pid;
    // kill(pid, 0): ESRCH is "no such process"; EPERM is a live process of another user.
    const bool builder_gone = owner_host == host && pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    if (builder_gone || now - last_touched(e.path()) > max_age) stale.push_back(e.path());
  }
  std::size_t removed = 0;
  for (const fs::path& p : stale) {
    // Another process may be cleaning the same folder: whoever gets there first removes it.
    std::error_code rec;
    if (fs::remove_all(p, rec) > 0 && !rec) ++removed;
  }
  return removed;
}

namespace {

// Once per process and cache: a listing of the cache, before the first lookup in it.
void clean_stale_once(const fs::path& cache) {
  static std::mutex mu;
  static std::vector<fs::path> done;
  std::lock_guard<std::mutex> lock(mu);
  if (std::find(done.begin(), done.end(), cache) != done.end()) return;
  done.push_back(cache);
  clean_stale_rtl_builds(cache.string());
}

}  // namespace

void check_rtl_contract(const RtlDesign& d, const ArrayGeometry& g) {
  for (const std::string& s : d.sources)
    if (!fs::is_regular_file(s)) throw tool_error(d.where, "RTL source file not found", s, "an existing .sv or .v file");
  const Tools& t = tools(d.where);
  const fs::path tmp = scratch_dir(fs::temp_directory_path(), "decodesim-lint");
  struct Cleanup { fs::path p; ~Cleanup() { std::error_code ec; fs::remove_all(p, ec); } } cleanup{tmp};

  std::vector<std::string> common = {t.verilator, "--top-module", d.top, "-Wno-fatal"};
  for (const std::string& a : param_args(d, g)) common.push_back(a);
  for (const std::string& s : d.sources) common.push_back(s);

  std::vector<std::string> lint = common;
  lint.insert(lint.begin() + 1, "--lint-only");
  const driver::ChildResult lr = driver::run_child(lint, (tmp / "lint.out").string());
  if (lr.exit_code != 0)
    throw tool_error(d.where, "the RTL does not pass verilator --lint-only", verilator_error(lr.stderr_text),
                     "sources that Verilator " + t.verilator_version.substr(0, t.verilator_version.find(" 20")) +
                         " accepts");

  std::vector<std::string> xml = common;
  xml.insert(xml.begin() + 1, {"--xml-only", "--Mdir", tmp.string(), "--xml-output", (tmp / "top.xml").string()});
  const driver::ChildResult xr = driver::run_child(xml, (tmp / "xml.out").string());
  if (xr.exit_code != 0) throw tool_error(d.where, "verilator --xml-only failed", verilator_error(xr.stderr_text));
  const XmlTop top = parse_xml(read_text(tmp / "top.xml"), d.top);
  if (!top.found) throw tool_error(d.where, "top module not found in the RTL sources", d.top, "a module the sources define");

  const std::string contract = "rtl/README.md's port contract at " + geometry_text(g);
  for (const PortSpec& p : contract_ports(g)) {
    const auto it = top.ports.find(p.name);
    const std::string dir = p.input ? "input" : "output";
    const std::string want = dir + " [" + std::to_string(p.width) + " bits]";
    if (it == top.ports.end())
      throw tool_error(d.where, "RTL top '" + d.top + "' has no port " + p.name, "missing", want + " (" + contract + ")");
    const auto w = top.widths.find(it->second.dtype);
    const std::uint64_t width = w == top.widths.end() ? 0 : w->second;
    const std::string where_port = xml_loc(top, it->second.loc);
    if (it->second.dir != dir || width != p.width)
      throw tool_error(d.where, "RTL top '" + d.top + "' port " + p.name + " (" + where_port + ") breaks the contract",
                       it->second.dir + " [" + (width ? std::to_string(width) : std::string("?")) + " bits]",
                       want + " (" + contract + ")");
  }
  for (const auto& [name, v] : top.ports) {
    bool known = false;
    for (const PortSpec& p : contract_ports(g)) known |= name == p.name;
    if (!known && v.dir == "input")
      throw tool_error(d.where, "RTL top '" + d.top + "' has an input port the contract does not drive: " + name + " (" +
                                    xml_loc(top, v.loc) + ")",
                       name, "only the ports of " + contract);
  }
}

namespace {

// The Verilator runtime, compiled once per (Verilator, compiler) into the cache and linked
// into every model: it is most of a small model's compile time.
std::vector<std::string> runtime_objects(const Tools& t, const fs::path& cache, std::ostream& progress) {
  Hasher h;
  h.add(t.verilator_version);
  h.add(t.cxx_version);
  h.add(t.verilator_root);
  const fs::path dir = cache / ("runtime-" + h.hex());
  const std::vector<std::string> names = {"verilated", "verilated_threads", "verilated_fst_c"};
  std::vector<std::string> objs;
  for (const std::string& n : names) objs.push_back((dir / (n + ".o")).string());
  if (fs::exists(dir / "done")) return objs;
  progress << "decodesim: compiling the Verilator runtime once into " << dir.string() << " ..." << std::endl;
  const fs::path tmp = scratch_dir(cache, "runtime");
  std::vector<std::string> errors(names.size());
  driver::parallel_for(names.size(), std::max(1u, std::min(3u, std::thread::hardware_concurrency())),
                       [&](std::size_t i) {
                         const driver::ChildResult r = driver::run_child(
                             {t.cxx, "-std=c++17", "-O2", "-fPIC", "-w", "-DVM_TRACE=1", "-DVM_TRACE_FST=1",
                              "-I" + t.verilator_root + "/include", "-I" + t.verilator_root + "/include/vltstd", "-c",
                              t.verilator_root + "/include/" + names[i] + ".cpp", "-o", (tmp / (names[i] + ".o")).string()});
                         if (r.exit_code != 0) errors[i] = r.stderr_text;
                       });
  for (const std::string& e : errors)
    if (!e.empty()) {
      fs::remove_all(tmp);
      throw std::runtime_error("compiling the Verilator runtime failed:\n" + e);
    }
  std::ofstream(tmp / "done") << "ok\n";
  publish(tmp, dir);
  return objs;
}

// Runs `steps` in a fresh scratch folder of the cache, then publishes it as `final_dir` with its
// "done" marker (the rename makes a half-built model impossible to load); on any failure the
// scratch folder goes. The Verilated sources are deleted first: the shared object is all a
// later run needs.
template <class Steps>
void build_in_scratch(const fs::path& cache, const std::string& stem, const fs::path& final_dir, Steps&& steps) {
  const fs::path tmp = scratch_dir(cache, stem);
  try {
    steps(tmp);
    fs::remove_all(tmp / "obj");
    std::ofstream(tmp / "done") << "ok\n";
    publish(tmp, final_dir);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

std::string seconds_since(std::chrono::steady_clock::time_point t0) {
  char line[64];
  std::snprintf(line, sizeof line, "%.1f", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return line;
}

// The part of a model's cache key both modes share: the ABI tag and the headers the generated
// entry points compile against, then the design (each source's name and text, top, parameters).
Hasher design_key(const std::string& abi, std::initializer_list<const char*> abi_headers, const fs::path& abi_dir,
                  const RtlDesign& d, const ArrayGeometry& g) {
  Hasher h;
  h.add(abi);
  for (const char* f : abi_headers) h.add(read_text(abi_dir / f));
  for (const std::string& s : d.sources) {
    h.add(fs::path(s).filename().string());
    h.add(read_text(s));
  }
  h.add(d.top);
  for (const std::string& a : param_args(d, g)) h.add(a);
  return h;
}

// Compiles a Verilated model folder (`mdir`, with our entry points in decodesim_model.cpp) and
// links it with `runtime` and `libs` into the shared object `out`, for both modes. Two unity
// files, compiled at once: Verilator's once-run setup code (-O1 halves its compile time at no
// run-time cost) and the per-cycle code with our entry points (-O2). Each parses Verilator's
// headers once; per-file compiles measured ~2x the CPU time on a small array.
void compile_and_link(const Tools& t, const fs::path& mdir, const fs::path& abi_dir, const std::vector<std::string>& cflags,
                      const std::vector<std::string>& runtime, const std::vector<std::string>& libs, const fs::path& out,
                      const std::string& what, std::ostream& progress) {
  std::ostringstream unit_slow, unit_fast;
  std::vector<fs::path> cpps;
  for (const auto& e : fs::directory_iterator(mdir))
    if (e.path().extension() == ".cpp") cpps.push_back(e.path());
  std::sort(cpps.begin(), cpps.end());
  for (const fs::path& c : cpps) {
    const std::string name = c.filename().string();
    const bool slow = name.find("__Slow") != std::string::npos || name.find("__Syms") != std::string::npos;
    (slow ? unit_slow : unit_fast) << "#include \"" << name << "\"\n";
  }
  std::ofstream(mdir / "unit_slow.cc") << unit_slow.str();
  std::ofstream(mdir / "unit_fast.cc") << unit_fast.str();
  const std::vector<std::string> units = {"unit_fast", "unit_slow"};
  std::vector<std::string> errors(units.size());
  driver::parallel_for(units.size(), std::max(1u, std::min(2u, std::thread::hardware_concurrency())),
                       [&](std::size_t i) {
                         std::vector<std::string> cc = {t.cxx, "-std=c++17", i == 0 ? "-O2" : "-O1", "-fPIC",
                                                        "-fvisibility=hidden", "-w"};
                         cc.insert(cc.end(), cflags.begin(), cflags.end());
                         cc.insert(cc.end(), {"-I" + mdir.string(), "-I" + t.verilator_root + "/include",
                                              "-I" + t.verilator_root + "/include/vltstd", "-I" + abi_dir.string(),
                                              "-c", (mdir / (units[i] + ".cc")).string(), "-o",
                                              (mdir / (units[i] + ".o")).string()});
                         const driver::ChildResult r = driver::run_child(cc);
                         if (r.exit_code != 0) errors[i] = units[i] + ":\n" + r.stderr_text;
                       });
  for (const std::string& e : errors)
    if (!e.empty()) throw std::runtime_error("compiling the Verilated " + what + " failed: " + e);
  progress << "decodesim:   compiled; linking ..." << std::endl;

  std::vector<std::string> link = {t.cxx, "-shared", "-fPIC", "-o", out.string()};
  for (const std::string& u : units) link.push_back((mdir / (u + ".o")).string());
  link.insert(link.end(), runtime.begin(), runtime.end());
  link.insert(link.end(), libs.begin(), libs.end());
  run_tool(link, out.parent_path() / "link.out", "linking the " + what);
}

}  // namespace

std::string ensure_rtl_model(const RtlDesign& d, const ArrayGeometry& g, bool traced, std::ostream& progress) {
  for (const std::string& s : d.sources)
    if (!fs::is_regular_file(s)) throw tool_error(d.where, "RTL source file not found", s, "an existing .sv or .v file");
  const Tools& t = tools(d.where);
  const fs::path cache = rtl_cache_dir();
  clean_stale_once(cache);
  const fs::path abi_dir = fs::path(home_folder()) / "tlm_models";

  Hasher h = design_key("abi " + std::to_string(kRtlSimAbi),
                         {"matmul/tile.h", "matmul/rtl_sim.h", "matmul/verilated_sim.h", "matmul/systolic_transactor.h",
                          "matmul/verilated_pins.h", "common/base/units.h"},
                         abi_dir, d, g);
  h.add(traced ? "fst" : "plain");
  h.add(t.verilator_version);
  h.add(t.cxx_version);
  const std::string stem = d.top + "-" + std::to_string(g.rows) + "x" + std::to_string(g.cols) + "-wb" +
                           std::to_string(g.weight_buffers) + (traced ? "-fst" : "") + "-" + h.hex();
  const fs::path final_dir = cache / stem;
  const fs::path so = final_dir / "model.so";
  if (fs::exists(final_dir / "done")) return so.string();

  check_rtl_contract(d, g);
  const auto t0 = std::chrono::steady_clock::now();
  progress << "decodesim: building RTL model " << d.top << " " << geometry_text(g) << (traced ? " (FST)" : "")
           << " on first use (cached in " << final_dir.string() << ") ..." << std::endl;
  const std::vector<std::string> runtime = runtime_objects(t, cache, progress);

  build_in_scratch(cache, stem, final_dir, [&](const fs::path& tmp) {
    const fs::path mdir = tmp / "obj";
    std::vector<std::string> vargs = {t.verilator, "--cc", "-Wno-fatal", "--prefix", "Vmodel", "--top-module", d.top,
                                      "--Mdir", mdir.string(), "-O3"};
    if (traced) vargs.push_back("--trace-fst");
    for (const std::string& a : param_args(d, g)) vargs.push_back(a);
    for (const std::string& s : d.sources) vargs.push_back(s);
    progress << "decodesim:   verilating ..." << std::endl;
    run_tool(vargs, tmp / "verilator.out", "verilator --cc");

    std::ofstream(mdir / "decodesim_model.cpp")
        << "// Generated by decodesim (rtl_build.cpp): the C entry points of one on-demand RTL model.\n"
           "#include <cstdio>\n#include \"Vmodel.h\"\n#include \"matmul/verilated_sim.h\"\n"
           "using namespace decodesim::matmul;\n"
           "extern \"C\" __attribute__((visibility(\"default\"))) int decodesim_rtl_abi() { return kRtlSimAbi; }\n"
           "extern \"C\" __attribute__((visibility(\"default\"))) RtlSim* decodesim_rtl_make(std::uint32_t rows, "
           "std::uint32_t cols, const char* wave, char* err, std::size_t errlen) {\n"
           "  try { return new VerilatedSim<Vmodel, "
        << (traced ? "true" : "false")
        << ">(rows, cols, wave); }\n"
           "  catch (const std::exception& e) { std::snprintf(err, errlen, \"%s\", e.what()); return nullptr; }\n"
           "}\n";

    compile_and_link(t, mdir, abi_dir,
                     {traced ? "-DVM_TRACE=1" : "-DVM_TRACE=0", traced ? "-DVM_TRACE_FST=1" : "-DVM_TRACE_FST=0"},
                     runtime, {"-lz", "-pthread"}, tmp / "model.so", "RTL model", progress);
  });
  progress << "decodesim: built RTL model " << d.top << " " << geometry_text(g) << " in " << seconds_since(t0) << " s"
           << std::endl;
  return so.string();
}

void* open_rtl_model_entry(const std::string& so_path, const char* abi_symbol, int abi, const char* make_symbol,
                           const std::string& what) {
  // RTLD_LOCAL: every on-demand model names its class Vmodel.
  void* handle = dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error("cannot load " + what + ": " + dlerror());
  using AbiFn = int (*)();
  auto abi_fn = reinterpret_cast<AbiFn>(dlsym(handle, abi_symbol));
  void* make = dlsym(handle, make_symbol);
  if (!abi_fn || !make || abi_fn() != abi)
    throw std::runtime_error(what + " " + so_path + " was built for another decodesim; delete it to rebuild");
  return make;
}

std::unique_ptr<RtlSim> load_rtl_model(const std::string& so_path, const ArrayGeometry& g,
                                       const std::string& wave_path) {
  using MakeFn = RtlSim* (*)(std::uint32_t, std::uint32_t, const char*, char*, std::size_t);
  auto make = reinterpret_cast<MakeFn>(
      open_rtl_model_entry(so_path, "decodesim_rtl_abi", kRtlSimAbi, "decodesim_rtl_make", "RTL model"));
  char err[512] = {0};
  RtlSim* sim = make(g.rows, g.cols, wave_path.c_str(), err, sizeof err);
  if (!sim) throw std::runtime_error(std::string("cannot start RTL model: ") + err);
  return std::unique_ptr<RtlSim>(sim);
}

// ---- SystemC-mode models (impl: rtl_sc) ------------------------------------------------------

namespace {

struct SystemC {
  std::string include_dir;  ///< holds systemc.h and sysc/
  std::string library;      ///< the shared libsystemc this process runs
  std::string version;      ///< sysc/kernel/sc_ver.h, whole (part of the key)
};

// The headers: $SYSTEMC_INCLUDE (Verilator's variable), $SYSTEMC_HOME/include, else where
// decodesim was built against. The library: the one already mapped into this process, so the
// model's kernel calls reach the kernel the tiles run in (a second copy would be a second,
// empty sc_simcontext).
SystemC find_systemc(const std::string& where) {
  SystemC sc;
  std::string tried;
  if (const char* i = std::getenv("SYSTEMC_INCLUDE"); i && *i) {
    sc.include_dir = i;
    tried = "$SYSTEMC_INCLUDE";
  } else if (const char* h = std::getenv("SYSTEMC_HOME"); h && *h) {
    sc.include_dir = (fs::path(h) / "include").string();
    tried = "$SYSTEMC_HOME/include";
  } else {
    sc.include_dir = DECODESIM_SYSTEMC_INCLUDEDIR;
    tried = "the folder decodesim was built against";
  }
  const fs::path ver = fs::path(sc.include_dir) / "sysc" / "kernel" / "sc_ver.h";
  if (!fs::is_regular_file(fs::path(sc.include_dir) / "systemc") || !fs::is_regular_file(ver))
    throw tool_error(where, "the SystemC headers are needed to build this rtl_sc model and were not found in " + tried,
                     sc.include_dir + "/systemc",
                     "install them (Debian/Ubuntu: apt install libsystemc-dev) or set SYSTEMC_INCLUDE to the folder "
                     "holding systemc.h");
  sc.version = read_text(ver);
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        const std::string name = info->dlpi_name ? info->dlpi_name : "";
        if (fs::path(name).filename().string().rfind("libsystemc", 0) != 0) return 0;
        *static_cast<std::string*>(out) = name;
        return 1;
      },
      &sc.library);
  if (sc.library.empty())
    throw tool_error(where, "this decodesim links SystemC statically, so an rtl_sc model built on demand cannot join "
                            "its kernel", "no shared libsystemc loaded",
                     "the prebuilt rtl_sc sizes (" + rtl_sc_built_sizes() + "), impl rtl, or a decodesim built "
                     "against a shared libsystemc");
  return sc;
}

}  // namespace

std::string ensure_rtl_sc_model(const RtlDesign& d, const ArrayGeometry& g, std::ostream& progress) {
  if (g.rows != g.cols) throw std::invalid_argument("ensure_rtl_sc_model: the twin template is square");
  for (const std::string& s : d.sources)
    if (!fs::is_regular_file(s)) throw tool_error(d.where, "RTL source file not found", s, "an existing .sv or .v file");
  const Tools& t = tools(d.where);
  const SystemC sc = find_systemc(d.where);
  const fs::path cache = rtl_cache_dir();
  clean_stale_once(cache);
  const fs::path abi_dir = fs::path(home_folder()) / "tlm_models";

  Hasher h = design_key("systemc abi " + std::to_string(kRtlScAbi),
                         {"matmul/tile.h", "matmul/rtl_sc_twin.h", "matmul/sc_array.h", "matmul/sc_pins.h",
                          "matmul/systolic_transactor.h", "common/base/units.h"},
                         abi_dir, d, g);
  h.add(t.verilator_version);
  h.add(t.cxx_version);
  h.add(sc.version);
  h.add(sc.library);
  const std::string stem = d.top + "-" + std::to_string(g.rows) + "x" + std::to_string(g.cols) + "-wb" +
                           std::to_string(g.weight_buffers) + "-sc-" + h.hex();
  const fs::path final_dir = cache / stem;
  const fs::path so = final_dir / "model.so";
  if (fs::exists(final_dir / "done")) return so.string();

  check_rtl_contract(d, g);
  const auto t0 = std::chrono::steady_clock::now();
  progress << "decodesim: building SystemC-mode RTL model " << d.top << " " << geometry_text(g)
           << " for rtl_sc on first use (cached in " << final_dir.string() << ") ..." << std::endl;
  const std::vector<std::string> runtime = runtime_objects(t, cache, progress);

  build_in_scratch(cache, stem, final_dir, [&](const fs::path& tmp) {
    const fs::path mdir = tmp / "obj";
    // --pins-bv 2: every multi-bit port as sc_bv<N> (as rtl/CMakeLists.txt builds the prebuilt
    // ones), so sc_pins.h's one signal bundle binds every size.
    std::vector<std::string> vargs = {t.verilator, "--sc", "--pins-bv", "2", "-Wno-fatal", "--prefix", "Vmodel",
                                      "--top-module", d.top, "--Mdir", mdir.string(), "-O3"};
    for (const std::string& a : param_args(d, g)) vargs.push_back(a);
    for (const std::string& s : d.sources) vargs.push_back(s);
    progress << "decodesim:   verilating (--sc) ..." << std::endl;
    run_tool(vargs, tmp / "verilator.out", "verilator --sc");

    const std::string n = std::to_string(g.rows);
    std::ofstream(mdir / "decodesim_model.cpp")
        << "// Generated by decodesim (rtl_build.cpp): the C entry points of one on-demand rtl_sc model.\n"
           "#define SC_INCLUDE_DYNAMIC_PROCESSES\n#include <systemc>\n#include <cstdio>\n#include <string>\n"
           "#include \"Vmodel.h\"\n#include \"matmul/sc_array.h\"\n"
           "using namespace decodesim::matmul;\n"
           "extern \"C\" __attribute__((visibility(\"default\"))) int decodesim_rtl_sc_abi() { return kRtlScAbi; }\n"
           "extern \"C\" __attribute__((visibility(\"default\"))) ScArray* decodesim_rtl_sc_make(std::uint32_t size, "
           "const char* name, double clock_ghz, std::uint64_t* tiles, std::uint64_t* streams, char* err, "
           "std::size_t errlen) {\n"
           "  try {\n"
           "    if (size != " << n << ") throw std::runtime_error(\"built for " << n << "x" << n
        << ", asked for \" + std::to_string(size));\n"
           "    return new ScArrayModule<Vmodel, " << n << ">(name, clock_ghz, tiles, streams);\n"
           "  } catch (const std::exception& e) { std::snprintf(err, errlen, \"%s\", e.what()); return nullptr; }\n"
           "}\n";

    std::vector<std::string> cflags = {"-DVM_SC=1", "-DVM_TRACE=0", "-DVM_TRACE_FST=0", "-DVM_TRACE_VCD=0"};
    // A compiler's own include folder must not be named again: -I/usr/include would break its
    // #include_next chain (cmath -> math.h).
    if (sc.include_dir != "/usr/include" && sc.include_dir != "/usr/local/include")
      cflags.push_back("-I" + sc.include_dir);
    compile_and_link(t, mdir, abi_dir, cflags, runtime, {sc.library, "-lz", "-pthread"}, tmp / "model.so",
                     "rtl_sc model", progress);
  });
  progress << "decodesim: built SystemC-mode RTL model " << d.top << " " << geometry_text(g) << " in "
           << seconds_since(t0) << " s" << std::endl;
  return so.string();
}

}  // namespace decodesim::matmul
