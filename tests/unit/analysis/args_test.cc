#include "analysis/args.h"

#include <catch2/catch.hpp>
#include <map>

#include "fixtures.h"

namespace gitopsd::analysis {
namespace {

using nlohmann::json;
using testing::loadFixture;

// Secrets and fields from maps, as a test double of the cluster.
class MapLookup final : public ArgLookup {
 public:
  std::map<std::string, std::string> secrets;  // "name/key"
  std::map<std::string, std::string> fields;

  core::Result<std::string> secretValue(std::string_view name,
                                        std::string_view key) const override {
    auto it = secrets.find(std::string(name) + "/" + std::string(key));
    if (it == secrets.end()) {
      return core::notFoundError("key '" + std::string(key) + "' does not exist in secret '" +
                                 std::string(name) + "'");
    }
    return it->second;
  }
  core::Result<std::string> fieldValue(std::string_view path) const override {
    auto it = fields.find(std::string(path));
    if (it == fields.end()) return core::notFoundError("no field " + std::string(path));
    return it->second;
  }
};

MapLookup bookinfoLookup() {
  MapLookup lookup;
  lookup.secrets["skywalking/token"] = "s3cr3t";
  lookup.fields["metadata.labels['app']"] = "reviews";
  return lookup;
}

TEST_CASE("analysis: arguments resolve from values, Secrets and fields", "[analysis]") {
  const json run = loadFixture("run_apdex.json");
  auto args = parseArguments(run["spec"]["args"]);
  REQUIRE(args.ok());
  auto resolved = resolveArgs(*args, bookinfoLookup());
  REQUIRE(resolved.ok());
  CHECK(resolved->values.at("service") == "reviews");
  CHECK(resolved->values.at("token") == "s3cr3t");
  CHECK(resolved->values.at("app") == "reviews");
  CHECK(resolved->values.at("threshold") == "3");
  CHECK(resolved->secrets == std::vector<std::string>{"s3cr3t"});

  auto without = resolveArgsWithoutSecrets(*args);
  REQUIRE_FALSE(without.ok());  // the fieldRef needs the lookup
  CHECK(without.status().message() == "args.app: no value");
  args->erase(args->begin() + 3);
  without = resolveArgsWithoutSecrets(*args);
  REQUIRE(without.ok());
  CHECK(without->values.at("token") == "temp-for-secret");
  CHECK(without->secrets.empty());
}

TEST_CASE("analysis: an argument without a value is an error naming it", "[analysis]") {
  MapLookup lookup = bookinfoLookup();
  auto args = parseArguments(json::parse(R"([{"name": "service"}])"));
  REQUIRE(args.ok());
  auto resolved = resolveArgs(*args, lookup);
  REQUIRE_FALSE(resolved.ok());
  CHECK(resolved.status().code() == core::StatusCode::kInvalid);
  CHECK(resolved.status().message() == "args.service: no value");

  // A podTemplateHashValue is the rollout engine's to resolve when it creates the run.
  args = parseArguments(
      json::parse(R"([{"name": "hash", "valueFrom": {"podTemplateHashValue": "Latest"}}])"));
  REQUIRE(args.ok());
  CHECK((*args)[0].pod_template_hash == "Latest");
  CHECK(resolveArgs(*args, lookup).status().message() == "args.hash: no value");

  args = parseArguments(json::parse(
      R"([{"name": "token", "valueFrom": {"secretKeyRef": {"name": "skywalking", "key": "x"}}}])"));
  REQUIRE(args.ok());
  resolved = resolveArgs(*args, lookup);
  CHECK(resolved.status().code() == core::StatusCode::kNotFound);
  CHECK(resolved.status().message() == "args.token: key 'x' does not exist in secret 'skywalking'");

  args = parseArguments(
      json::parse(R"([{"name": "ns", "valueFrom": {"fieldRef": {"fieldPath": "metadata.x"}}}])"));
  REQUIRE(args.ok());
  CHECK(resolveArgs(*args, lookup).status().message() == "args.ns: no field metadata.x");

  // A value wins over valueFrom.
  args = parseArguments(json::parse(
      R"([{"name": "a", "value": "v", "valueFrom": {"fieldRef": {"fieldPath": "metadata.x"}}}])"));
  REQUIRE(args.ok());
  CHECK(resolveArgs(*args, lookup)->values.at("a") == "v");

  auto two = parseArguments(json::parse(R"([{"name": "a", "valueFrom": {
      "fieldRef": {"fieldPath": "metadata.name"}, "podTemplateHashValue": "Stable"}}])"));
  REQUIRE_FALSE(two.ok());
  CHECK(two.status().message() ==
        "spec.args[0].valueFrom: only one of secretKeyRef, fieldRef and podTemplateHashValue");
}

TEST_CASE("analysis: templates are substituted in every string and key", "[analysis]") {
  ResolvedArgs args;
  args.values = {{"service", "reviews"}, {"quote", "say \"hi\"\n"}, {"n", "3"}};
  const json metric = json::parse(R"({
      "name": "m-{{args.service}}",
      "count": "{{args.n}}",
      "provider": {"web": {
        "url": "http://{{ args.service }}:9080/{{args.service}}",
        "headers": [{"key": "X-Text", "value": "{{args.quote}}"}],
        "jsonBody": {"{{args.service}}": 1, "flag": true, "none": null}}}})");
  auto out = substituteArgs(metric, args, "spec.metrics[0]");
  REQUIRE(out.ok());
  CHECK((*out)["name"] == "m-reviews");
  CHECK((*out)["count"] == "3");
  CHECK((*out)["provider"]["web"]["url"] == "http://reviews:9080/reviews");
  CHECK((*out)["provider"]["web"]["headers"][0]["value"] == "say \"hi\"\n");
  CHECK((*out)["provider"]["web"]["jsonBody"] ==
        json::parse(R"({"reviews": 1, "flag": true, "none": null})"));
  CHECK(substituteArgs("no templates", args, "x")->get<std::string>() == "no templates");
  CHECK(*substituteArgs(42, args, "x") == 42);

  auto unknown = substituteArgs(metric["provider"], ResolvedArgs{}, "spec.metrics[0].provider");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message() ==
        "args.quote: unknown argument (spec.metrics[0].provider.web.headers[0].value)");
  auto other_tag = substituteArgs("{{ rollout.name }}", args, "spec.metrics[0].name");
  CHECK(other_tag.status().message() == "spec.metrics[0].name: cannot resolve {{rollout.name}}");
  auto unclosed = substituteArgs("{{args.service", args, "spec.metrics[0].name");
  CHECK(unclosed.status().message() ==
        "spec.metrics[0].name: \"{{\" without \"}}\" in \"{{args.service\"");
}

TEST_CASE("analysis: the Bookinfo run's spec resolves and parses", "[analysis]") {
  const json run = loadFixture("run_apdex.json");
  auto args = parseArguments(run["spec"]["args"]);
  REQUIRE(args.ok());
  auto values = resolveArgs(*args, bookinfoLookup());
  REQUIRE(values.ok());
  auto spec = resolveRunSpec(run["spec"], *values);
  REQUIRE(spec.ok());
  CHECK(validateRunSpec(*spec).ok());
  const Metric& apdex = spec->metrics[0];
  CHECK(apdex.count == 3);
  const std::string query = apdex.provider["skywalking"]["query"];
  CHECK(query.find("serviceName: \"reviews\"") != std::string::npos);
  CHECK(query.find("start: \"6f8d9c\"") != std::string::npos);
  CHECK(query.find("{{") == std::string::npos);
  const Metric& web = spec->metrics[1];
  CHECK(web.provider["web"]["url"] == "http://reviews.bookinfo/health");
  CHECK(web.provider["web"]["headers"][0]["value"] == "Bearer s3cr3t");
  CHECK(web.provider["web"]["jsonBody"].contains("reviews"));
  REQUIRE(spec->args.size() == 5);  // the args themselves are not templated

  json broken = run["spec"];
  broken["metrics"][1]["provider"]["web"]["url"] = "http://{{args.missing}}/";
  CHECK(resolveRunSpec(broken, *values).status().message() ==
        "args.missing: unknown argument (spec.metrics[1].provider.web.url)");
  broken = run["spec"];
  broken["metrics"][0]["interval"] = "{{args.threshold}}x";
  CHECK(resolveRunSpec(broken, *values).status().message() ==
        "spec.metrics[0].interval: invalid duration \"3x\"");
}

TEST_CASE("analysis: secret values are redacted from messages", "[analysis]") {
  CHECK(redactSecrets("401 for token s3cr3t (s3cr3t)", {"s3cr3t"}) ==
        "401 for token ***** (*****)");
  CHECK(redactSecrets("nothing here", {"s3cr3t", ""}) == "nothing here");
  CHECK(redactSecrets("aaaa", {"a"}) == "********************");
}

}  // namespace
}  // namespace gitopsd::analysis
