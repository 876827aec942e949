// The verbs that exist to draw a picture or answer one architect's question:
//   decodesim gemm --system S --m M --k K --n N [--dtype D]   one GEMM on one chip
//   decodesim portfolio --model M --systems ... --batches ...  throughput against interactivity
// Same exit statuses as `run`: 0 ok, 2 bad input, 3 simulation failure.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "driver/commands.h"

namespace decodesim::driver {

struct GemmOptions {
  std::string system;
  std::uint64_t m = 0, k = 0, n = 0;
  std::string dtype = "bf16";  ///< weights and activations
  std::vector<std::string> sets;
  std::string out_dir, trace_file, html_file;
  bool quiet = false;
};
int cmd_gemm(const GemmOptions& o, std::ostream& out, std::ostream& err);

struct PortfolioOptions {
  std::string model;
  std::vector<std::string> systems;
  std::string batches = "1,2,4,8,16,32,64,128,256";
  ScenarioFlags scenario;  ///< context, tokens, dtypes (batch comes from `batches`)
  std::vector<std::string> sets;
  std::vector<double> targets = {50, 200, 500};  ///< tokens/s per user the best-system table asks for
  std::string html_file, csv_file;
  unsigned jobs = 1;
  bool progress = true;
  bool no_reuse = false;
};
int cmd_portfolio(const PortfolioOptions& o, std::ostream& out, std::ostream& err);

}  // namespace decodesim::driver
