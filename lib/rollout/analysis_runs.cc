#include "rollout/analysis_runs.h"

#include <set>

#include "rollout/replica_sets.h"

namespace gitopsd::rollout {

using nlohmann::json;

namespace {

// The value of a fieldRef path such as "metadata.labels['app']" or "metadata.name".
core::Result<json> fieldValue(const json& rollout, const std::string& path) {
  std::string rest = path;
  if (rest.rfind("metadata.", 0) != 0) {
    return core::invalidError("fieldRef " + path + ": only metadata fields are supported");
  }
  rest = rest.substr(9);
  const auto bracket = rest.find("['");
  const json& metadata = rollout.value("metadata", json::object());
  if (bracket != std::string::npos && rest.size() > bracket + 4 &&
      rest.substr(rest.size() - 2) == "']") {
    const std::string map = rest.substr(0, bracket);
    const std::string key = rest.substr(bracket + 2, rest.size() - bracket - 4);
    const json& values = metadata.value(map, json::object());
    if (values.contains(key)) return values[key];
    return core::invalidError("fieldRef " + path + ": the Rollout has no such field");
  }
  if (metadata.contains(rest) && metadata[rest].is_string()) return metadata[rest];
  return core::invalidError("fieldRef " + path + ": the Rollout has no such field");
}

}  // namespace

core::Result<json> buildAnalysisRun(const AnalysisRunContext& context, const AnalysisAction& action,
                                    const std::vector<json>& templates) {
  const RolloutSpec& spec = *context.spec;
  json metrics = json::array();
  json dry_run = json::array();
  json retention = json::array();
  json args = json::array();
  std::set<std::string> metric_names;
  for (const auto& template_object : templates) {
    const json& body = template_object.value("spec", json::object());
    for (const auto& metric : body.value("metrics", json::array())) {
      const std::string name = metric.value("name", "");
      if (!metric_names.insert(name).second) {
        return core::invalidError("AnalysisTemplates of " + spec.name + ": metric \"" + name +
                                  "\" is defined twice");
      }
      metrics.push_back(metric);
    }
    for (const auto& entry : body.value("dryRun", json::array())) dry_run.push_back(entry);
    for (const auto& entry : body.value("measurementRetention", json::array())) {
      retention.push_back(entry);
    }
    for (const auto& arg : body.value("args", json::array())) {
      const std::string name = arg.value("name", "");
      const bool known = std::any_of(args.begin(), args.end(),
                                     [&](const json& a) { return a.value("name", "") == name; });
      if (!known) args.push_back(arg);
    }
  }
  // The Rollout's values win over the templates' defaults.
  for (const auto& given : action.analysis.args) {
    const std::string name = given.value("name", "");
    json resolved = {{"name", name}};
    if (given.contains("value")) {
      resolved["value"] = given["value"];
    } else if (given.contains("valueFrom")) {
      const json& from = given["valueFrom"];
      if (from.contains("podTemplateHashValue")) {
        const std::string which = from["podTemplateHashValue"].get<std::string>();
        if (which != "Stable" && which != "Latest") {
          return core::invalidError("analysis argument \"" + name +
                                    "\": podTemplateHashValue must be Stable or Latest, not " +
                                    which);
        }
        resolved["value"] = which == "Stable" ? context.stable_hash : context.canary_hash;
      } else if (from.contains("fieldRef")) {
        auto value = fieldValue(*context.rollout, from["fieldRef"].value("fieldPath", ""));
        if (!value.ok()) {
          return value.status().withContext("analysis argument \"" + name + "\"");
        }
        resolved["value"] = value->is_string() ? value->get<std::string>() : value->dump();
      } else {
        resolved["valueFrom"] = from;  // secretKeyRef: read by the analysis engine
      }
    }
    bool replaced = false;
    for (auto& arg : args) {
      if (arg.value("name", "") == name) {
        arg = resolved;
        replaced = true;
      }
    }
    if (!replaced) args.push_back(resolved);
  }
  for (const auto& arg : args) {
    if (!arg.contains("value") && !arg.contains("valueFrom")) {
      return core::invalidError("analysis argument \"" + arg.value("name", "") +
                                "\" has no value: the Rollout must pass it");
    }
  }
  json labels = {{kPodTemplateHashLabel, context.canary_hash}, {"rollout-type", action.type}};
  if (action.type == "Step") labels["step-index"] = std::to_string(action.step_index);
  json run_spec = {{"metrics", metrics}, {"args", args}};
  if (!dry_run.empty()) run_spec["dryRun"] = dry_run;
  if (!retention.empty()) run_spec["measurementRetention"] = retention;
  return json{{"apiVersion", "argoproj.io/v1alpha1"},
              {"kind", "AnalysisRun"},
              {"metadata",
               {{"name", action.name},
                {"namespace", spec.namespace_},
                {"labels", labels},
                {"annotations", {{kRevisionAnnotation, std::to_string(context.revision)}}},
                {"ownerReferences", json::array({{{"apiVersion", "argoproj.io/v1alpha1"},
                                                  {"kind", "Rollout"},
                                                  {"name", spec.name},
                                                  {"uid", spec.uid},
                                                  {"controller", true},
                                                  {"blockOwnerDeletion", true}}})}}},
              {"spec", run_spec}};
}

}  // namespace gitopsd::rollout
