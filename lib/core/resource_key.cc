#include "core/resource_key.h"

namespace gitopsd::core {

std::string ResourceKey::toString() const {
  std::string out;
  out.reserve(group.size() + kind.size() + namespace_.size() + name.size() + 3);
  out.append(group)
      .append("/")
      .append(kind)
      .append(":")
      .append(namespace_)
      .append("/")
      .append(name);
  return out;
}

Result<ResourceKey> ResourceKey::parse(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return invalidError("resource key \"" + std::string(text) + "\": " + std::string(why) +
                        " (expected <group>/<Kind>:<namespace>/<name>)");
  };
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return fail("no ':' between kind and namespace");
  const std::string_view type = text.substr(0, colon);
  const std::string_view object = text.substr(colon + 1);
  const auto type_slash = type.rfind('/');
  const auto object_slash = object.find('/');
  if (type_slash == std::string_view::npos) return fail("no '/' between group and kind");
  if (object_slash == std::string_view::npos) return fail("no '/' between namespace and name");
  ResourceKey key{std::string(type.substr(0, type_slash)), std::string(type.substr(type_slash + 1)),
                  std::string(object.substr(0, object_slash)),
                  std::string(object.substr(object_slash + 1))};
  if (key.kind.empty()) return fail("empty kind");
  if (key.name.empty()) return fail("empty name");
  return key;
}

}  // namespace gitopsd::core

size_t std::hash<gitopsd::core::ResourceKey>::operator()(
    const gitopsd::core::ResourceKey& key) const noexcept {
  size_t seed = 0;
  auto mix = [&seed](const std::string& part) {
    seed ^= std::hash<std::string>{}(part) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  };
  mix(key.group);
  mix(key.kind);
  mix(key.namespace_);
  mix(key.name);
  return seed;
}
