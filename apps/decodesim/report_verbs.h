// The gemm and portfolio verbs' flags, kept out of main.cpp so each verb's parsing sits in one place.
#pragma once

#include <CLI/CLI.hpp>

#include "driver/reports.h"

namespace decodesim::cli {

class ReportVerbs {
 public:
  /// Adds `gemm` and `portfolio` to `app`.
  void add(CLI::App& app);
  /// Runs the verb the user chose, if it is one of these; false otherwise.
  bool dispatch(int& exit_code);

 private:
  driver::GemmOptions m_gemm;
  driver::PortfolioOptions m_pf;
  bool m_no_progress = false;
  CLI::App* m_gemm_cmd = nullptr;
  CLI::App* m_pf_cmd = nullptr;
};

}  // namespace decodesim::cli
