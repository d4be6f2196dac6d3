#include "analysis/args.h"

namespace gitopsd::analysis {

using nlohmann::json;

namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";
constexpr std::string_view kSecretPlaceholder = "temp-for-secret";

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

core::Result<std::string> substituteText(std::string_view text, const ResolvedArgs& args,
                                         const std::string& path) {
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t open = text.find(kOpen, at);
    if (open == std::string_view::npos) break;
    const size_t close = text.find(kClose, open + kOpen.size());
    if (close == std::string_view::npos) {
      return core::invalidError(path + ": \"{{\" without \"}}\" in \"" + std::string(text) + "\"");
    }
    out.append(text.substr(at, open - at));
    const std::string_view tag =
        trimmed(text.substr(open + kOpen.size(), close - open - kOpen.size()));
    if (tag.substr(0, 5) != "args.") {
      return core::invalidError(path + ": cannot resolve {{" + std::string(tag) + "}}");
    }
    const std::string name(tag.substr(5));
    auto it = args.values.find(name);
    if (it == args.values.end()) {
      return core::invalidError("args." + name + ": unknown argument (" + path + ")");
    }
    out += it->second;
    at = close + kClose.size();
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace

core::Result<ResolvedArgs> resolveArgs(const std::vector<Argument>& args, const ArgLookup& lookup) {
  ResolvedArgs out;
  for (const Argument& arg : args) {
    const std::string where = "args." + arg.name;
    if (arg.value) {
      out.values[arg.name] = *arg.value;
    } else if (arg.secret_key_ref) {
      auto value = lookup.secretValue(arg.secret_key_ref->name, arg.secret_key_ref->key);
      if (!value.ok()) return value.status().withContext(where);
      out.values[arg.name] = *value;
      out.secrets.push_back(*value);
    } else if (arg.field_path) {
      auto value = lookup.fieldValue(*arg.field_path);
      if (!value.ok()) return value.status().withContext(where);
      out.values[arg.name] = *value;
    } else {
      return core::invalidError(where + ": no value");
    }
  }
  return out;
}

core::Result<ResolvedArgs> resolveArgsWithoutSecrets(const std::vector<Argument>& args) {
  ResolvedArgs out;
  for (const Argument& arg : args) {
    if (arg.value) {
      out.values[arg.name] = *arg.value;
    } else if (arg.secret_key_ref) {
      out.values[arg.name] = std::string(kSecretPlaceholder);
    } else {
      return core::invalidError("args." + arg.name + ": no value");
    }
  }
  return out;
}

core::Result<json> substituteArgs(const json& value, const ResolvedArgs& args,
                                  std::string_view path) {
  const std::string here(path);
  if (value.is_string()) {
    auto text = substituteText(value.get_ref<const std::string&>(), args, here);
    if (!text.ok()) return text.status();
    return json(std::move(*text));
  }
  if (value.is_array()) {
    json out = json::array();
    for (size_t i = 0; i < value.size(); ++i) {
      auto item = substituteArgs(value[i], args, here + "[" + std::to_string(i) + "]");
      if (!item.ok()) return item.status();
      out.push_back(std::move(*item));
    }
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, item] : value.items()) {
      auto new_key = substituteText(key, args, here);
      if (!new_key.ok()) return new_key.status();
      auto new_item = substituteArgs(item, args, here + "." + key);
      if (!new_item.ok()) return new_item.status();
      out[*new_key] = std::move(*new_item);
    }
    return out;
  }
  return value;
}

core::Result<RunSpec> resolveRunSpec(const json& spec, const ResolvedArgs& args) {
  if (!spec.is_object()) return core::invalidError("spec: must be an object");
  json resolved = spec;
  auto metrics = spec.find("metrics");
  if (metrics != spec.end() && metrics->is_array()) {
    for (size_t i = 0; i < metrics->size(); ++i) {
      auto metric = substituteArgs((*metrics)[i], args, "spec.metrics[" + std::to_string(i) + "]");
      if (!metric.ok()) return metric.status();
      resolved["metrics"][i] = std::move(*metric);
    }
  }
  return parseRunSpec(resolved);
}

std::string redactSecrets(std::string message, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + 5)) {
      message.replace(at, secret.size(), "*****");
    }
  }
  return message;
}

}  // namespace gitopsd::analysis
