#include "core/resource_key.h"

#include <catch2/catch.hpp>
#include <unordered_set>

using gitopsd::core::ResourceKey;
using gitopsd::core::StatusCode;

TEST_CASE("resource key: text form round-trips", "[core]") {
  const ResourceKey key{"apps", "Deployment", "bookinfo", "reviews-v1"};
  CHECK(key.toString() == "apps/Deployment:bookinfo/reviews-v1");
  const auto parsed = ResourceKey::parse(key.toString());
  REQUIRE(parsed.ok());
  CHECK(*parsed == key);
}

TEST_CASE("resource key: core group and cluster scope are empty parts", "[core]") {
  const ResourceKey ns{"", "Namespace", "", "bookinfo"};
  CHECK(ns.toString() == "/Namespace:/bookinfo");
  const auto parsed = ResourceKey::parse("/Namespace:/bookinfo");
  REQUIRE(parsed.ok());
  CHECK(*parsed == ns);
}

TEST_CASE("resource key: malformed text is Invalid and quotes the input", "[core]") {
  for (const char* text : {"apps/Deployment", "Deployment:ns/name", "apps/Deployment:name",
                           "apps/:ns/name", "apps/Deployment:ns/"}) {
    const auto parsed = ResourceKey::parse(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalid);
    CHECK_THAT(parsed.status().message(), Catch::Contains(text));
  }
}

TEST_CASE("resource key: orders by group, kind, namespace, name and hashes", "[core]") {
  const ResourceKey a{"", "Service", "ns", "a"};
  const ResourceKey b{"", "Service", "ns", "b"};
  const ResourceKey c{"apps", "Deployment", "ns", "a"};
  CHECK(a < b);
  CHECK(b < c);
  std::unordered_set<ResourceKey> set{a, b, c, a};
  CHECK(set.size() == 3);
}
