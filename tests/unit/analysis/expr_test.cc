#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/expr/diagnostic.h"
#include "analysis/expr/evaluate.h"
#include "analysis/expr/regex.h"
#include "analysis/expr/value.h"

namespace {

using gitopsd::analysis::expr::compile;
using gitopsd::analysis::expr::evaluate;
using gitopsd::analysis::expr::evaluateCondition;
using gitopsd::analysis::expr::Limits;
using gitopsd::analysis::expr::Regex;
using nlohmann::json;

struct Case {
  std::string source;
  json expected;
};

const json& testEnv() {
  static const json env = json::parse(R"({
    "result": [0.97, 0.5],
    "n": 7, "f": 2.5, "s": "hello", "nan": null, "big": 9223372036854775807,
    "m": {"a": 1, "b": {"c": "deep"}, "list": [1, 2, 3]},
    "items": [{"id": "x", "value": "9950"}, {"id": "y", "value": "9901"}, {"id": "z", "value": "12"}]
  })");
  return env;
}

json run(const std::string& source, const json& env = testEnv()) {
  INFO(source);
  auto program = compile(source);
  REQUIRE(program.ok());
  auto value = evaluate(*program, env);
  if (!value.ok()) FAIL(value.status().message());
  return *value;
}

std::string errorOf(const std::string& source, const json& env = testEnv()) {
  INFO(source);
  auto program = compile(source);
  if (!program.ok()) return program.status().message();
  auto value = evaluate(*program, env);
  REQUIRE_FALSE(value.ok());
  CHECK(value.status().code() == gitopsd::core::StatusCode::kInvalid);
  return value.status().message();
}

void checkAll(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    INFO(c.source);
    json got = run(c.source);
    CHECK(got == c.expected);
    CHECK(gitopsd::analysis::expr::typeName(got) == gitopsd::analysis::expr::typeName(c.expected));
  }
}

}  // namespace

TEST_CASE("expr: literals", "[expr]") {
  checkAll({
      {"42", 42},
      {"0x1F", 31},
      {"0b101", 5},
      {"0o17", 15},
      {"1_000_000", 1000000},
      {"2.5", 2.5},
      {"1e3", 1000.0},
      {"2.5e-1", 0.25},
      {"'single'", "single"},
      {"\"double\"", "double"},
      {R"("a\tb\n\"q\" \\ \u00e9 \x41")", "a\tb\n\"q\" \\ \u00e9 A"},
      {R"('it\'s')", "it's"},
      {"`raw \\n`", "raw \\n"},
      {"true", true},
      {"false", false},
      {"nil", nullptr},
      {"[1, 'a', nil, [true]]", json::parse(R"([1, "a", null, [true]])")},
      {"[]", json::array()},
      {"[1, 2,]", json::array({1, 2})},
      {"{a: 1, 'b c': [2], \"d\": {e: nil}}", json::parse(R"({"a":1,"b c":[2],"d":{"e":null}})")},
      {"{}", json::object()},
  });
}

TEST_CASE("expr: arithmetic follows expr-lang", "[expr]") {
  checkAll({
      {"1 + 2", 3},
      {"1 + 2.5", 3.5},
      {"7 - 10", -3},
      {"3 * 4", 12},
      {"3 * 0.5", 1.5},
      {"7 / 2", 3.5},  // int / int is a float
      {"6 / 3", 2.0},  // still a float
      {"7 % 3", 1},
      {"-7 % 3", -1},  // Go's remainder keeps the dividend's sign
      {"2 ** 10", 1024.0},
      {"2 ^ 3", 8.0},
      {"2 ** 3 ** 2", 512.0},  // right-associative
      {"-2 ** 2", -4.0},       // ** binds tighter than unary minus
      {"-n", -7},
      {"+f", 2.5},
      {"- -3", 3},
      {"1 + 2 * 3", 7},
      {"(1 + 2) * 3", 9},
      {"10 - 2 - 3", 5},
      {"big + 1", std::numeric_limits<std::int64_t>::min()},  // wraps like Go
      {"'foo' + 'bar'", "foobar"},
      {"s + ' ' + 'world'", "hello world"},
      {"[1] + [2, 3]", json::array({1, 2, 3})},
      {"f * 2", 5.0},
  });
  CHECK(std::isinf(run("1 / 0").get<double>()));
  CHECK(std::isnan(run("0 / 0").get<double>()));
}

TEST_CASE("expr: comparison and equality", "[expr]") {
  checkAll({
      {"1 == 1", true},
      {"1 == 1.0", true},
      {"1 != 2", true},
      {"'a' == 'a'", true},
      {"'a' == 1", false},  // different types are unequal, not an error
      {"nil == nil", true},
      {"nan == nil", true},
      {"[1, 2] == [1, 2]", true},
      {"{a: 1} == {a: 1.0}", true},
      {"1 < 2", true},
      {"2 <= 2", true},
      {"3 > 2.5", true},
      {"2 >= 3", false},
      {"'abc' < 'abd'", true},
      {"'b' >= 'a'", true},
      {"result[0] >= 0.95", true},
      {"0/0 < 1", false},  // NaN is unordered
  });
}

TEST_CASE("expr: logic short-circuits", "[expr]") {
  checkAll({
      {"true && false", false},
      {"true and true", true},
      {"false || true", true},
      {"false or false", false},
      {"!true", false},
      {"not false", true},
      {"!!true", true},
      {"not (1 > 2)", true},
      {"false && (1 / 'x')", false},  // the right side is never evaluated
      {"true || missing", true},
      {"true || false && false", true},  // && binds tighter
      {"1 < 2 && 2 < 3", true},
  });
}

TEST_CASE("expr: ternary and nil coalescing", "[expr]") {
  checkAll({
      {"n > 5 ? 'big' : 'small'", "big"},
      {"false ? 1 : true ? 2 : 3", 2},
      {"nan ?? 5", 5},
      {"n ?? 5", 7},
      {"m.missing ?? 'dflt'", "dflt"},
      {"m?.missing?.deeper ?? 1", 1},
  });
}

TEST_CASE("expr: member, index and slice", "[expr]") {
  checkAll({
      {"m.a", 1},
      {"m.b.c", "deep"},
      {"m['b']['c']", "deep"},
      {"m.missing", nullptr},
      {"nan?.x", nullptr},
      {"nan?.x.y.z", nullptr},  // the rest of an optional chain is nil
      {"nan?.[0]", nullptr},
      {"m.list[0]", 1},
      {"m.list[-1]", 3},
      {"result[1]", 0.5},
      {"s[1]", "e"},
      {"s[-1]", "o"},
      {"m.list[1:]", json::array({2, 3})},
      {"m.list[:2]", json::array({1, 2})},
      {"m.list[-2:]", json::array({2, 3})},
      {"m.list[2:1]", json::array()},
      {"s[1:3]", "el"},
      {"items[0].id", "x"},
  });
}

TEST_CASE("expr: membership and string operators", "[expr]") {
  checkAll({
      {"2 in [1, 2, 3]", true},
      {"2.0 in [1, 2, 3]", true},
      {"4 in m.list", false},
      {"4 not in m.list", true},
      {"'a' in m", true},
      {"'z' in m", false},
      {"'z' not in m", true},
      {"1 in nil", false},
      {"s contains 'ell'", true},
      {"s startsWith 'he'", true},
      {"s endsWith 'lo'", true},
      {"s endsWith 'x'", false},
      {"s not contains 'x'", true},
      {"s matches '^h.l+o$'", true},
      {"s matches 'L'", false},
      {"s matches '(?i)L'", true},
      {"'v1.2.3' matches '^v\\\\d+(\\\\.\\\\d+){2}$'", true},
      {"'abc' matches 'x|b'", true},
      {"s not matches 'z'", true},
      {"1..3", json::array({1, 2, 3})},
      {"3..1", json::array()},
      {"len(1..100)", 100},
  });
}

TEST_CASE("expr: builtins", "[expr]") {
  checkAll({
      {"len(m.list)", 3},
      {"len(s)", 5},
      {"len(m)", 3},
      {"len([])", 0},
      {"all(m.list, {# > 0})", true},
      {"all(m.list, # > 1)", false},  // a predicate without braces
      {"all([], {false})", true},
      {"any(m.list, {# == 2})", true},
      {"any([], {true})", false},
      {"none(m.list, {# > 5})", true},
      {"one(m.list, {# > 2})", true},
      {"one(m.list, {# > 1})", false},
      {"filter(m.list, {# % 2 == 1})", json::array({1, 3})},
      {"map(m.list, {# * 10})", json::array({10, 20, 30})},
      {"map(items, {.id})", json::array({"x", "y", "z"})},
      {"count(items, {asInt(.value) > 100})", 2},
      {"count([true, false, true])", 2},
      {"all(map(1..3, {[#, #]}), {len(#) == 2 && all(#, {# > 0})})", true},  // nested closures
      {"asInt('42')", 42},
      {"asInt('-7')", -7},
      {"asInt(3.9)", 3},
      {"asInt(5)", 5},
      {"asFloat('9950')", 9950.0},
      {"asFloat('1.5e2')", 150.0},
      {"asFloat(2)", 2.0},
      {"isNaN(asFloat('NaN'))", true},
      {"isNaN(1.5)", false},
      {"isNaN(1)", false},
      {"isInf(1 / 0)", true},
      {"isInf(asFloat('-Inf'))", true},
      {"isInf(2.0)", false},
      {"isNil(nan)", true},
      {"isNil(n)", false},
      {"default(nan, 3)", 3},
      {"default(n, 3)", 7},
      {"abs(-3)", 3},
      {"abs(-2.5)", 2.5},
      {"max(1, 5, 3)", 5},
      {"max(1, 5.5)", 5.5},
      {"min(m.list)", 1},
      {"min(4, -1)", -1},
      {"sum([1, 2, 3])", 6},
      {"sum([1, 2.5])", 3.5},
      {"int(2.7)", 2},
      {"int('12')", 12},
      {"float(3)", 3.0},
      {"float('0.25')", 0.25},
      {"string(42)", "42"},
      {"string(2.5)", "2.5"},
      {"string(1e21)", "1e+21"},
      {"string(nil)", "<nil>"},
      {"string(true)", "true"},
      {"upper('abC')", "ABC"},
      {"lower('AbC')", "abc"},
      {"trim('  x y \\n')", "x y"},
      {"trim('--x--', '-')", "x"},
  });
}

TEST_CASE("expr: the demo's apdex condition", "[expr]") {
  json env = json::parse(R"({"result": {"service_apdex": {"values": {"values": [
      {"id": "x", "value": "9950"}, {"id": "y", "value": "9901"}, {"id": "z", "value": "10000"}]}}}})");
  const std::string condition =
      "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})";
  auto ok = evaluateCondition(condition, env);
  REQUIRE(ok.ok());
  CHECK(*ok);
  env["result"]["service_apdex"]["values"]["values"][1]["value"] = "9000";
  ok = evaluateCondition(condition, env);
  REQUIRE(ok.ok());
  CHECK_FALSE(*ok);
  env["result"]["service_apdex"]["values"]["values"][1]["value"] = "n/a";
  ok = evaluateCondition(condition, env);
  REQUIRE_FALSE(ok.ok());
  CHECK_THAT(ok.status().message(), Catch::Contains("asFloat(): cannot parse \"n/a\""));
}

TEST_CASE("expr: Argo's usual conditions", "[expr]") {
  struct Condition {
    std::string source;
    json result;
    bool expected;
  };
  const std::vector<Condition> cases = {
      {"result[0] >= 0.95", json::array({0.97}), true},
      {"result[0] >= 0.95", json::array({0.9}), false},
      {"len(result) > 0 && result[0] < 5", json::array({3}), true},
      {"len(result) > 0 && result[0] < 5", json::array(), false},
      {"isNaN(result)", std::numeric_limits<double>::quiet_NaN(), true},
      {"isNaN(result)", 0.5, false},
      {"default(result, 0) > 1", nullptr, false},
      {"default(result, 0) > 1", 2, true},
      {"result == 'ok'", "ok", true},
      {"result.successful == true", json{{"successful", true}}, true},
      {"asInt(result) < 10", "9", true},
  };
  for (const auto& c : cases) {
    INFO(c.source << " with result " << c.result.dump());
    auto value = evaluateCondition(c.source, json{{"result", c.result}});
    REQUIRE(value.ok());
    CHECK(*value == c.expected);
  }
}

TEST_CASE("expr: a non-bool condition is an error naming its type", "[expr]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1 + 1", "expected bool, got int"},  {"result", "expected bool, got array"},
      {"'x'", "expected bool, got string"}, {"nil", "expected bool, got nil"},
      {"1.5", "expected bool, got float"},  {"{}", "expected bool, got map"},
  };
  for (const auto& [source, message] : cases) {
    auto value = evaluateCondition(source, json{{"result", json::array({1})}});
    REQUIRE_FALSE(value.ok());
    CHECK_THAT(value.status().message(), Catch::StartsWith(message));
  }
}

TEST_CASE("expr: type errors name the operator and both types", "[expr]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"'a' < 1", "invalid operation: < (mismatched types string and int)"},
      {"s + 1", "invalid operation: + (mismatched types string and int)"},
      {"[1] - 1", "invalid operation: - (mismatched types array and int)"},
      {"2.5 % 2", "invalid operation: % (mismatched types float and int)"},
      {"nil > 1", "invalid operation: > (mismatched types nil and int)"},
      {"1 contains 'a'", "invalid operation: contains (mismatched types int and string)"},
      {"1 in 'abc'", "invalid operation: in (mismatched types int and string)"},
      {"1.5..3", "invalid operation: .. (mismatched types float and int)"},
      {"1 && true", "invalid operation: && (expected bool, got int)"},
      {"!1", "invalid operation: ! (mismatched type int)"},
      {"-'x'", "invalid operation: - (mismatched type string)"},
      {"1 ? 2 : 3", "ternary condition must be bool, got int"},
      {"n.x", "cannot fetch x from int"},
      {"nan.x", "cannot fetch x from nil"},
      {"m.list[3]", "index out of range: 3 (array length is 3)"},
      {"m.list[-4]", "index out of range: -4 (array length is 3)"},
      {"m.list['a']", "index must be an int, got string"},
      {"m[1]", "cannot use int as a map key"},
      {"n[0]", "cannot index int"},
      {"1 % 0", "integer divide by zero"},
      {"missing > 1", "unknown name missing"},
      {"all(n, {true})", "all(): expected an array, got int"},
      {"all(m.list, {#})", "all(): the predicate must return bool, got int"},
      {"asInt('1.5')", "asInt(): cannot parse \"1.5\" as an int"},
      {"asInt(true)", "asInt(): expected a number or a numeric string, got bool"},
      {"asFloat(nil)", "asFloat(): expected a number or a numeric string, got nil"},
      {"asInt(1e300)", "does not fit an int"},
      {"isNaN('x')", "isNaN(): expected a number, got string"},
      {"int('1.5')", "int(): cannot parse \"1.5\" as an int"},
      {"float('x')", "float(): cannot parse \"x\" as a float"},
      {"len(1)", "len(): expected string, array or map, got int"},
      {"s matches m.b.c + '('", "invalid regular expression: missing closing )"},
  };
  for (const auto& [source, message] : cases) {
    INFO(source);
    CHECK_THAT(errorOf(source), Catch::Contains(message));
  }
}

TEST_CASE("expr: syntax errors", "[expr]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1 +", "unexpected end of expression"},
      {"(1", "expected \")\", found end of expression"},
      {"1 2", "unexpected token \"2\""},
      {"len()", "not enough arguments to call len"},
      {"len(1, 2)", "too many arguments to call len"},
      {"foo(1)", "unknown function foo"},
      {"# > 1", "\"#\" is only allowed inside a predicate closure"},
      {".a", "\".\" is only allowed inside a predicate closure"},
      {"'abc", "literal not terminated"},
      {"'\\q'", "invalid escape sequence"},
      {"99999999999999999999", "integer literal out of range"},
      {"1 @ 2", "unrecognized character"},
      {"s matches '[a'", "invalid regular expression: missing closing ]"},
      {"s matches 'a**'", "invalid regular expression: invalid nested repetition operator"},
      {"s matches '\\\\1'", "invalid regular expression: invalid escape sequence"},
      {"m.a(1)", "method calls are not supported"},
      {"{a 1}", "expected \":\""},
      {"[1, 2", "expected \"]\""},
  };
  for (const auto& [source, message] : cases) {
    INFO(source);
    auto program = compile(source);
    REQUIRE_FALSE(program.ok());
    CHECK(program.status().code() == gitopsd::core::StatusCode::kInvalid);
    CHECK_THAT(program.status().message(), Catch::Contains(message));
  }
}

TEST_CASE("expr: errors show line, column and a caret", "[expr]") {
  CHECK(compile("len(result) > 0 &&").status().message() ==
        "unexpected end of expression (1:19)\n | len(result) > 0 &&\n | ..................^");
  CHECK(errorOf("result[0] >= 'x'") ==
        "invalid operation: >= (mismatched types float and string) (1:11)\n"
        " | result[0] >= 'x'\n"
        " | ..........^");
  CHECK(errorOf("true &&\n  m.list[5] > 1") ==
        "index out of range: 5 (array length is 3) (2:9)\n |   m.list[5] > 1\n | ........^");
  CHECK(errorOf("all(items, {asInt(.id) > 0})") ==
        "asInt(): cannot parse \"x\" as an int (1:13)\n"
        " | all(items, {asInt(.id) > 0})\n"
        " | ............^");
  // The column counts characters, not bytes.
  CHECK_THAT(compile("'é' + ").status().message(), Catch::Contains("(1:7)\n | 'é' + \n | ......^"));
  auto cond = evaluateCondition("1 + 1", json::object());
  CHECK(cond.status().message() == "expected bool, got int (1:1)\n | 1 + 1\n | ^");
}

TEST_CASE("expr: nesting is bounded, never a stack overflow", "[expr]") {
  for (std::string_view open : {"(", "[", "-", "!", "{a: ", "len("}) {
    std::string source;
    for (int i = 0; i < 10000; ++i) source += open;
    INFO(open);
    auto program = compile(source);
    REQUIRE_FALSE(program.ok());
    CHECK_THAT(program.status().message(), Catch::Contains("nested too deeply"));
  }
  std::string chain = "m";
  for (int i = 0; i < 5000; ++i) chain += ".a";
  CHECK_THAT(compile(chain).status().message(), Catch::Contains("nested too deeply"));
  std::string sum = "1";
  for (int i = 0; i < 5000; ++i) sum += " + 1";
  CHECK_THAT(compile(sum).status().message(), Catch::Contains("nested too deeply"));
  std::string fine = "1";
  for (int i = 0; i < 150; ++i) fine += " + 1";
  CHECK(run(fine) == 151);
  CHECK_THAT(compile(std::string(70000, ' ')).status().message(),
             Catch::Contains("over the limit"));
}

TEST_CASE("expr: evaluation has a step budget", "[expr]") {
  CHECK_THAT(errorOf("len(1..100000000000)"), Catch::Contains("exceeded its budget"));
  CHECK_THAT(errorOf("count(1..900, {any(1..900, {# == 0})})"),
             Catch::Contains("exceeded its budget of 1000000 steps"));
  Limits small;
  small.max_steps = 100;
  auto program = compile("all(1..10, {# > 0})", small);
  REQUIRE(program.ok());
  CHECK(evaluate(*program, json::object(), small).ok());
  program = compile("all(1..100, {# > 0})", small);
  REQUIRE(program.ok());
  CHECK_FALSE(evaluate(*program, json::object(), small).ok());
}

TEST_CASE("expr: the regular expression matcher", "[expr]") {
  struct RegexCase {
    std::string pattern;
    std::string text;
    bool matches;
  };
  const std::vector<RegexCase> cases = {
      {"abc", "xxabcxx", true},
      {"^abc$", "abc", true},
      {"^abc$", "abcd", false},
      {"a.c", "abc", true},
      {"a.c", "a\nc", false},
      {"(?s)a.c", "a\nc", true},
      {"[a-c]+z", "bbz", true},
      {"[^a-c]", "abc", false},
      {"[\\d.]+%", "99.5%", true},
      {"\\w+@\\w+\\.com", "me@example.com", true},
      {"\\s", "nospace", false},
      {"\\S+", "  x", true},
      {"colou?r", "color", true},
      {"a{3}", "aa", false},
      {"a{2,3}$", "caaa", true},
      {"^a{2,}$", "aaaaa", true},
      {"^(ab|cd)+$", "abcdab", true},
      {"^(?:ab|cd)+$", "abce", false},
      {"(?P<n>x)y", "xy", true},
      {"\\bword\\b", "a word here", true},
      {"\\bword\\b", "swordfish", false},
      {"\\Bor\\B", "word", true},
      {"(?i)HELLO", "hello", true},
      {"é.", "éa", true},
      {"^.$", "é", true},
      {"x*", "", true},
      {"^$", "", true},
      {"a{,2}", "a{,2}", true},                    // not a repeat: literal braces, as in Go
      {"(a*)*b", std::string(10000, 'a'), false},  // no exponential backtracking
      {"a+$", std::string(200000, 'a'), true},     // long input, no recursion
  };
  for (const auto& c : cases) {
    INFO(c.pattern << " on " << c.text.substr(0, 40));
    auto regex = Regex::compile(c.pattern);
    REQUIRE(regex.ok());
    CHECK(regex->search(c.text) == c.matches);
  }
  for (std::string_view bad : {"(", ")", "[", "*a", "a{1001}", "(?=x)", "[[:alpha:]]", "\\p{L}",
                               "((((a{100}){100}){100}))", "[z-a]", "\\"}) {
    INFO(bad);
    CHECK_FALSE(Regex::compile(bad).ok());
  }
}
