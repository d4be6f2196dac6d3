#include "analysis/providers/provider.h"

#include <algorithm>
#include <cctype>

#include "analysis/providers/fields.h"
#include "analysis/providers/http_client.h"
#include "analysis/providers/prometheus.h"
#include "analysis/providers/skywalking.h"
#include "analysis/providers/web.h"
#include "config/duration.h"

namespace gitopsd::analysis {
namespace {

constexpr std::string_view kSupported = "skywalking, prometheus, web";

std::string fieldName(std::string_view type, std::string_view key) {
  return "provider " + std::string(type) + "." + std::string(key);
}

}  // namespace

core::Result<std::string> providerType(const nlohmann::json& provider) {
  if (!provider.is_object() || provider.empty()) {
    return core::invalidError("metric provider must be an object with one key naming the type (" +
                              std::string(kSupported) + ")");
  }
  if (provider.size() > 1) {
    std::string keys;
    for (const auto& [key, value] : provider.items()) keys += (keys.empty() ? "" : ", ") + key;
    return core::invalidError("metric provider names several types (" + keys + "); give one");
  }
  const std::string key = provider.begin().key();
  if (key != "skywalking" && key != "prometheus" && key != "web") {
    return core::invalidError("unsupported metric provider \"" + key +
                              "\" (supported: " + std::string(kSupported) + ")");
  }
  return key;
}

core::Result<std::unique_ptr<MetricProvider>> makeProvider(const nlohmann::json& provider) {
  auto type = providerType(provider);
  if (!type.ok()) return type.status();
  auto http = std::make_shared<HttpClient>();
  if (*type == "skywalking") return std::unique_ptr<MetricProvider>(new SkyWalkingProvider(http));
  if (*type == "prometheus") return std::unique_ptr<MetricProvider>(new PrometheusProvider(http));
  return std::unique_ptr<MetricProvider>(new WebProvider(http));
}

core::Result<MetricProvider*> ProviderSet::providerFor(const nlohmann::json& provider) {
  auto type = providerType(provider);
  if (!type.ok()) return type.status();
  std::lock_guard lock(mutex_);
  auto found = providers_.find(*type);
  if (found == providers_.end()) {
    auto made = makeProvider(provider);
    if (!made.ok()) return made.status();
    found = providers_.emplace(*type, std::move(made).value()).first;
  }
  return found->second.get();
}

core::Result<ProviderResult> ProviderSet::measure(const ProviderQuery& query) {
  auto provider = providerFor(query.provider);
  if (!provider.ok()) return provider.status();
  return (*provider)->measure(query);
}

core::Result<nlohmann::json> providerFields(const nlohmann::json& provider, std::string_view type) {
  const auto found = provider.is_object() ? provider.find(type) : provider.end();
  if (!provider.is_object() || found == provider.end() || !found->is_object()) {
    return core::invalidError("provider " + std::string(type) + " must be an object");
  }
  return *found;
}

core::Result<std::string> stringField(const nlohmann::json& fields, std::string_view type,
                                      std::string_view key, bool required) {
  const auto found = fields.find(key);
  if (found == fields.end() || found->is_null()) {
    if (required) return core::invalidError(fieldName(type, key) + " is required");
    return std::string();
  }
  if (!found->is_string()) return core::invalidError(fieldName(type, key) + " must be a string");
  if (required && found->get_ref<const std::string&>().empty()) {
    return core::invalidError(fieldName(type, key) + " is required");
  }
  return found->get<std::string>();
}

core::Result<std::optional<long long>> integerField(const nlohmann::json& fields,
                                                    std::string_view type, std::string_view key) {
  const auto found = fields.find(key);
  if (found == fields.end() || found->is_null()) return std::optional<long long>();
  if (found->is_number_integer()) return std::optional<long long>(found->get<long long>());
  if (found->is_string()) {
    const auto& text = found->get_ref<const std::string&>();
    if (!text.empty() && text.size() < 18 &&
        std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(c) != 0; })) {
      return std::optional<long long>(std::stoll(text));
    }
  }
  return core::invalidError(fieldName(type, key) + " must be a whole number");
}

core::Result<bool> boolField(const nlohmann::json& fields, std::string_view type,
                             std::string_view key) {
  const auto found = fields.find(key);
  if (found == fields.end() || found->is_null()) return false;
  if (found->is_boolean()) return found->get<bool>();
  if (found->is_string() && (*found == "true" || *found == "false")) return *found == "true";
  return core::invalidError(fieldName(type, key) + " must be true or false");
}

core::Result<std::optional<std::chrono::milliseconds>> durationField(const nlohmann::json& fields,
                                                                     std::string_view type,
                                                                     std::string_view key) {
  auto text = stringField(fields, type, key, false);
  if (!text.ok()) return text.status();
  if (text->empty()) return std::optional<std::chrono::milliseconds>();
  auto duration = config::parseDuration(*text);
  if (!duration.ok()) return duration.status().withContext(fieldName(type, key));
  if (duration->count() < 0) return core::invalidError(fieldName(type, key) + " is negative");
  return std::optional<std::chrono::milliseconds>(*duration);
}

core::Result<std::vector<std::pair<std::string, std::string>>> headersField(
    const nlohmann::json& fields, std::string_view type) {
  std::vector<std::pair<std::string, std::string>> headers;
  const auto found = fields.find("headers");
  if (found == fields.end() || found->is_null()) return headers;
  if (!found->is_array()) return core::invalidError(fieldName(type, "headers") + " must be a list");
  for (const auto& entry : *found) {
    if (!entry.is_object() || !entry.contains("key") || !entry["key"].is_string() ||
        (entry.contains("value") && !entry["value"].is_string())) {
      return core::invalidError(fieldName(type, "headers") +
                                " entries must be {key: string, value: string}");
    }
    const std::string name = entry["key"].get<std::string>();
    const std::string value = entry.value("value", "");
    if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return core::invalidError(fieldName(type, "headers") + " has an invalid header \"" + name +
                                "\"");
    }
    headers.emplace_back(name, value);
  }
  return headers;
}

std::string excerpt(std::string_view body, std::size_t limit) {
  std::string out(body.substr(0, limit));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (body.size() > limit) out += "...";
  return out;
}

}  // namespace gitopsd::analysis
