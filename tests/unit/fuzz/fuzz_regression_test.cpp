// Every input the fuzzers found a bug with (fuzz/corpus/regressions) and every seed
// (fuzz/corpus/seeds) goes through the same entry point as under libFuzzer: bad input must end
// as config::InputError, nothing else (fuzz/fuzz_entries.h). The limits that keep a hostile
// document from hanging or exhausting the process each have a test here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/config/error.h"
#include "common/config/node.h"
#include "fuzz_entries.h"

namespace fs = std::filesystem;
using decodesim::config::InputError;

namespace {

const fs::path kCorpus = fs::path(DECODESIM_SOURCE_DIR) / "fuzz" / "corpus";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t replay(const std::string& target, void (*entry)(const std::string&)) {
  std::size_t n = 0;
  for (const char* set : {"seeds", "regressions"}) {
    const fs::path dir = kCorpus / set / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      SCOPED_TRACE(e.path().string());
      EXPECT_NO_THROW(entry(slurp(e.path())));
      ++n;
    }
  }
  return n;
}

/// The message of the InputError that loading `file` throws ("" when it loads).
std::string load_error(const fs::path& file) {
  try {
    (void)decodesim::config::load_file(file.string());
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(FuzzRegression, ConfigLoaderCorpusEndsInLocatedErrorsOnly) {
  EXPECT_GT(replay("config_loader", decodesim::fuzz::config_loader), 10u);
}

TEST(FuzzRegression, SweepSpecCorpusEndsInLocatedErrorsOnly) {
  EXPECT_GT(replay("sweep_spec", decodesim::fuzz::sweep_spec), 5u);
}

TEST(FuzzLimits, FlowNestingDepthIsBounded) {
  EXPECT_NE(load_error(kCorpus / "seeds/config_loader/deep_flow.yaml").find("nesting too deep"), std::string::npos);
}

TEST(FuzzLimits, BlockNestingDepthIsBounded) {
  EXPECT_NE(load_error(kCorpus / "seeds/config_loader/deep_block.yaml").find("nesting too deep"), std::string::npos);
}

TEST(FuzzLimits, AliasExpansionIsBounded) {
  // Six levels of eight aliases: 8^6 = 262,144 nodes once expanded, over the 100,000 limit.
  EXPECT_NE(load_error(kCorpus / "seeds/config_loader/alias_bomb.yaml").find("document too large"), std::string::npos);
}

TEST(FuzzLimits, FileSizeIsBounded) {
  // Too big for a corpus file by definition: the seed's text padded past 1 MiB with a comment.
  const fs::path f = fs::temp_directory_path() / ("decodesim-fuzz-big-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(f) << slurp(kCorpus / "seeds/config_loader/unknown_key.yaml") << "# " << std::string(1 << 20, 'x')
                   << "\n";
  const std::string err = load_error(f);
  fs::remove(f);
  EXPECT_NE(err.find("file too large"), std::string::npos) << err;
}

TEST(FuzzLimits, BracketsInsideBlockAndPlainScalarsDoNotCountTowardNesting) {
  // 48 '[' in a plain scalar, a literal and a folded block scalar, and a comment: text, not
  // nesting. Used to be "nesting too deep" at the plain scalar.
  const std::string err = load_error(kCorpus / "seeds/config_loader/brackets_in_scalars.yaml");
  EXPECT_EQ(err.find("nesting too deep"), std::string::npos) << err;
  const std::string b(40, '[');
  for (const std::string& text : {"a: |\n  " + b + "\n", "- |-\n   " + b + "\n   more\n", "a: >\n  t\n\n  " + b + "\n",
                                  "a: x" + b + "\n", "a: x " + b + "\n", "x" + b + ": 1\n", "a: http:" + b + "\n"})
    EXPECT_NO_THROW((void)decodesim::config::load_string(text, "text.yaml")) << text;
  // A flow collection still counts wherever a node can begin: after an anchor, a tag, "- ", a
  // quoted key, on the next line, and after a block scalar or a multi-line quoted scalar ends.
  const std::string deep = b + std::string(40, ']');
  for (const std::string& text :
       {"a: &x " + deep + "\n", "a: !!seq " + deep + "\n", "- - " + deep + "\n", "\"k\": " + deep + "\n",
        "a:\n  " + deep + "\n", "a: |\n  text\nb: " + deep + "\n", "a: \"x\n  y\"\nb: " + deep + "\n"}) {
    try {
      (void)decodesim::config::load_string(text, "deep.yaml");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("nesting too deep"), std::string::npos) << e.what();
    }
  }
}

TEST(FuzzLimits, BracketsInsideQuotedStringsDoNotCountTowardNesting) {
  // 48 '[' inside a double-quoted name: text, not nesting. Used to be "nesting too deep".
  const std::string err = load_error(kCorpus / "seeds/config_loader/brackets_in_quotes.yaml");
  EXPECT_EQ(err.find("nesting too deep"), std::string::npos) << err;
  const std::string more = "a: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[''[[['\n"
                           "b: \"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\\\"{{{{\"\n"
                           "c: plain # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n";
  EXPECT_NO_THROW((void)decodesim::config::load_string(more, "quotes.yaml"));
  // Real nesting is still counted, also after a quoted string.
  EXPECT_THROW((void)decodesim::config::load_string("a: ['x', " + std::string(40, '[') + std::string(40, ']') + "]\n",
                                                    "deep.yaml"),
               InputError);
}
