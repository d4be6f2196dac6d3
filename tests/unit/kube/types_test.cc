#include "kube/types.h"

#include <catch2/catch.hpp>

using gitopsd::kube::ApiResource;
using gitopsd::kube::GroupVersionKind;
using gitopsd::kube::Object;
using gitopsd::kube::ObjectRef;

TEST_CASE("kube types: apiVersion splits into group and version", "[kube]") {
  const auto apps = GroupVersionKind::fromApiVersion("apps/v1", "Deployment");
  CHECK(apps.group == "apps");
  CHECK(apps.version == "v1");
  CHECK(apps.apiVersion() == "apps/v1");
  const auto core = GroupVersionKind::fromApiVersion("v1", "ConfigMap");
  CHECK(core.group.empty());
  CHECK(core.apiVersion() == "v1");
  CHECK(core.toString() == "v1, Kind=ConfigMap");
}

TEST_CASE("kube types: object reference from an object", "[kube]") {
  const Object vs = {{"apiVersion", "networking.istio.io/v1"},
                     {"kind", "VirtualService"},
                     {"metadata", {{"name", "reviews"}, {"namespace", "bookinfo"}}}};
  const auto ref = ObjectRef::of(vs);
  REQUIRE(ref.ok());
  CHECK(ref->toString() == "networking.istio.io/v1 VirtualService bookinfo/reviews");
  CHECK(ref->key().toString() == "networking.istio.io/VirtualService:bookinfo/reviews");
}

TEST_CASE("kube types: object reference names the missing field", "[kube]") {
  CHECK_THAT(ObjectRef::of(Object{{"kind", "Pod"}}).status().message(),
             Catch::Contains("apiVersion"));
  CHECK_THAT(ObjectRef::of(Object{{"apiVersion", "v1"}}).status().message(),
             Catch::Contains("kind"));
  CHECK_THAT(ObjectRef::of(Object{{"apiVersion", "v1"}, {"kind", "Pod"}}).status().message(),
             Catch::Contains("metadata.name"));
  CHECK_FALSE(ObjectRef::of(Object::array()).ok());
}

TEST_CASE("kube types: request paths by scope and group", "[kube]") {
  const ApiResource deployments{"apps", "v1", "deployments", "Deployment", true, true, {}};
  CHECK(deployments.collectionPath("ns") == "/apis/apps/v1/namespaces/ns/deployments");
  CHECK(deployments.collectionPath("") == "/apis/apps/v1/deployments");
  CHECK(deployments.objectPath("ns", "web") == "/apis/apps/v1/namespaces/ns/deployments/web");
  const ApiResource namespaces{"", "v1", "namespaces", "Namespace", false, true, {}};
  CHECK(namespaces.objectPath("ignored", "bookinfo") == "/api/v1/namespaces/bookinfo");
}
