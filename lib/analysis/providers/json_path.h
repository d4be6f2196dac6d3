// The JSONPath of Argo Rollouts' web provider (Kubernetes' jsonpath template syntax), the subset
// used in practice: one `{...}` expression made of an optional `$` and steps `.name`,
// `['name']`/`["name"]`, `[n]` (negative counts from the end), `[*]` and `.*`. Text outside the
// braces, `..`, slices, filters and `range` are kInvalid naming the position. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitopsd::analysis {

class JsonPath {
 public:
  // An empty template is "{$}" (the whole document).
  static core::Result<JsonPath> parse(std::string_view text);

  // Every value the path selects, in document order (wildcards may select several). A name or
  // index that is not there is kNotFound naming it (Kubernetes' jsonpath without
  // allowMissingKeys).
  core::Result<std::vector<nlohmann::json>> find(const nlohmann::json& document) const;

  const std::string& text() const { return text_; }

 private:
  struct Step {
    enum Kind { kName, kIndex, kAll } kind = kName;
    std::string name;
    long long index = 0;
  };
  std::string text_;
  std::vector<Step> steps_;
};

}  // namespace gitopsd::analysis
