// Errors for untrusted input (configs, workloads, CLI flags).
//
// Every message is one line: "file:line:col: key.path: what, got X, allowed Y".
// The CLI maps InputError to exit status 2 and prints what() verbatim.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace decodesim::config {

/// Where a value came from. line/col are 1-based; 0 means "not from a file".
struct SourceLoc {
  std::string file;
  int line = 0;
  int col = 0;

  std::string str() const;
};

/// Longest echo of a user value inside an error message.
inline constexpr std::size_t kMaxEcho = 80;
/// `text` cut to `max_chars` (then "...") with control characters written as \xNN.
std::string echo(const std::string& text, std::size_t max_chars = kMaxEcho);

/// Bad user input. Always carries a complete, printable one-line message.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}

  /// Builds "loc: key_path: what, got X, allowed Y"; empty got/allowed are omitted.
  InputError(const SourceLoc& loc, const std::string& key_path, const std::string& what,
             const std::string& got = {}, const std::string& allowed = {});
};

}  // namespace decodesim::config
