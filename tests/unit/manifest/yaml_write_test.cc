#include "manifest/yaml_write.h"

#include <catch2/catch.hpp>
#include <string>

using gitopsd::manifest::quoteYamlScalar;
using gitopsd::manifest::toBlockYaml;

TEST_CASE("yaml_write: ordered_json keeps insertion order, json is sorted", "[manifest]") {
  nlohmann::ordered_json ordered = nlohmann::ordered_json::object();
  ordered["zeta"] = 1;
  ordered["alpha"] = nlohmann::ordered_json::array({"x", true});
  ordered["mid"] = nlohmann::ordered_json::object();
  CHECK(toBlockYaml(ordered) ==
        "zeta: 1\n"
        "alpha:\n"
        "- x\n"
        "- true\n"
        "mid: {}\n");
  const nlohmann::json sorted = R"({"zeta": 1, "alpha": ["x", true], "mid": {}})"_json;
  CHECK(toBlockYaml(sorted) ==
        "alpha:\n"
        "- x\n"
        "- true\n"
        "mid: {}\n"
        "zeta: 1\n");
}

TEST_CASE("yaml_write: Kubernetes layout for nested containers and literal blocks", "[manifest]") {
  const nlohmann::json value = R"({
    "spec": {"containers": [{"name": "app", "args": ["a", "b"], "env": []}],
             "script": "set -e\nrun\n", "items": ["one\ntwo"]}
  })"_json;
  CHECK(toBlockYaml(value) ==
        "spec:\n"
        "  containers:\n"
        "  - args:\n"
        "    - a\n"
        "    - b\n"
        "    env: []\n"
        "    name: app\n"
        "  items:\n"
        "  - |-\n"
        "    one\n"
        "    two\n"
        "  script: |\n"
        "    set -e\n"
        "    run\n");
  CHECK(toBlockYaml(nlohmann::json()) == "null\n");
  CHECK(toBlockYaml(nlohmann::json::object()) == "{}\n");
  CHECK(toBlockYaml(nlohmann::json(0.5)) == "0.5\n");
  CHECK(toBlockYaml(nlohmann::json(3.0)) == "3.0\n");
}

TEST_CASE("yaml_write: scalars are plain only when they read back as the same string",
          "[manifest]") {
  for (const char* plain : {"plain value", "100Mi", "cpu=500m", "v1.2.3", "a,b", "quote\"s",
                            "http://h:80/x?y=z", "héllo", "docker.io/istio/reviews:1.16.4"}) {
    INFO(plain);
    CHECK(quoteYamlScalar(plain) == plain);
  }
  for (const char* quoted :
       {"yes",    "Off",        "NULL",   "~",     "",      "0x1F", "-5",    "1e3",    ".5",
        "12:30",  "2024-01-01", "- item", "a: b",  "a #b",  "x:",   " lead", "trail ", "#c",
        "*alias", "&anchor",    "!tag",   "|pipe", ">fold", "'s'",  "@at",   "`tick",  "%pct",
        "?q",     "{b}",        "[l]",    "...",   "---",   "<<",   "="}) {
    INFO(quoted);
    const std::string text = quoteYamlScalar(quoted);
    CHECK(text == "\"" + std::string(quoted) + "\"");
  }
  CHECK(quoteYamlScalar("tab\there") == "\"tab\\there\"");
  CHECK(quoteYamlScalar("@a\\b\"c") == "\"@a\\\\b\\\"c\"");
  CHECK(quoteYamlScalar("bell\x07") == "\"bell\\x07\"");
  // YAML 1.1 line breaks and a byte order mark are escaped, never written raw.
  CHECK(quoteYamlScalar("a\xC2\x85"
                        "b") == "\"a\\Nb\"");
  CHECK(quoteYamlScalar("a\xE2\x80\xA8"
                        "b\xE2\x80\xA9") == "\"a\\Lb\\P\"");
  CHECK(quoteYamlScalar("\xEF\xBB\xBFx") == "\"\\uFEFFx\"");
  // Multi-line text that a literal block cannot hold is double-quoted.
  CHECK(toBlockYaml(nlohmann::json{{"k", " lead\nb"}}) == "k: \" lead\\nb\"\n");
  CHECK(toBlockYaml(nlohmann::json{{"k", "a\r\nb"}}) == "k: \"a\\r\\nb\"\n");
  CHECK(toBlockYaml(nlohmann::json{{"k", "a\xE2\x80\xA8\nb"}}) == "k: \"a\\L\\nb\"\n");
}
