#include "manifest/parse.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

using gitopsd::core::StatusCode;
using gitopsd::manifest::FileType;
using gitopsd::manifest::fileTypeOf;
using gitopsd::manifest::ParsedFile;
using gitopsd::manifest::ParseLimits;
using gitopsd::manifest::parseManifestFile;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(fs::path(GITOPSD_TESTDATA_DIR) / "manifest" / name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ParsedFile parseFixture(const std::string& name) {
  auto parsed = parseManifestFile(name, fixture(name));
  INFO(parsed.status().toString());
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

std::string errorOf(const std::string& name, const std::string& content) {
  const auto parsed = parseManifestFile(name, content);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == StatusCode::kInvalid);
  return parsed.status().message();
}

std::string fixtureError(const std::string& name) { return errorOf(name, fixture(name)); }

}  // namespace

TEST_CASE("manifest: file type comes from the extension", "[manifest]") {
  CHECK(fileTypeOf("a/b.yaml") == FileType::kYaml);
  CHECK(fileTypeOf("b.yml") == FileType::kYaml);
  CHECK(fileTypeOf("c.json") == FileType::kJson);
  CHECK(fileTypeOf("kustomization.YAML") == FileType::kUnknown);
  CHECK(fileTypeOf("main.jsonnet") == FileType::kUnknown);
  CHECK_THAT(errorOf("README.md", "# hi"), Catch::Contains("README.md: not a manifest file"));
}

TEST_CASE("manifest: multi-document YAML skips empty and comment-only documents", "[manifest]") {
  const auto parsed = parseFixture("multi.yaml");
  REQUIRE(parsed.manifests.size() == 3);
  CHECK(parsed.warnings.empty());
  const auto& service = parsed.manifests[0];
  CHECK(service.object["kind"] == "Service");
  CHECK(service.file == "multi.yaml");
  CHECK(service.line == 4);
  CHECK(service.document_index == 2);
  CHECK(service.origin() == "multi.yaml:4");
  CHECK(service.object["spec"]["ports"][0]["port"] == 9080);
  const auto& deployment = parsed.manifests[1];
  CHECK(deployment.object["kind"] == "Deployment");
  CHECK(deployment.line == 16);
  CHECK(deployment.document_index == 4);
  // Aliases are expanded.
  CHECK(deployment.object["spec"]["selector"]["matchLabels"]["version"] == "v1");
  CHECK(parsed.manifests[2].object["data"]["mode"] == "production");
}

TEST_CASE("manifest: List kinds are flattened with each item's line", "[manifest]") {
  const auto parsed = parseFixture("list.yaml");
  REQUIRE(parsed.manifests.size() == 3);
  CHECK(parsed.manifests[0].object["metadata"]["name"] == "first");
  CHECK(parsed.manifests[0].line == 4);
  CHECK(parsed.manifests[1].object["metadata"]["name"] == "second");
  CHECK(parsed.manifests[1].line == 8);
  CHECK(parsed.manifests[2].object["metadata"]["name"] == "third");
  CHECK(parsed.manifests[2].document_index == 2);
}

TEST_CASE("manifest: a *List kind without items is an ordinary object", "[manifest]") {
  const auto parsed = parseManifestFile(
      "todo.yaml", "apiVersion: example.io/v1\nkind: ShoppingList\nmetadata:\n  name: weekly\n");
  REQUIRE(parsed.ok());
  REQUIRE(parsed->manifests.size() == 1);
  CHECK(parsed->manifests[0].object["kind"] == "ShoppingList");
}

TEST_CASE("manifest: List items must be Kubernetes objects", "[manifest]") {
  CHECK_THAT(errorOf("l.yaml", "apiVersion: v1\nkind: List\nitems:\n  - just text\n"),
             Catch::Contains("l.yaml:4:5: item 1 of List in document 1 is not a mapping"));
  CHECK_THAT(errorOf("l.yaml", "apiVersion: v1\nkind: List\nitems:\n  - name: x\n"),
             Catch::Contains("has no apiVersion/kind"));
}

TEST_CASE("manifest: JSON object and JSON List", "[manifest]") {
  const auto object = parseFixture("object.json");
  REQUIRE(object.manifests.size() == 1);
  CHECK(object.manifests[0].object["spec"]["http"][0]["route"][0]["weight"] == 100);
  CHECK(object.manifests[0].line == 1);
  const auto list = parseFixture("list.json");
  REQUIRE(list.manifests.size() == 2);
  CHECK(list.manifests[0].object["kind"] == "Namespace");
  CHECK(list.manifests[1].object["metadata"]["namespace"] == "bookinfo");
  const auto empty = parseManifestFile("empty.json", " \n");
  REQUIRE(empty.ok());
  CHECK(empty->manifests.empty());
}

TEST_CASE("manifest: JSON errors name line and column", "[manifest]") {
  const std::string message = fixtureError("bad.json");
  CHECK_THAT(message, Catch::StartsWith("bad.json:4:"));
  CHECK_THAT(message, Catch::Contains("syntax error"));
  CHECK_THAT(errorOf("a.json", "[1, 2]"), Catch::Contains("a.json:1:1: document 1 is a list"));
  CHECK_THAT(errorOf("a.json", "\n  \"x\""), Catch::Contains("a.json:2:3: document 1 is a scalar"));
}

TEST_CASE("manifest: YAML scalars follow Kubernetes' typing", "[manifest]") {
  const auto parsed = parseFixture("scalars.yaml");
  REQUIRE(parsed.manifests.size() == 1);
  const auto& spec = parsed.manifests[0].object["spec"];
  CHECK(spec["plainTrue"] == true);
  CHECK(spec["plainFalse"] == false);
  CHECK(spec["yesWord"] == true);
  CHECK(spec["offWord"] == false);
  CHECK(spec["quotedTrue"] == "true");
  CHECK(spec["singleQuotedTrue"] == "true");
  CHECK(spec["quotedNumber"] == "1");
  CHECK(spec["nullWord"].is_null());
  CHECK(spec["tilde"].is_null());
  CHECK(spec["empty"].is_null());
  CHECK(spec["integer"].is_number_integer());
  CHECK(spec["integer"] == 42);
  CHECK(spec["negative"] == -7);
  CHECK(spec["hex"] == 31);
  CHECK(spec["octal"] == 15);
  CHECK(spec["underscored"] == 1000);
  CHECK(spec["big"] == INT64_MAX);
  CHECK(spec["tooBig"].is_number_float());
  CHECK(spec["float"].is_number_float());
  CHECK(spec["float"] == 1.5);
  CHECK(spec["integralFloat"].is_number_integer());
  CHECK(spec["integralFloat"] == 1);
  CHECK(spec["exponent"] == 1000);
  CHECK(spec["version"] == "1.20.2");
  CHECK(spec["timestamp"] == "2024-01-02");
  CHECK(spec["explicitString"] == "5");
  CHECK(spec["quotedEmpty"] == "");
  CHECK(spec["1"] == "numeric key");
  CHECK(spec["true"] == "boolean key");
}

TEST_CASE("manifest: merge keys and duplicate keys", "[manifest]") {
  const auto parsed = parseManifestFile("m.yaml",
                                        "apiVersion: v1\n"
                                        "kind: ConfigMap\n"
                                        "metadata:\n"
                                        "  name: m\n"
                                        "base: &base {a: \"1\", b: \"2\"}\n"
                                        "data:\n"
                                        "  <<: *base\n"
                                        "  b: \"3\"\n"
                                        "  c: \"4\"\n"
                                        "  c: \"5\"\n");
  REQUIRE(parsed.ok());
  const auto& data = parsed->manifests[0].object["data"];
  CHECK(data == gitopsd::kube::Object({{"a", "1"}, {"b", "3"}, {"c", "5"}}));
  REQUIRE(parsed->warnings.size() == 1);
  CHECK_THAT(parsed->warnings[0], Catch::Contains("m.yaml:10:3: duplicate key \"c\""));
}

TEST_CASE("manifest: infinity and NaN cannot become JSON", "[manifest]") {
  CHECK_THAT(errorOf("f.yaml", "apiVersion: v1\nkind: X\nmetadata:\n  name: f\nv: .inf\n"),
             Catch::Contains("f.yaml:5:4:"));
}

TEST_CASE("manifest: non-Kubernetes YAML is a warning, not an error", "[manifest]") {
  const auto parsed = parseFixture("values.yaml");
  CHECK(parsed.manifests.empty());
  REQUIRE(parsed.warnings.size() == 1);
  CHECK(parsed.warnings[0] ==
        "values.yaml: document 1 (line 2) is not a Kubernetes object (no apiVersion/kind); "
        "ignored");
}

TEST_CASE("manifest: tab indentation is rejected with its line and column", "[manifest]") {
  CHECK_THAT(fixtureError("tabs.yaml"),
             Catch::StartsWith("tabs.yaml:6:1: tabs are not allowed for indentation"));
  CHECK_THAT(errorOf("t.yaml", "a:\n  b: 1\n  \tc: 2\n"),
             Catch::StartsWith("t.yaml:3:3: tabs are not allowed for indentation"));
}

TEST_CASE("manifest: invalid YAML names line and column (1-based)", "[manifest]") {
  const std::string message = fixtureError("invalid.yaml");
  CHECK_THAT(message, Catch::StartsWith("invalid.yaml:6:5: "));
  CHECK_THAT(message, Catch::Contains("end of sequence flow not found"));
  CHECK_THAT(errorOf("x.yaml", "a: b: c\n"), Catch::StartsWith("x.yaml:1:5: "));
}

TEST_CASE("manifest: a document that is a list or a scalar is an error", "[manifest]") {
  CHECK(fixtureError("top-list.yaml") ==
        "top-list.yaml:6:1: document 2 is a list, expected a mapping");
  CHECK(fixtureError("scalar.yaml") ==
        "scalar.yaml:2:1: document 1 is a scalar, expected a mapping");
}

TEST_CASE("manifest: an object needs metadata.name", "[manifest]") {
  const std::string message = fixtureError("no-name.yaml");
  CHECK_THAT(message,
             Catch::StartsWith("no-name.yaml:1:1: Job in document 1 has no metadata.name"));
  CHECK_THAT(message, Catch::Contains("generateName alone is accepted for hooks only"));
  // A hook may have generateName alone: the sync names it.
  const auto hook =
      parseManifestFile("hook.yaml",
                        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n"
                        "  annotations: {argocd.argoproj.io/hook: PreSync}\nspec: {}\n");
  REQUIRE(hook.ok());
  REQUIRE(hook->manifests.size() == 1);
  CHECK(hook->manifests[0].object["metadata"]["generateName"] == "migrate-");
  CHECK_THAT(errorOf("n.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 7\n"),
             Catch::Contains("metadata.name"));
  CHECK_THAT(errorOf("n.yaml", "apiVersion: 1\nkind: ConfigMap\nmetadata:\n  name: x\n"),
             Catch::Contains("apiVersion must be a non-empty string"));
}

TEST_CASE("manifest: alias expansion is bounded", "[manifest]") {
  std::string bomb =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\na0: &a0 [x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev + ", " + prev +
            ", " + prev + ", " + prev + "]\n";
  }
  CHECK_THAT(errorOf("lol.yaml", bomb), Catch::Contains("alias expansion is limited"));
}

TEST_CASE("manifest: a file over the size limit is rejected without parsing", "[manifest]") {
  const std::string line = "# padding padding padding padding padding padding padding\n";
  std::string content;
  content.reserve(50u * 1024 * 1024 + line.size());
  while (content.size() < 50u * 1024 * 1024) content += line;
  content += "- not: parsed\n";  // would be an error if it were parsed
  const auto parsed = parseManifestFile("huge.yaml", content, ParseLimits{});
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().message() == "huge.yaml: " + std::to_string(content.size()) +
                                         " bytes exceeds the limit of 10485760 bytes");
}

TEST_CASE("manifest: a large file within a raised limit parses", "[manifest]") {
  // 50 MB, mostly comments with an object every 64 KiB (about 2 s in a Debug + ASan build).
  // Dense YAML is much slower: yaml-cpp reads it at about 3 MB/s even in a release build.
  const std::string comments = [] {
    std::string block;
    while (block.size() < 64u * 1024) block += "# " + std::string(200, 'c') + "\n";
    return block;
  }();
  std::string content;
  int objects = 0;
  while (content.size() < 50u * 1024 * 1024) {
    content += comments + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-" +
               std::to_string(objects++) + "\ndata:\n  k: v\n---\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const auto parsed = parseManifestFile("large.yaml", content, ParseLimits{64u * 1024 * 1024});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(parsed.ok());
  CHECK(parsed->manifests.size() == static_cast<std::size_t>(objects));
  CHECK(parsed->manifests.back().document_index == objects);
  CHECK(elapsed < std::chrono::seconds(30));  // only catches pathological (quadratic) parsing
}
