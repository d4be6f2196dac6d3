#include "kube/types.h"

namespace gitopsd::kube {

GroupVersionKind GroupVersionKind::fromApiVersion(std::string_view api_version, std::string kind) {
  const auto slash = api_version.find('/');
  if (slash == std::string_view::npos) return {"", std::string(api_version), std::move(kind)};
  return {std::string(api_version.substr(0, slash)), std::string(api_version.substr(slash + 1)),
          std::move(kind)};
}

std::string GroupVersionKind::apiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string GroupVersionKind::toString() const { return apiVersion() + ", Kind=" + kind; }

core::Result<ObjectRef> ObjectRef::of(const Object& object, bool accept_generate_name) {
  if (!object.is_object()) return core::invalidError("object is not a JSON/YAML mapping");
  auto text = [&object](const char* key, const Object* in) -> std::string {
    const Object& where = in != nullptr ? *in : object;
    const auto it = where.find(key);
    return it != where.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string api_version = text("apiVersion", nullptr);
  const std::string kind = text("kind", nullptr);
  const auto metadata = object.find("metadata");
  const Object* meta = metadata != object.end() && metadata->is_object() ? &*metadata : nullptr;
  std::string name = meta != nullptr ? text("name", meta) : std::string();
  if (name.empty() && accept_generate_name && meta != nullptr) {
    if (const std::string generate = text("generateName", meta); !generate.empty()) {
      name = generate + "*";
    }
  }
  if (api_version.empty()) return core::invalidError("object has no apiVersion");
  if (kind.empty())
    return core::invalidError("object of apiVersion " + api_version + " has no kind");
  if (name.empty()) return core::invalidError(kind + " object has no metadata.name");
  return ObjectRef{GroupVersionKind::fromApiVersion(api_version, kind),
                   meta != nullptr ? text("namespace", meta) : std::string(), name};
}

std::string ObjectRef::toString() const {
  std::string out = type.apiVersion() + " " + type.kind + " ";
  if (!namespace_.empty()) out += namespace_ + "/";
  return out + name;
}

std::string ApiResource::collectionPath(std::string_view namespace_) const {
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !namespace_.empty()) path.append("/namespaces/").append(namespace_);
  return path + "/" + resource;
}

std::string ApiResource::objectPath(std::string_view namespace_, std::string_view name) const {
  return collectionPath(namespace_) + "/" + std::string(name);
}

}  // namespace gitopsd::kube
