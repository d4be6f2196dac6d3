#include "diff/normalize.h"

#include <array>

#include "diff/json_path.h"

namespace gitopsd::diff {

using nlohmann::json;

std::string groupOf(std::string_view api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string()
                                         : std::string(api_version.substr(0, slash));
}

json normalizeForDiff(json obj, const NormalizeOptions& options) {
  if (!obj.is_object()) return obj;
  static constexpr std::array<const char*, 7> kServerFields = {
      "managedFields", "resourceVersion",           "generation", "uid", "creationTimestamp",
      "selfLink",      "deletionGracePeriodSeconds"};
  static constexpr std::array<const char*, 2> kServerAnnotations = {
      "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision"};
  for (const char* field : kServerFields)
    removePath(obj, {std::string("metadata"), std::string(field)});
  for (const char* annotation : kServerAnnotations) {
    removePath(obj, {std::string("metadata"), std::string("annotations"), std::string(annotation)});
  }
  if (obj.contains("status")) {
    const auto api_version = obj.value("apiVersion", json()).is_string()
                                 ? obj["apiVersion"].get<std::string>()
                                 : std::string();
    const auto kind =
        obj.value("kind", json()).is_string() ? obj["kind"].get<std::string>() : std::string();
    if (options.keep_status.count({groupOf(api_version), kind}) == 0) obj.erase("status");
  }
  return obj;
}

}  // namespace gitopsd::diff
