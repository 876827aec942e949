// The config core: includes, --set, typed parsing, and one-line located errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/config/schema.h"

namespace fs = std::filesystem;
using namespace decodesim::config;

namespace {

enum class Policy { Open, Closed };

struct Inner {
  std::uint32_t rows = 0;
  double clock_ghz = 0;
  static const Schema<Inner>& schema() {
    static const Schema<Inner> s =
        Schema<Inner>("inner block")
            .num("rows", &Inner::rows, "count", 128u, 4u, 1024u, "array rows", Check::PowerOfTwo)
            .num("clock_ghz", &Inner::clock_ghz, "GHz", 1.0, 0.1, 5.0, "clock");
    return s;
  }
  void validate(const Node*, const std::string&) const {}
};

struct Outer {
  std::uint32_t count = 0;
  Policy policy = Policy::Open;
  bool enabled = false;
  std::vector<std::uint32_t> dims;
  Inner inner;
  static const Schema<Outer>& schema() {
    static const Schema<Outer> s =
        Schema<Outer>("outer block")
            .num("count", &Outer::count, "count", 2u, 1u, 16u, "things")
            .choice("policy", &Outer::policy, {{"open", Policy::Open}, {"closed", Policy::Closed}}, Policy::Open,
                    "page policy")
            .flag("enabled", &Outer::enabled, false, "switch")
            .list("dims", &Outer::dims, "chips", std::vector<std::uint32_t>{1}, 1u, 64u, 3, "torus dims")
            .section("inner", &Outer::inner);
    return s;
  }
  void validate(const Node* n, const std::string& path) const {
    if (count > inner.rows) fail_at(n, path, "count", "must not exceed inner.rows", std::to_string(count), "<= rows");
  }
};

class TempDir {
 public:
  TempDir() : m_dir(fs::temp_directory_path() / ("cfgtest-" + std::to_string(::getpid()))) {
    fs::create_directories(m_dir);
  }
  ~TempDir() { fs::remove_all(m_dir); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = m_dir / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  fs::path m_dir;
};

Outer read_outer(const Node& root) {
  Outer o;
  Outer::schema().read(root.find("outer"), "outer", o);
  return o;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Config, DefaultsApplyWhenSectionAbsent) {
  Node root = load_string("{}", "t.yaml");
  const Outer o = read_outer(root);
  EXPECT_EQ(o.count, 2u);
  EXPECT_EQ(o.inner.rows, 128u);
  EXPECT_EQ(o.dims, std::vector<std::uint32_t>{1});
}

TEST(Config, ReadsTypedValues) {
  Node root = load_string("outer:\n  count: 3\n  policy: closed\n  enabled: true\n  dims: [2, 4]\n  inner: {rows: 16}\n",
                          "t.yaml");
  const Outer o = read_outer(root);
  EXPECT_EQ(o.count, 3u);
  EXPECT_EQ(o.policy, Policy::Closed);
  EXPECT_TRUE(o.enabled);
  EXPECT_EQ(o.dims, (std::vector<std::uint32_t>{2, 4}));
  EXPECT_EQ(o.inner.rows, 16u);
}

TEST(Config, UnknownKeyIsLocatedError) {
  Node root = load_string("outer:\n  cuont: 3\n", "sys.yaml");
  EXPECT_EQ(error_of([&] { read_outer(root); }),
            "sys.yaml:2:10: outer.cuont: unknown key, got 'cuont', allowed one of: count, policy, enabled, dims, inner");
}

TEST(Config, OutOfRangeNamesAllowedRange) {
  Node root = load_string("outer:\n  inner:\n    rows: 100\n", "sys.yaml");
  EXPECT_EQ(error_of([&] { read_outer(root); }),
            "sys.yaml:3:11: outer.inner.rows: must be a power of two in range, got 100, allowed a power of two in [4, 1024]");
}

TEST(Config, WrongTypeAndBadChoice) {
  EXPECT_NE(error_of([&] { read_outer(load_string("outer: {count: many}", "a.yaml")); })
                .find("a.yaml:1:16: outer.count: expected an integer, got 'many'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_outer(load_string("outer: {policy: half}", "a.yaml")); })
                .find("outer.policy: unknown choice, got 'half', allowed open | closed"),
            std::string::npos);
}

TEST(Config, CrossFieldValidationIsLocated) {
  Node root = load_string("outer:\n  count: 16\n  inner: {rows: 8}\n", "s.yaml");
  EXPECT_EQ(error_of([&] { read_outer(root); }),
            "s.yaml:2:10: outer.count: must not exceed inner.rows, got 16, allowed <= rows");
}

TEST(Config, MalformedYamlNamesLine) {
  const std::string e = error_of([&] { load_string("outer:\n  count: [1, 2\n", "bad.yaml"); });
  EXPECT_EQ(e.rfind("bad.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("malformed YAML"), std::string::npos) << e;
}

TEST(Config, IncludesMergeThenOwnKeysWin) {
  TempDir t;
  t.write("frag/inner.yaml", "outer:\n  count: 4\n  inner: {rows: 32, clock_ghz: 2.0}\n");
  const std::string top = t.write("sys/top.yaml", "include: ../frag/inner.yaml\nouter:\n  inner: {rows: 64}\n");
  const Outer o = read_outer(load_file(top));
  EXPECT_EQ(o.count, 4u);
  EXPECT_EQ(o.inner.rows, 64u);
  EXPECT_DOUBLE_EQ(o.inner.clock_ghz, 2.0);
}

TEST(Config, IncludeCycleAndMissingIncludeAreErrors) {
  TempDir t;
  t.write("a.yaml", "include: b.yaml\n");
  const std::string b = t.write("b.yaml", "include: a.yaml\n");
  EXPECT_NE(error_of([&] { load_file(b); }).find("include cycle"), std::string::npos);
  const std::string c = t.write("c.yaml", "include: [nope.yaml]\n");
  const std::string e = error_of([&] { load_file(c); });
  EXPECT_NE(e.find("c.yaml:1:11: include: file not found"), std::string::npos) << e;
}

TEST(Config, SetOverridesAndIsLocated) {
  Node root = load_string("outer: {count: 3}", "s.yaml");
  apply_set(root, "outer.inner.rows=256");
  EXPECT_EQ(read_outer(root).inner.rows, 256u);
  apply_set(root, "outer.inner.rows=3");
  EXPECT_EQ(error_of([&] { read_outer(root); }),
            "--set:1:18: outer.inner.rows: must be a power of two in range, got 3, allowed a power of two in [4, 1024]");
  EXPECT_NE(error_of([&] { apply_set(root, "novalue"); }).find("expected key.path=value"), std::string::npos);
}

TEST(Config, HostileDocumentsAreBounded) {
  std::string deep(100, '[');
  EXPECT_NE(error_of([&] { load_string("a: " + deep, "d.yaml"); }).find("nesting too deep"), std::string::npos);
  // Alias expansion ("billion laughs") is cut off by the node budget.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 0; i < 8; ++i) {
    const char cur = static_cast<char>('b' + i), prev = static_cast<char>('a' + i);
    bomb += std::string(1, cur) + ": &" + cur + " [";
    for (int j = 0; j < 10; ++j) bomb += std::string(j ? ", " : "") + "*" + prev;
    bomb += "]\n";
  }
  EXPECT_NE(error_of([&] { load_string(bomb, "bomb.yaml"); }).find("document too large"), std::string::npos);
}

TEST(Config, ExplainListsEveryLeafKey) {
  std::vector<ParamInfo> rows;
  Outer::schema().collect("outer", rows);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[5].key, "outer.inner.clock_ghz");
  EXPECT_EQ(rows[5].unit, "GHz");
  EXPECT_EQ(rows[5].default_value, "1");
}
