#include "diff/ignore.h"

#include <catch2/catch.hpp>

#include "diff/jq_path.h"
#include "diff/json_path.h"

using gitopsd::core::ResourceKey;
using gitopsd::core::StatusCode;
using gitopsd::diff::applyIgnoreRules;
using gitopsd::diff::compileJqPath;
using gitopsd::diff::evaluateJqPath;
using gitopsd::diff::IgnoreRule;
using gitopsd::diff::JsonPath;
using gitopsd::diff::keepIgnoredLiveValues;
using gitopsd::diff::matches;
using gitopsd::diff::parseJsonPointer;
using gitopsd::diff::pathToString;
using gitopsd::diff::removePath;
using gitopsd::diff::removePaths;
using gitopsd::diff::validateIgnoreRule;
using nlohmann::json;

namespace {

// The document with the paths an expression selects removed (as Argo CD's del(EXPR)).
json deleted(const std::string& expression, json document) {
  const auto program = compileJqPath(expression);
  INFO(program.status().toString());
  REQUIRE(program.ok());
  removePaths(document, evaluateJqPath(*program, document));
  return document;
}

std::vector<std::string> selected(const std::string& expression, const json& document) {
  const auto program = compileJqPath(expression);
  REQUIRE(program.ok());
  std::vector<std::string> out;
  for (const auto& path : evaluateJqPath(*program, document)) out.push_back(pathToString(path));
  return out;
}

const json kPod = R"({
  "metadata": {"name": "reviews", "annotations": {"a.b/c": "1", "keep": "2"}},
  "spec": {
    "containers": [
      {"name": "reviews", "image": "reviews:v1", "env": [{"name": "A", "value": "1"}]},
      {"name": "istio-proxy", "image": "proxyv2:1.22", "args": ["proxy", "sidecar"]}
    ],
    "initContainers": [{"name": "istio-init", "image": "proxyv2:1.22"}],
    "replicas": 3
  }
})"_json;

}  // namespace

TEST_CASE("diff: JSON pointers follow RFC 6901 and missing paths remove nothing", "[diff]") {
  auto path = parseJsonPointer("/metadata/annotations/a.b~1c");
  REQUIRE(path.ok());
  CHECK(pathToString(*path) == R"(.metadata.annotations["a.b/c"])");
  CHECK(pathToString(*parseJsonPointer("/a~0b/0")) == R"(.["a~b"]["0"])");

  json doc = kPod;
  CHECK(removePath(doc, *path));
  CHECK(doc["metadata"]["annotations"] == json{{"keep", "2"}});
  CHECK(removePath(doc, *parseJsonPointer("/spec/containers/1/args/0")));
  CHECK(doc["spec"]["containers"][1]["args"] == json{"sidecar"});
  CHECK_FALSE(removePath(doc, *parseJsonPointer("/spec/containers/7/image")));
  CHECK_FALSE(removePath(doc, *parseJsonPointer("/spec/containers/-")));
  CHECK_FALSE(removePath(doc, *parseJsonPointer("/spec/containers/01")));
  CHECK_FALSE(removePath(doc, *parseJsonPointer("/spec/replicas/x")));
  CHECK_FALSE(removePath(doc, *parseJsonPointer("/nothing/here")));
  CHECK_FALSE(removePath(doc, *parseJsonPointer("")));

  CHECK(parseJsonPointer("spec/replicas").status().code() == StatusCode::kInvalid);
  CHECK_THAT(parseJsonPointer("/a~2").status().message(),
             Catch::Contains("'/a~2'") && Catch::Contains("'~' must be followed by 0 or 1"));
}

TEST_CASE("diff: removal prunes containers it empties, never array items", "[diff]") {
  json doc = R"({"metadata": {"name": "x", "annotations": {"only": "1"}},
                 "spec": {"list": [{"weight": 1}], "empty": {}}})"_json;
  removePath(doc, {std::string("metadata"), std::string("annotations"), std::string("only")});
  CHECK(doc["metadata"] == json{{"name", "x"}});
  removePath(doc,
             {std::string("spec"), std::string("list"), std::size_t{0}, std::string("weight")});
  CHECK(doc["spec"]["list"] == json::array({json::object()}));
  removePath(doc, {std::string("spec"), std::string("list"), std::size_t{0}});
  CHECK(doc["spec"] == json{{"empty", json::object()}});  // untouched empty map stays
}

TEST_CASE("diff: jq .a.b removes one field", "[diff]") {
  const json out = deleted(".spec.replicas", kPod);
  CHECK_FALSE(out["spec"].contains("replicas"));
  CHECK(out["spec"]["containers"] == kPod["spec"]["containers"]);
  CHECK(deleted(".spec.missing.deeper", kPod) == kPod);
  CHECK(deleted(".spec.replicas.x", kPod) == kPod);  // not an object: nothing (jq would error)
}

TEST_CASE("diff: jq .a.b[] and .a.b[]? iterate, missing or scalar selects nothing", "[diff]") {
  CHECK(selected(".spec.containers[].image", kPod) ==
        std::vector<std::string>{".spec.containers[0].image", ".spec.containers[1].image"});
  const json out = deleted(".spec.initContainers[]", kPod);
  CHECK_FALSE(out["spec"].contains("initContainers"));  // emptied list pruned
  CHECK(deleted(".spec.sidecars[]", kPod) == kPod);
  CHECK(deleted(".spec.sidecars[]?", kPod) == kPod);
  CHECK(deleted(".spec.replicas[]?", kPod) == kPod);
  CHECK(
      selected(".metadata.annotations[]", kPod) ==
      std::vector<std::string>{R"(.metadata.annotations["a.b/c"])", ".metadata.annotations.keep"});
}

TEST_CASE("diff: jq string keys .a[\"x.y\"] and .a.\"x.y\"", "[diff]") {
  const json out = deleted(R"(.metadata.annotations["a.b/c"])", kPod);
  CHECK(out["metadata"]["annotations"] == json{{"keep", "2"}});
  CHECK(deleted(R"(.metadata.annotations."a.b/c")", kPod) == out);
  CHECK(deleted(R"(.metadata["annotations"]["a.b/c"])", kPod) == out);
  CHECK(deleted(R"(.metadata.annotations.["a.b/c"])", kPod) == out);
  CHECK(deleted(R"(.metadata.annotations["a\u002eb/c"])", kPod) == out);
}

TEST_CASE("diff: jq indices .a[0] and .a[-1]", "[diff]") {
  CHECK(selected(".spec.containers[0].name", kPod) ==
        std::vector<std::string>{".spec.containers[0].name"});
  CHECK(selected(".spec.containers[-1]", kPod) == std::vector<std::string>{".spec.containers[1]"});
  CHECK(selected(".spec.containers[2]", kPod).empty());
  const json out = deleted(".spec.containers[1].args[0]", kPod);
  CHECK(out["spec"]["containers"][1]["args"] == json{"sidecar"});
}

TEST_CASE("diff: jq select(.name == \"x\") picks list items by value", "[diff]") {
  const json out = deleted(R"(.spec.containers[] | select(.name == "istio-proxy"))", kPod);
  REQUIRE(out["spec"]["containers"].size() == 1);
  CHECK(out["spec"]["containers"][0]["name"] == "reviews");

  const json image_only =
      deleted(R"(.spec.containers[]|select(.name=="istio-proxy")|.image)", kPod);
  CHECK(image_only["spec"]["containers"][1] ==
        json{{"name", "istio-proxy"}, {"args", {"proxy", "sidecar"}}});

  CHECK(selected(R"(.spec.containers[] | select(.name != "istio-proxy") | .env[0].value)", kPod) ==
        std::vector<std::string>{".spec.containers[0].env[0].value"});
  CHECK(selected(R"(.spec.containers[] | select(.env[0].name == "A"))", kPod) ==
        std::vector<std::string>{".spec.containers[0]"});
  CHECK(selected(R"(.spec.containers[] | select(.missing == null) | .name)", kPod).size() == 2);
  CHECK(selected(R"(.spec.replicas | select(. == 3))", kPod) ==
        std::vector<std::string>{".spec.replicas"});
}

TEST_CASE("diff: unsupported jq expressions are kInvalid naming the expression", "[diff]") {
  for (const std::string expression :
       {"", "spec.replicas", ".spec | length", ".spec.containers[1:2]", "..|.image?",
        R"(.spec.containers[] | select(.name | test("proxy")))",
        R"(.a[] | select(.name == "x" and .b == 1))", ".a |", R"(.a["unterminated])", "del(.spec)",
        ".a.b-c"}) {
    INFO(expression);
    const auto program = compileJqPath(expression);
    REQUIRE_FALSE(program.ok());
    CHECK(program.status().code() == StatusCode::kInvalid);
    CHECK_THAT(program.status().message(),
               Catch::StartsWith("unsupported jq path expression '" + expression + "'"));
  }
  CHECK_THAT(compileJqPath(".a | length").status().message(), Catch::Contains("column 6"));
}

TEST_CASE("diff: ignore rules match group, kind, name and namespace", "[diff]") {
  const ResourceKey deployment{"apps", "Deployment", "bookinfo", "reviews"};
  CHECK(matches({"apps", "Deployment", "", "", {}, {}, {}}, deployment));
  CHECK(matches({"apps", "*", "reviews", "bookinfo", {}, {}, {}}, deployment));
  CHECK(matches({"*", "Deploy*", "", "", {}, {}, {}}, deployment));
  CHECK_FALSE(matches({"", "Deployment", "", "", {}, {}, {}}, deployment));  // "" is core only
  CHECK_FALSE(matches({"apps", "Deployment", "ratings", "", {}, {}, {}}, deployment));
  CHECK_FALSE(matches({"apps", "Deployment", "", "default", {}, {}, {}}, deployment));
  CHECK_FALSE(matches({"apps", "", "", "", {}, {}, {}}, deployment));
  CHECK(matches({"", "ConfigMap", "", "", {}, {}, {}}, {"", "ConfigMap", "x", "y"}));
}

TEST_CASE("diff: validateIgnoreRule reports the first bad pointer or expression", "[diff]") {
  IgnoreRule rule{"apps",
                  "Deployment",
                  "reviews",
                  "bookinfo",
                  {"/spec/replicas"},
                  {".spec.template.spec.containers[] | select(.name == \"istio-proxy\")"},
                  {"kube-controller-manager"}};
  CHECK(validateIgnoreRule(rule).ok());

  rule.jq_path_expressions.push_back(".spec | keys");
  const auto bad = validateIgnoreRule(rule);
  CHECK(bad.code() == StatusCode::kInvalid);
  CHECK_THAT(bad.message(), Catch::StartsWith("ignore rule apps/Deployment:bookinfo/reviews: "
                                              "unsupported jq path expression '.spec | keys'"));

  CHECK_THAT(validateIgnoreRule({"", "Service", "", "", {"spec/clusterIP"}, {}, {}}).message(),
             Catch::Contains("JSON pointer 'spec/clusterIP'"));
  CHECK_THAT(validateIgnoreRule({"", "Service", "", "", {""}, {}, {}}).message(),
             Catch::Contains("selects the whole object"));
  CHECK_THAT(validateIgnoreRule({"", "Service", "", "", {}, {"."}, {}}).message(),
             Catch::Contains("selects the whole object"));
}

TEST_CASE("diff: applyIgnoreRules removes pointers and jq paths from both sides", "[diff]") {
  json predicted = kPod;
  json live = kPod;
  live["spec"]["replicas"] = 5;
  live["spec"]["containers"][1]["image"] = "proxyv2:1.23";
  // select() is evaluated per side: live has the sidecar first.
  std::swap(live["spec"]["containers"][0], live["spec"]["containers"][1]);
  predicted["spec"]["containers"].erase(1);
  const std::vector<IgnoreRule> rules = {
      {"", "Pod", "", "", {"/spec/replicas"}, {}, {}},
      {"", "Pod", "", "", {}, {R"(.spec.containers[] | select(.name == "istio-proxy"))"}, {}}};
  CHECK(applyIgnoreRules(predicted, live, rules, json()).ok());
  CHECK(predicted == live);
  CHECK_FALSE(live["spec"].contains("replicas"));
}

TEST_CASE("diff: applyIgnoreRules applies what it can and returns the first error", "[diff]") {
  json predicted = kPod;
  json live = kPod;
  live["spec"]["replicas"] = 5;
  const auto status = applyIgnoreRules(
      predicted, live, {{"", "Pod", "", "", {"/spec/replicas"}, {".spec | length"}, {}}}, json());
  CHECK(status.code() == StatusCode::kInvalid);
  CHECK_THAT(status.message(), Catch::Contains("'.spec | length'"));
  CHECK(predicted == live);
}

TEST_CASE("diff: RespectIgnoreDifferences keeps the live values of ignored fields", "[diff]") {
  json desired = kPod;
  desired["spec"]["replicas"] = 1;
  json live = kPod;
  live["spec"]["replicas"] = 5;                                 // ignored: live wins
  live["spec"]["containers"][0]["image"] = "app:hand-patched";  // ignored by jq: live wins
  live["spec"]["containers"][1].erase("image");                 // ignored, absent in live
  const std::vector<IgnoreRule> rules = {
      {"", "Pod", "", "", {"/spec/replicas"}, {".spec.containers[].image"}, {}}};
  const ResourceKey key{"", "Pod", "default", "web"};
  REQUIRE(keepIgnoredLiveValues(desired, live, key, rules).ok());
  CHECK(desired["spec"]["replicas"] == 5);
  CHECK(desired["spec"]["containers"][0]["image"] == "app:hand-patched");
  CHECK_FALSE(desired["spec"]["containers"][1].contains("image"));
  // Rules of other kinds change nothing.
  json untouched = kPod;
  REQUIRE(
      keepIgnoredLiveValues(untouched, live, {"apps", "Deployment", "default", "web"}, rules).ok());
  CHECK(untouched == kPod);
}
