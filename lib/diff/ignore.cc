#include "diff/ignore.h"

#include <fnmatch.h>

#include "diff/jq_path.h"
#include "diff/json_path.h"
#include "diff/managed_fields.h"

namespace gitopsd::diff {

using nlohmann::json;

namespace {

bool globMatch(const std::string& pattern, const std::string& value) {
  if (pattern == value) return true;
  return ::fnmatch(pattern.c_str(), value.c_str(), 0) == 0;
}

std::string ruleName(const IgnoreRule& rule) {
  std::string text = "ignore rule " + rule.group + "/" + rule.kind;
  if (!rule.namespace_.empty() || !rule.name.empty()) {
    text += ":" + rule.namespace_ + "/" + rule.name;
  }
  return text;
}

}  // namespace

bool matches(const IgnoreRule& rule, const core::ResourceKey& key) {
  if (rule.kind.empty()) return false;
  return globMatch(rule.group, key.group) && globMatch(rule.kind, key.kind) &&
         (rule.name.empty() || rule.name == key.name) &&
         (rule.namespace_.empty() || rule.namespace_ == key.namespace_);
}

core::Status validateIgnoreRule(const IgnoreRule& rule) {
  for (const auto& pointer : rule.json_pointers) {
    auto path = parseJsonPointer(pointer);
    if (!path.ok()) return path.status().withContext(ruleName(rule));
    if (path->empty()) {
      return core::invalidError(ruleName(rule) + ": JSON pointer '" + pointer +
                                "' selects the whole object");
    }
  }
  for (const auto& expression : rule.jq_path_expressions) {
    auto program = compileJqPath(expression);
    if (!program.ok()) return program.status().withContext(ruleName(rule));
    if (program->steps.empty()) {
      return core::invalidError(ruleName(rule) + ": jq path expression '" + expression +
                                "' selects the whole object");
    }
  }
  return core::okStatus();
}

core::Status applyIgnoreRules(json& predicted, json& live, const std::vector<IgnoreRule>& rules,
                              const json& live_managed_fields) {
  core::Status first_error;
  const auto remember = [&](const core::Status& status, const IgnoreRule& rule) {
    if (first_error.ok() && !status.ok()) first_error = status.withContext(ruleName(rule));
  };
  for (const auto& rule : rules) {
    for (const auto& pointer : rule.json_pointers) {
      auto path = parseJsonPointer(pointer);
      if (!path.ok()) {
        remember(path.status(), rule);
        continue;
      }
      removePath(predicted, *path);
      removePath(live, *path);
    }
    for (const auto& expression : rule.jq_path_expressions) {
      auto program = compileJqPath(expression);
      if (!program.ok()) {
        remember(program.status(), rule);
        continue;
      }
      removePaths(predicted, evaluateJqPath(*program, predicted));
      removePaths(live, evaluateJqPath(*program, live));
    }
    removeFieldsOfManagers(live_managed_fields, rule.managed_fields_managers, predicted, live);
  }
  return first_error;
}

core::Status keepIgnoredLiveValues(json& desired, const json& live, const core::ResourceKey& key,
                                   const std::vector<IgnoreRule>& rules) {
  auto keep = [&](const JsonPath& path) {
    if (const json* value = findPath(live, path)) {
      replacePath(desired, path, *value);
    } else {
      removePath(desired, path);
    }
  };
  for (const auto& rule : rules) {
    if (!matches(rule, key)) continue;
    for (const auto& pointer : rule.json_pointers) {
      auto path = parseJsonPointer(pointer);
      if (!path.ok()) return path.status();
      keep(*path);
    }
    for (const auto& expression : rule.jq_path_expressions) {
      auto program = compileJqPath(expression);
      if (!program.ok()) return program.status();
      auto paths = evaluateJqPath(*program, desired);
      // Deepest and last first, so removals keep the other paths' indices valid.
      std::sort(paths.begin(), paths.end(), [](const JsonPath& a, const JsonPath& b) {
        return std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end());
      });
      for (const auto& path : paths) keep(path);
    }
  }
  return {};
}

}  // namespace gitopsd::diff
