#include "manifest/manifest_set.h"

#include <catch2/catch.hpp>

using gitopsd::core::StatusCode;
using gitopsd::manifest::collectManifests;
using gitopsd::manifest::ParsedFile;
using gitopsd::manifest::parseManifestFile;

namespace {

ParsedFile parse(const std::string& name, const std::string& content) {
  auto parsed = parseManifestFile(name, content);
  INFO(parsed.status().toString());
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

std::string object(const std::string& api_version, const std::string& kind, const std::string& name,
                   const std::string& namespace_ = "") {
  std::string text =
      "apiVersion: " + api_version + "\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n";
  if (!namespace_.empty()) text += "  namespace: " + namespace_ + "\n";
  return text;
}

}  // namespace

TEST_CASE("manifest: collected objects are ordered by key with their origin", "[manifest]") {
  std::vector<ParsedFile> files;
  files.push_back(parse("b.yaml", object("apps/v1", "Deployment", "web", "prod") + "---\n" +
                                      object("v1", "Service", "web", "prod")));
  files.push_back(parse("a.yaml", object("v1", "Namespace", "prod")));
  files.push_back(parse("values.yaml", "replicas: 2\n"));
  const auto set = collectManifests(std::move(files));
  REQUIRE(set.ok());
  REQUIRE(set->entries.size() == 3);
  CHECK(set->entries[0].key.toString() == "/Namespace:/prod");
  CHECK(set->entries[0].manifest.origin() == "a.yaml:1");
  CHECK(set->entries[1].key.toString() == "/Service:prod/web");
  CHECK(set->entries[1].manifest.origin() == "b.yaml:7");
  CHECK(set->entries[2].key.toString() == "apps/Deployment:prod/web");
  REQUIRE(set->warnings.size() == 1);
  CHECK_THAT(set->warnings[0], Catch::StartsWith("values.yaml: document 1"));
}

TEST_CASE("manifest: duplicate objects name both files and lines", "[manifest]") {
  std::vector<ParsedFile> files;
  files.push_back(parse("one.yaml", "# first\n" + object("apps/v1", "Deployment", "web", "prod")));
  files.push_back(parse("two.yaml", object("v1", "ConfigMap", "x") + "---\n" +
                                        object("apps/v1beta1", "Deployment", "web", "prod")));
  const auto set = collectManifests(std::move(files));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK(set.status().message() ==
        "duplicate object apps/Deployment:prod/web in one.yaml:2 and two.yaml:6");
}

TEST_CASE("manifest: same name in another namespace, group or kind is no duplicate", "[manifest]") {
  std::vector<ParsedFile> files;
  files.push_back(parse("a.yaml", object("v1", "ConfigMap", "x", "a") + "---\n" +
                                      object("v1", "ConfigMap", "x", "b") + "---\n" +
                                      object("v1", "Secret", "x", "a") + "---\n" +
                                      object("example.io/v1", "ConfigMap", "x", "a")));
  const auto set = collectManifests(std::move(files));
  REQUIRE(set.ok());
  CHECK(set->entries.size() == 4);
}

TEST_CASE("manifest: no files give an empty set", "[manifest]") {
  const auto set = collectManifests({});
  REQUIRE(set.ok());
  CHECK(set->entries.empty());
}
