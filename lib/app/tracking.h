// Which application an object belongs to: the annotation gitopsd.io/tracking-id, set on every
// object gitopsd applies, "<app>:<group>/<Kind>:<namespace>/<name>" (the ResourceKey text). An
// object is the application's only when the annotation names the application and the object's
// own key: a copy of the annotation on another object (kubectl get -o yaml | kubectl apply)
// does not make that object ours, so it is never pruned. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/resource_key.h"
#include "kube/types.h"

namespace gitopsd::app {

inline constexpr std::string_view kTrackingAnnotation = "gitopsd.io/tracking-id";

std::string trackingId(std::string_view app, const core::ResourceKey& key);

struct Tracking {
  std::string app;
  core::ResourceKey key;
};

// The parsed annotation of an object, or nullopt when it has none or it is malformed.
std::optional<Tracking> trackingOf(const kube::Object& object);

// The application that owns the object: its annotation parses and names the object's own key.
std::optional<std::string> owningApp(const kube::Object& object);

// Sets the annotation on a desired object (creating metadata.annotations when needed).
void setTracking(kube::Object& object, std::string_view app, const core::ResourceKey& key);

}  // namespace gitopsd::app
