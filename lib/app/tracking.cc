#include "app/tracking.h"

namespace gitopsd::app {

std::string trackingId(std::string_view app, const core::ResourceKey& key) {
  return std::string(app) + ":" + key.toString();
}

std::optional<Tracking> trackingOf(const kube::Object& object) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return std::nullopt;
  const auto annotations = metadata->find("annotations");
  if (annotations == metadata->end() || !annotations->is_object()) return std::nullopt;
  const auto value = annotations->find(std::string(kTrackingAnnotation));
  if (value == annotations->end() || !value->is_string()) return std::nullopt;
  const std::string& text = value->get_ref<const std::string&>();
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  auto key = core::ResourceKey::parse(std::string_view(text).substr(colon + 1));
  if (!key.ok()) return std::nullopt;
  return Tracking{text.substr(0, colon), std::move(key).value()};
}

std::optional<std::string> owningApp(const kube::Object& object) {
  auto tracking = trackingOf(object);
  if (!tracking) return std::nullopt;
  auto ref = kube::ObjectRef::of(object);
  if (!ref.ok() || !(ref->key() == tracking->key)) return std::nullopt;
  return std::move(tracking->app);
}

void setTracking(kube::Object& object, std::string_view app, const core::ResourceKey& key) {
  object["metadata"]["annotations"][std::string(kTrackingAnnotation)] = trackingId(app, key);
}

}  // namespace gitopsd::app
