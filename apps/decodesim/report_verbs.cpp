#include "report_verbs.h"

#include <iostream>

namespace decodesim::cli {

void ReportVerbs::add(CLI::App& app) {
  m_gemm_cmd = app.add_subcommand("gemm", "one GEMM y[m,n] = x[m,k]·W[k,n] on one chip, against its roofline");
  m_gemm_cmd->add_option("--system", m_gemm.system, "system name or path (one chip of it is used)")->required();
  m_gemm_cmd->add_option("--m", m_gemm.m, "rows of x and y (tokens)")->required();
  m_gemm_cmd->add_option("--k", m_gemm.k, "reduction dimension")->required();
  m_gemm_cmd->add_option("--n", m_gemm.n, "columns of W and y")->required();
  m_gemm_cmd->add_option("--dtype", m_gemm.dtype, "weights and activations: bf16 | fp8 | int8 | int4 (default bf16)");
  m_gemm_cmd->add_option("--set", m_gemm.sets, "override a config key: a.b.c=value (repeatable)");
  m_gemm_cmd->add_option("--out", m_gemm.out_dir, "write result.json and kernels.csv into this folder");
  m_gemm_cmd->add_option("--trace", m_gemm.trace_file, "write a Perfetto/Chrome trace (JSON) to this file");
  m_gemm_cmd->add_option("--html", m_gemm.html_file, "write a self-contained HTML report to this file");
  m_gemm_cmd->add_flag("--quiet", m_gemm.quiet, "no console block");

  m_pf_cmd = app.add_subcommand("portfolio", "throughput against interactivity: systems x batch sizes, best system per target");
  m_pf_cmd->add_option("--model", m_pf.model, "model name or path")->required();
  m_pf_cmd->add_option("--systems", m_pf.systems, "system names or paths")->required();
  m_pf_cmd->add_option("--batches", m_pf.batches, "comma-separated batch sizes (default 1,2,4,...,256)");
  m_pf_cmd->add_option("--context", m_pf.scenario.context, "cached KV length (default 2048)");
  m_pf_cmd->add_option("--tokens", m_pf.scenario.tokens, "tokens to decode per run (default 1)");
  m_pf_cmd->add_option("--weight-dtype", m_pf.scenario.weight_dtype, "bf16 | fp8 | int8 | int4 (default bf16)");
  m_pf_cmd->add_option("--act-dtype", m_pf.scenario.act_dtype, "bf16 | fp8 | int8 | int4 (default bf16)");
  m_pf_cmd->add_option("--kv-dtype", m_pf.scenario.kv_dtype, "bf16 | fp8 | int8 | int4 (default bf16)");
  m_pf_cmd->add_flag_callback("--turn", [this] { m_pf.scenario.turn = "true"; },
                              "agent turns (docs/turns.md): interactivity is 1 / TPOT");
  m_pf_cmd->add_option("--cached-tokens", m_pf.scenario.cached_tokens, "turn: reused context (default 0)");
  m_pf_cmd->add_option("--prompt-tokens", m_pf.scenario.prompt_tokens, "turn: new prompt tokens (default 2048)");
  m_pf_cmd->add_option("--output-tokens", m_pf.scenario.output_tokens, "turn: tokens emitted (default 128)");
  m_pf_cmd->add_option("--set", m_pf.sets, "override a config key in every system (repeatable)");
  m_pf_cmd->add_option("--targets", m_pf.targets, "tokens/s per user the best-system table asks for (default 50 200 500)")
      ->delimiter(',');
  m_pf_cmd->add_option("--html", m_pf.html_file, "write the self-contained HTML chart to this file");
  m_pf_cmd->add_option("--csv", m_pf.csv_file, "write one row per system and batch to this CSV file");
  m_pf_cmd->add_option("-j,--jobs", m_pf.jobs, "child processes at a time (default 1)");
  m_pf_cmd->add_flag("--no-reuse", m_pf.no_reuse, "simulate every layer and every chip");
  m_pf_cmd->add_flag("--no-progress", m_no_progress, "no progress line on stderr");
}

bool ReportVerbs::dispatch(int& exit_code) {
  if (m_gemm_cmd && *m_gemm_cmd) {
    exit_code = driver::cmd_gemm(m_gemm, std::cout, std::cerr);
    return true;
  }
  if (m_pf_cmd && *m_pf_cmd) {
    m_pf.progress = !m_no_progress;
    exit_code = driver::cmd_portfolio(m_pf, std::cout, std::cerr);
    return true;
  }
  return false;
}

}  // namespace decodesim::cli
