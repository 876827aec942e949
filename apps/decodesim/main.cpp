// decodesim command line. Thin by design: it parses arguments and calls decodesim::driver.
#include <systemc>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "driver/commands.h"
#include "report/report.h"
#include "report_verbs.h"
#include "sweep/sweep_commands.h"
#include "validation/validation.h"

namespace {

void add_scenario_flags(CLI::App* app, decodesim::driver::ScenarioFlags& f) {
  app->add_option("--batch", f.batch, "sequences decoded together (default 1)");
  app->add_option("--context", f.context, "cached KV length at the first decoded token (default 2048)");
  app->add_option("--tokens", f.tokens, "tokens to decode; context grows by one each (default 1)");
  app->add_option("--weight-dtype", f.weight_dtype, "bf16 | fp8 | int8 | int4 | int4_g32 | int4_g64 | int4_g128 (default bf16)");
  app->add_option("--act-dtype", f.act_dtype, "bf16 | fp8 | int8 | int4 (default bf16)");
  app->add_option("--kv-dtype", f.kv_dtype, "bf16 | fp8 | int8 | int4 (default bf16)");
  app->add_option("--seed", f.seed, "seed for MoE routing and token ids (sets sim.seed)");
  app->add_flag_callback("--turn", [&f] { f.turn = "true"; },
                         "simulate an agent turn: prefill, then decode (docs/turns.md)");
  app->add_option("--prompt-tokens", f.prompt_tokens, "turn: new tokens to prefill (default 2048)");
  app->add_option("--cached-tokens", f.cached_tokens, "turn: context already in the KV cache (default 0)");
  app->add_option("--output-tokens", f.output_tokens, "turn: tokens to emit (default 128)");
}

}  // namespace

int sc_main(int argc, char** argv) {
  using namespace decodesim::driver;
  CLI::App app{"decodesim: where LLM decode time and energy go on TPU, LPU and GPU models"};
  app.require_subcommand(1);

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "simulate one system on one workload");
  run_cmd->add_option("--system", run.system, "system name (configs/systems/<name>.yaml) or path")->required();
  run_cmd->add_option("--model", run.model, "model name (workloads/<name>.yaml) or path")->required();
  add_scenario_flags(run_cmd, run.scenario);
  run_cmd->add_option("--set", run.sets, "override a config key: a.b.c=value (repeatable)");
  run_cmd->add_option("--out", run.out_dir, "write result.json and kernels.csv into this folder");
  run_cmd->add_option("--trace", run.trace_file, "write a Perfetto/Chrome trace (JSON) to this file");
  run_cmd->add_option("--html", run.html_file, "write a self-contained HTML report to this file");
  run_cmd->add_option("--rtl-wave", run.rtl_wave_file,
                      "write the pins of every in-kernel RTL array (matmul.impl rtl_sc) to this VCD file");
  run_cmd->add_flag("--no-reuse", run.no_reuse, "simulate every layer and every chip");
  run_cmd->add_flag("--quiet", run.quiet, "no console table and no progress line");

  CompareOptions cmp;
  auto* cmp_cmd = app.add_subcommand("compare", "run several systems on one workload, side by side");
  cmp_cmd->add_option("--model", cmp.model, "model name or path")->required();
  cmp_cmd->add_option("--systems", cmp.systems, "system names or paths")->required();
  add_scenario_flags(cmp_cmd, cmp.scenario);
  cmp_cmd->add_option("--set", cmp.sets, "override a config key in every system (repeatable)");
  cmp_cmd->add_option("--out", cmp.out_dir, "keep each system's result.json under this folder");
  cmp_cmd->add_option("--html", cmp.html_file, "write a self-contained HTML comparison to this file");
  cmp_cmd->add_option("-j,--jobs", cmp.jobs, "child processes at a time (default 1)");
  cmp_cmd->add_flag("--no-reuse", cmp.no_reuse, "simulate every layer and every chip");
  cmp_cmd->add_flag("--quiet", cmp.quiet, "no progress line on a terminal");

  auto* cfg_cmd = app.add_subcommand("config", "inspect configuration keys");
  cfg_cmd->require_subcommand(1);
  std::string section;
  bool markdown = false;
  auto* explain = cfg_cmd->add_subcommand("explain", "list every key with type, unit, default and description");
  explain->add_option("section", section, "a section (hbm, tpu, tpu.mxu, ...) or scenario or model");
  explain->add_flag("--markdown", markdown, "print a Markdown table (for docs)");
  std::string show_system;
  std::vector<std::string> show_sets;
  auto* show = cfg_cmd->add_subcommand("show", "print the resolved config of a system as YAML (its architecture's sections only)");
  show->add_option("--system", show_system, "system name or path")->required();
  show->add_option("--set", show_sets, "override a config key (repeatable)");

  decodesim::matmul::ValidateOptions vr;
  std::string vr_sizes;
  auto* vr_cmd = app.add_subcommand("validate-rtl", "check the RTL matmul core against the TLM core, bit and cycle");
  vr_cmd->add_option("--sizes", vr_sizes, "comma-separated array sizes (default: 4,8,16,32)");
  std::string vr_tiles;
  vr_cmd->add_option("--tiles", vr_tiles, "random tiles per size (default 1000, at most 10000000)");
  vr_cmd->add_option("--seed", vr.seed, "seed of the random tiles (default 1)");
  vr_cmd->add_option("--wave", vr.wave_path, "write an FST waveform of every run");
  std::vector<std::string> vr_rtl, vr_params;
  vr_cmd->add_option("--rtl", vr_rtl, "your design's .sv/.v files (rtl/README.md is the contract); default: ours")
      ->expected(1, -1);
  vr_cmd->add_option("--top", vr.design.top, "top module of --rtl (default systolic_array)");
  vr_cmd->add_option("--param", vr_params, "NAME=INT parameter override of the top (repeatable)");
  vr_cmd->add_option("--fail-wave-dir", vr.failure_wave_dir, "where the FST of a failing run goes (default .)");

  decodesim::sweep::SweepOptions sw;
  bool no_progress = false;
  auto* sweep_cmd = app.add_subcommand("sweep", "run every point of a sweep spec (configs/sweeps/*.yaml)");
  sweep_cmd->add_option("spec", sw.spec, "sweep spec file")->required();
  sweep_cmd->add_option("--out", sw.out_dir, "results folder; rerunning into it resumes");
  sweep_cmd->add_option("-j,--jobs", sw.jobs, "points at a time (default 1)");
  sweep_cmd->add_option("--timeout", sw.timeout, "per-point limit in seconds (default: the spec's timeout_s)");
  sweep_cmd->add_option("--shard", sw.shard, "run only slice i of N (points with index % N == i)");
  sweep_cmd->add_flag("--retry-failed", sw.retry_failed, "rerun points recorded as failed or timed out");
  sweep_cmd->add_flag("--keep-results", sw.keep_results, "keep each point's result.json in DIR/points/");
  sweep_cmd->add_flag("--no-progress", no_progress, "no progress line on stderr");
  sweep_cmd->add_flag("--dry-run", sw.dry_run, "validate and list the points; run nothing");
  sweep_cmd->add_option("--emit-slurm", sw.emit_slurm, "write a Slurm job-array script (and FILE.merge) instead of running");
  sweep_cmd->add_option("--shards", sw.slurm_shards, "array tasks for --emit-slurm (default 4)");
  sweep_cmd->add_option("--sbatch-opt", sw.sbatch_options, "extra sbatch argument for --emit-slurm (repeatable)");

  std::vector<std::string> merge_dirs;
  std::string merge_out;
  auto* merge_cmd = app.add_subcommand("sweep-merge", "merge the shard folders of one sweep");
  merge_cmd->add_option("dirs", merge_dirs, "shard results folders")->required();
  merge_cmd->add_option("--out", merge_out, "merged results folder")->required();

  decodesim::sweep::ReportOptions rep;
  auto* report_cmd = app.add_subcommand("sweep-report", "best points and Pareto front of a sweep's results");
  report_cmd->add_option("dir", rep.dir, "results folder")->required();
  report_cmd->add_option("--best", rep.best, "rank by metric:max or metric:min");
  report_cmd->add_option("--top", rep.top, "how many best points (default 10)");
  report_cmd->add_option("--pareto", rep.pareto, "front of two objectives, e.g. tokens_per_s:max,energy_per_token_j:min");
  report_cmd->add_option("--plot", rep.plot, "draw the front into this .svg or .png (gnuplot)");
  report_cmd->add_option("--html", rep.html, "write a self-contained HTML report (table, line plots, Pareto front)");

  decodesim::cli::ReportVerbs report_verbs;
  report_verbs.add(app);

  decodesim::validation::ValidateOptions val;
  auto* val_cmd =
      app.add_subcommand("validate", "run every calibration point (tests/validation/points.yaml) against its band");
  val_cmd->add_option("--points", val.points_file, "points file (default: tests/validation/points.yaml)");
  val_cmd->add_option("--bin-dir", val.bin_dir, "build folder holding testbenches/ (for gpu_tb and hbm_tb points)");
  val_cmd->add_option("--markdown", val.markdown, "write the results table here (docs/VALIDATION.md)");
  val_cmd->add_option("--only", val.only, "run only points whose id contains this text");
  val_cmd->add_option("-j,--jobs", val.jobs, "child processes at a time (default 1)");

  auto* model_cmd = app.add_subcommand("model", "work with model descriptions (workloads/*.yaml)");
  model_cmd->require_subcommand(1);
  std::string import_json, import_out, import_name;
  auto* import_cmd = model_cmd->add_subcommand("import", "turn a Hugging Face config.json into a workload YAML");
  import_cmd->add_option("config", import_json, "the model's config.json")->required();
  import_cmd->add_option("-o,--out", import_out, "write the YAML here instead of standard output");
  import_cmd->add_option("--name", import_name, "model name (default: the -o file's stem, else the config's folder)");

  auto* version = app.add_subcommand("version", "print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "decodesim: error: " << e.what() << " (see decodesim --help)\n";
    return kExitBadInput;
  }

  auto verb = [&]() -> int {
    if (int rc = 0; report_verbs.dispatch(rc)) return rc;
    if (*run_cmd) return cmd_run(run, std::cout, std::cerr);
    if (*cmp_cmd) return cmd_compare(cmp, std::cout, std::cerr);
    if (*sweep_cmd) {
      sw.progress = !no_progress;
      return decodesim::sweep::cmd_sweep(sw, std::cout, std::cerr);
    }
    if (*merge_cmd) return decodesim::sweep::cmd_sweep_merge(merge_dirs, merge_out, std::cout, std::cerr);
    if (*report_cmd) return decodesim::sweep::cmd_sweep_report(rep, std::cout, std::cerr);
    if (*explain) return cmd_config_explain(section, markdown, std::cout, std::cerr);
    if (*show) return cmd_config_show(show_system, show_sets, std::cout, std::cerr);
    if (*vr_cmd) return cmd_validate_rtl(vr, vr_sizes, vr_tiles, vr_rtl, vr_params, std::cout, std::cerr);
    if (*import_cmd) return cmd_model_import(import_json, import_out, import_name, std::cout, std::cerr);
    if (*val_cmd) return decodesim::validation::cmd_validate(val, std::cout, std::cerr);
    if (*version) {
      const auto paths = decodesim::driver::Paths::from_env();
      std::cout << "decodesim " << decodesim::report::version_string() << "\n"
                << "configs   " << paths.configs_dir << "\n"
                << "workloads " << paths.workloads_dir << "\n";
      return kExitOk;
    }
    return kExitBadInput;
  };
  return guarded(std::cerr, verb);
}
