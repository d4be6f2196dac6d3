#include "diff/diff.h"

#include <openssl/evp.h>

#include <array>

#include "manifest/yaml_write.h"

namespace gitopsd::diff {

using nlohmann::json;

std::string toYaml(const json& value) {
  if (value.is_null()) return {};
  return manifest::toBlockYaml(value);
}

ObjectDiff compareObjects(const core::ResourceKey& key, json predicted, json live,
                          const CompareOptions& options) {
  ObjectDiff result;
  json managed_fields = options.live_managed_fields;
  if (managed_fields.is_null() && live.is_object()) {
    if (const auto metadata = live.find("metadata");
        metadata != live.end() && metadata->is_object() && metadata->contains("managedFields")) {
      managed_fields = (*metadata)["managedFields"];
    }
  }

  predicted = normalizeForDiff(std::move(predicted), options.normalize);
  live = normalizeForDiff(std::move(live), options.normalize);

  std::vector<IgnoreRule> matching;
  for (const auto& rule : options.rules) {
    if (matches(rule, key)) matching.push_back(rule);
  }
  if (const auto status = applyIgnoreRules(predicted, live, matching, managed_fields);
      !status.ok()) {
    result.warnings.push_back(status.message());
  }
  stripRolloutOwnedFields(key, predicted, live, options.rollout_owned);

  result.modified = predicted != live;
  if (result.modified)
    result.unified = unifiedDiff(toYaml(live), toYaml(predicted), "live", "desired");
  return result;
}

std::string desiredHash(const json& value) {
  const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    size = 0;  // cannot happen for SHA-256 with the default provider
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace gitopsd::diff
