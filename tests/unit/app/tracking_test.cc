#include "app/tracking.h"

#include <catch2/catch.hpp>

using gitopsd::app::owningApp;
using gitopsd::app::setTracking;
using gitopsd::app::trackingId;
using gitopsd::app::trackingOf;
using gitopsd::core::ResourceKey;
using Json = nlohmann::json;

namespace {

Json deployment(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"namespace", ns}, {"name", name}}}};
}

}  // namespace

TEST_CASE("tracking: the annotation names the app and the object's key", "[app]") {
  const ResourceKey key{"apps", "Deployment", "web", "frontend"};
  CHECK(trackingId("shop", key) == "shop:apps/Deployment:web/frontend");
  Json object = deployment("web", "frontend");
  setTracking(object, "shop", key);
  CHECK(object["metadata"]["annotations"]["gitopsd.io/tracking-id"] ==
        "shop:apps/Deployment:web/frontend");
  const auto parsed = trackingOf(object);
  REQUIRE(parsed);
  CHECK(parsed->app == "shop");
  CHECK(parsed->key == key);
  CHECK(owningApp(object) == "shop");
}

TEST_CASE("tracking: a copied annotation does not make another object ours", "[app]") {
  Json copy = deployment("web", "frontend-copy");
  setTracking(copy, "shop", {"apps", "Deployment", "web", "frontend"});
  CHECK(trackingOf(copy));
  CHECK_FALSE(owningApp(copy));
  Json plain = deployment("web", "x");
  CHECK_FALSE(trackingOf(plain));
  plain["metadata"]["annotations"]["gitopsd.io/tracking-id"] = "no-key-here";
  CHECK_FALSE(trackingOf(plain));
  plain["metadata"]["annotations"]["gitopsd.io/tracking-id"] = 42;
  CHECK_FALSE(trackingOf(plain));
}
