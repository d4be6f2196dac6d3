#include "rollout/spec.h"

#include <cmath>

#include "config/duration.h"

namespace gitopsd::rollout {

using nlohmann::json;

namespace {

const json kNull;

const json& field(const json& object, const char* name) {
  if (!object.is_object()) return kNull;
  const auto found = object.find(name);
  return found == object.end() ? kNull : *found;
}

core::Status invalid(const std::string& path, const std::string& what) {
  return core::invalidError(path + ": " + what);
}

core::Result<std::string> stringField(const json& object, const char* name, const std::string& path,
                                      bool required = false) {
  const json& value = field(object, name);
  if (value.is_null()) {
    if (required) return invalid(path + "." + name, "required");
    return std::string();
  }
  if (!value.is_string()) return invalid(path + "." + name, "must be a string");
  return value.get<std::string>();
}

core::Result<std::optional<int>> intField(const json& object, const char* name,
                                          const std::string& path) {
  const json& value = field(object, name);
  if (value.is_null()) return std::optional<int>();
  if (!value.is_number_integer()) return invalid(path + "." + name, "must be an integer");
  return std::optional<int>(value.get<int>());
}

core::Result<IntOrPercent> intOrPercent(const json& value, const std::string& path,
                                        IntOrPercent fallback) {
  if (value.is_null()) return fallback;
  if (value.is_number_integer()) return IntOrPercent{value.get<int>(), false};
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (!text.empty() && text.back() == '%') {
      try {
        std::size_t used = 0;
        const int number = std::stoi(text.substr(0, text.size() - 1), &used);
        if (used == text.size() - 1 && number >= 0) return IntOrPercent{number, true};
      } catch (const std::exception&) {
      }
    }
  }
  return invalid(path, "must be an integer or a percentage such as \"25%\"");
}

core::Result<RolloutAnalysis> parseAnalysis(const json& value, const std::string& path) {
  RolloutAnalysis analysis;
  const json& templates = field(value, "templates");
  if (!templates.is_array() || templates.empty()) {
    return invalid(path + ".templates", "at least one template is required");
  }
  for (std::size_t i = 0; i < templates.size(); ++i) {
    const std::string at = path + ".templates[" + std::to_string(i) + "]";
    auto name = stringField(templates[i], "templateName", at, true);
    if (!name.ok()) return name.status();
    const json& cluster = field(templates[i], "clusterScope");
    analysis.templates.push_back({*name, cluster.is_boolean() && cluster.get<bool>()});
  }
  const json& args = field(value, "args");
  if (!args.is_null()) {
    if (!args.is_array()) return invalid(path + ".args", "must be a list");
    analysis.args = args;
  }
  auto starting = intField(value, "startingStep", path);
  if (!starting.ok()) return starting.status();
  analysis.starting_step = *starting;
  return analysis;
}

core::Result<CanaryStep> parseStep(const json& value, const std::string& path) {
  if (!value.is_object() || value.size() != 1) {
    return invalid(path, value.is_object() && !value.empty()
                             ? "a step has exactly one kind; found " + std::to_string(value.size())
                             : "a step has exactly one kind (setWeight, pause, analysis, ...)");
  }
  // Through the object iterator: items() is a temporary whose proxies must not outlive it.
  const auto only = value.begin();
  const std::string kind = only.key();
  const json& body = only.value();
  CanaryStep step;
  step.body = body;
  const std::string at = path + "." + kind;
  if (kind == "setWeight") {
    if (!body.is_number_integer() || body.get<int>() < 0 || body.get<int>() > 100) {
      return invalid(at, "must be an integer from 0 to 100");
    }
    step.kind = CanaryStep::Kind::kSetWeight;
    step.weight = body.get<int>();
  } else if (kind == "pause") {
    step.kind = CanaryStep::Kind::kPause;
    const json& duration = field(body, "duration");
    if (!body.is_object() && !body.is_null()) return invalid(at, "must be an object");
    if (!duration.is_null()) {
      auto parsed = parsePauseDuration(duration);
      if (!parsed.ok()) return parsed.status().withContext(at + ".duration");
      step.pause_for = *parsed;
    }
  } else if (kind == "analysis") {
    step.kind = CanaryStep::Kind::kAnalysis;
    auto analysis = parseAnalysis(body, at);
    if (!analysis.ok()) return analysis.status();
    step.analysis = std::move(analysis).value();
  } else if (kind == "setCanaryScale") {
    step.kind = CanaryStep::Kind::kSetCanaryScale;
    const int given =
        body.contains("replicas") + body.contains("weight") + body.contains("matchTrafficWeight");
    if (!body.is_object() || given != 1) {
      return invalid(at, "set exactly one of replicas, weight and matchTrafficWeight");
    }
  } else if (kind == "setHeaderRoute" || kind == "setMirrorRoute") {
    step.kind = kind == "setHeaderRoute" ? CanaryStep::Kind::kSetHeaderRoute
                                         : CanaryStep::Kind::kSetMirrorRoute;
    auto name = stringField(body, "name", at, true);
    if (!name.ok()) return name.status();
  } else if (kind == "experiment") {
    step.kind = CanaryStep::Kind::kExperiment;
  } else {
    return invalid(path, "unknown step kind \"" + kind + "\"");
  }
  return step;
}

core::Result<TrafficRoutingSpec> parseRoutingSpec(const json& value, const std::string& path) {
  TrafficRoutingSpec routing;
  routing.raw = value;
  for (const auto& route : field(value, "managedRoutes")) {
    routing.managed_routes.push_back(
        field(route, "name").is_string() ? field(route, "name").get<std::string>() : std::string());
  }
  const json& istio = field(value, "istio");
  if (istio.is_null()) return routing;
  routing.istio = true;
  const std::string at = path + ".istio";
  std::vector<std::pair<json, std::string>> services;
  if (!field(istio, "virtualService").is_null()) {
    services.emplace_back(field(istio, "virtualService"), at + ".virtualService");
  }
  const json& many = field(istio, "virtualServices");
  for (std::size_t i = 0; many.is_array() && i < many.size(); ++i) {
    services.emplace_back(many[i], at + ".virtualServices[" + std::to_string(i) + "]");
  }
  if (services.empty()) return invalid(at, "virtualService or virtualServices is required");
  for (const auto& [service, service_path] : services) {
    IstioVirtualServiceRef ref;
    auto name = stringField(service, "name", service_path, true);
    if (!name.ok()) return name.status();
    ref.name = *name;
    for (const auto& route : field(service, "routes")) {
      if (!route.is_string()) return invalid(service_path + ".routes", "must be route names");
      ref.routes.push_back(route.get<std::string>());
    }
    if (field(service, "tlsRoutes").is_array()) ref.tls_routes = field(service, "tlsRoutes");
    if (field(service, "tcpRoutes").is_array()) ref.tcp_routes = field(service, "tcpRoutes");
    routing.virtual_services.push_back(std::move(ref));
  }
  const json& rule = field(istio, "destinationRule");
  if (!rule.is_null()) {
    const std::string rule_path = at + ".destinationRule";
    auto name = stringField(rule, "name", rule_path, true);
    if (!name.ok()) return name.status();
    auto canary = stringField(rule, "canarySubsetName", rule_path, true);
    if (!canary.ok()) return canary.status();
    auto stable = stringField(rule, "stableSubsetName", rule_path, true);
    if (!stable.ok()) return stable.status();
    if (*canary == *stable) {
      return invalid(rule_path, "canarySubsetName and stableSubsetName must differ");
    }
    routing.destination_rule = *name;
    routing.canary_subset = *canary;
    routing.stable_subset = *stable;
  }
  return routing;
}

core::Result<CanaryStrategy> parseCanary(const json& value, const std::string& path) {
  CanaryStrategy canary;
  const json& steps = field(value, "steps");
  if (!steps.is_null() && !steps.is_array()) return invalid(path + ".steps", "must be a list");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto step = parseStep(steps[i], path + ".steps[" + std::to_string(i) + "]");
    if (!step.ok()) return step.status();
    canary.steps.push_back(std::move(step).value());
  }
  auto canary_service = stringField(value, "canaryService", path);
  if (!canary_service.ok()) return canary_service.status();
  auto stable_service = stringField(value, "stableService", path);
  if (!stable_service.ok()) return stable_service.status();
  canary.canary_service = *canary_service;
  canary.stable_service = *stable_service;
  if (canary.canary_service.empty() != canary.stable_service.empty()) {
    return invalid(path + (canary.canary_service.empty() ? ".canaryService" : ".stableService"),
                   "canaryService and stableService go together");
  }
  const json& routing = field(value, "trafficRouting");
  if (!routing.is_null()) {
    auto parsed = parseRoutingSpec(routing, path + ".trafficRouting");
    if (!parsed.ok()) return parsed.status();
    if (parsed->istio && parsed->destination_rule.empty() && canary.canary_service.empty()) {
      return invalid(path + ".trafficRouting.istio",
                     "host-level routing needs canaryService and stableService; subset-level "
                     "routing needs destinationRule");
    }
    canary.traffic_routing = std::move(parsed).value();
  }
  const json& analysis = field(value, "analysis");
  if (!analysis.is_null()) {
    auto parsed = parseAnalysis(analysis, path + ".analysis");
    if (!parsed.ok()) return parsed.status();
    canary.background_analysis = std::move(parsed).value();
  }
  if (field(value, "canaryMetadata").is_object()) canary.canary_metadata = value["canaryMetadata"];
  if (field(value, "stableMetadata").is_object()) canary.stable_metadata = value["stableMetadata"];
  auto surge = intOrPercent(field(value, "maxSurge"), path + ".maxSurge", canary.max_surge);
  if (!surge.ok()) return surge.status();
  auto unavailable = intOrPercent(field(value, "maxUnavailable"), path + ".maxUnavailable",
                                  canary.max_unavailable);
  if (!unavailable.ok()) return unavailable.status();
  canary.max_surge = *surge;
  canary.max_unavailable = *unavailable;
  auto delay = intField(value, "scaleDownDelaySeconds", path);
  if (!delay.ok()) return delay.status();
  auto abort_delay = intField(value, "abortScaleDownDelaySeconds", path);
  if (!abort_delay.ok()) return abort_delay.status();
  canary.scale_down_delay_seconds = *delay;
  canary.abort_scale_down_delay_seconds = *abort_delay;
  const json& dynamic = field(value, "dynamicStableScale");
  canary.dynamic_stable_scale = dynamic.is_boolean() && dynamic.get<bool>();
  return canary;
}

core::Result<BlueGreenStrategy> parseBlueGreen(const json& value, const std::string& path) {
  BlueGreenStrategy blue_green;
  auto active = stringField(value, "activeService", path, true);
  if (!active.ok()) return active.status();
  auto preview = stringField(value, "previewService", path);
  if (!preview.ok()) return preview.status();
  blue_green.active_service = *active;
  blue_green.preview_service = *preview;
  auto preview_count = intField(value, "previewReplicaCount", path);
  if (!preview_count.ok()) return preview_count.status();
  blue_green.preview_replica_count = *preview_count;
  const json& auto_promote = field(value, "autoPromotionEnabled");
  blue_green.auto_promotion_enabled = !auto_promote.is_boolean() || auto_promote.get<bool>();
  auto seconds = intField(value, "autoPromotionSeconds", path);
  if (!seconds.ok()) return seconds.status();
  blue_green.auto_promotion_seconds = seconds->value_or(0);
  auto delay = intField(value, "scaleDownDelaySeconds", path);
  if (!delay.ok()) return delay.status();
  blue_green.scale_down_delay_seconds = delay->value_or(30);
  auto abort_delay = intField(value, "abortScaleDownDelaySeconds", path);
  if (!abort_delay.ok()) return abort_delay.status();
  blue_green.abort_scale_down_delay_seconds = *abort_delay;
  for (const char* name : {"prePromotionAnalysis", "postPromotionAnalysis"}) {
    const json& analysis = field(value, name);
    if (analysis.is_null()) continue;
    auto parsed = parseAnalysis(analysis, path + "." + name);
    if (!parsed.ok()) return parsed.status();
    (std::string(name) == "prePromotionAnalysis" ? blue_green.pre_promotion_analysis
                                                 : blue_green.post_promotion_analysis) =
        std::move(parsed).value();
  }
  return blue_green;
}

}  // namespace

int IntOrPercent::resolve(int total, bool round_up) const {
  if (!percent) return value;
  const double exact = static_cast<double>(total) * value / 100.0;
  return static_cast<int>(round_up ? std::ceil(exact) : std::floor(exact));
}

core::Result<Seconds> parsePauseDuration(const json& value) {
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return Seconds(value.get<std::int64_t>());
  }
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
      return Seconds(std::stoll(text));
    }
    auto parsed = config::parseDuration(text);
    if (parsed.ok() && parsed->count() >= 0) {
      return std::chrono::duration_cast<Seconds>(*parsed);
    }
  }
  return core::invalidError("invalid duration " + value.dump() +
                            " (seconds, or a duration such as \"30s\" or \"10m\")");
}

core::Result<RolloutSpec> parseRollout(const json& rollout) {
  RolloutSpec spec;
  const json& metadata = field(rollout, "metadata");
  spec.namespace_ = field(metadata, "namespace").is_string() ? metadata["namespace"] : "";
  spec.name = field(metadata, "name").is_string() ? metadata["name"] : "";
  spec.uid = field(metadata, "uid").is_string() ? metadata["uid"] : "";
  if (field(metadata, "generation").is_number_integer()) spec.generation = metadata["generation"];
  const json& body = field(rollout, "spec");
  if (!body.is_object()) return invalid("spec", "required");
  auto replicas = intField(body, "replicas", "spec");
  if (!replicas.ok()) return replicas.status();
  spec.replicas = replicas->value_or(1);
  if (spec.replicas < 0) return invalid("spec.replicas", "must not be negative");
  spec.selector = field(body, "selector");
  if (!spec.selector.is_object()) return invalid("spec.selector", "required");
  const json& pod_template = field(body, "template");
  const json& workload = field(body, "workloadRef");
  if (!pod_template.is_null() && !workload.is_null()) {
    return invalid("spec", "set either template or workloadRef, not both");
  }
  if (pod_template.is_null() && workload.is_null()) {
    return invalid("spec", "template or workloadRef is required");
  }
  if (!pod_template.is_null()) {
    if (!pod_template.is_object()) return invalid("spec.template", "must be an object");
    const json& labels = field(field(pod_template, "metadata"), "labels");
    if (!selectorMatches(spec.selector, labels.is_object() ? labels : json::object())) {
      return invalid("spec.selector", "does not match the labels of spec.template");
    }
    spec.pod_template = pod_template;
  } else {
    WorkloadRef ref;
    auto api_version = stringField(workload, "apiVersion", "spec.workloadRef", true);
    if (!api_version.ok()) return api_version.status();
    auto kind = stringField(workload, "kind", "spec.workloadRef", true);
    if (!kind.ok()) return kind.status();
    auto name = stringField(workload, "name", "spec.workloadRef", true);
    if (!name.ok()) return name.status();
    if (*api_version != "apps/v1" || *kind != "Deployment") {
      return invalid("spec.workloadRef",
                     "only apps/v1 Deployment is supported, not " + *api_version + " " + *kind);
    }
    auto scale_down = stringField(workload, "scaleDown", "spec.workloadRef");
    if (!scale_down.ok()) return scale_down.status();
    if (!scale_down->empty()) {
      if (*scale_down != "never" && *scale_down != "onsuccess" && *scale_down != "progressively") {
        return invalid("spec.workloadRef.scaleDown",
                       "must be never, onsuccess or progressively, not \"" + *scale_down + "\"");
      }
      ref.scale_down = *scale_down;
    }
    ref.api_version = *api_version;
    ref.kind = *kind;
    ref.name = *name;
    spec.workload_ref = std::move(ref);
  }
  auto history = intField(body, "revisionHistoryLimit", "spec");
  if (!history.ok()) return history.status();
  spec.revision_history_limit = history->value_or(10);
  auto ready = intField(body, "minReadySeconds", "spec");
  if (!ready.ok()) return ready.status();
  spec.min_ready_seconds = ready->value_or(0);
  spec.paused = field(body, "paused").is_boolean() && body["paused"].get<bool>();
  if (field(body, "restartAt").is_string()) spec.restart_at = body["restartAt"];
  const json& strategy = field(body, "strategy");
  const json& canary = field(strategy, "canary");
  const json& blue_green = field(strategy, "blueGreen");
  if (!canary.is_null() && !blue_green.is_null()) {
    return invalid("spec.strategy", "set either canary or blueGreen, not both");
  }
  if (canary.is_null() && blue_green.is_null()) {
    return invalid("spec.strategy", "canary or blueGreen is required");
  }
  if (!canary.is_null()) {
    auto parsed = parseCanary(canary, "spec.strategy.canary");
    if (!parsed.ok()) return parsed.status();
    spec.canary = std::move(parsed).value();
  } else {
    auto parsed = parseBlueGreen(blue_green, "spec.strategy.blueGreen");
    if (!parsed.ok()) return parsed.status();
    spec.blue_green = std::move(parsed).value();
  }
  return spec;
}

bool selectorMatches(const json& selector, const json& labels) {
  const auto label = [&](const std::string& key) -> const json& {
    return field(labels, key.c_str());
  };
  for (const auto& [key, value] : field(selector, "matchLabels").items()) {
    if (label(key) != value) return false;
  }
  for (const auto& expression : field(selector, "matchExpressions")) {
    const std::string key = field(expression, "key").is_string() ? expression["key"] : "";
    const std::string op = field(expression, "operator").is_string() ? expression["operator"] : "";
    const json& values = field(expression, "values");
    const json& have = label(key);
    const bool in = have.is_string() && values.is_array() &&
                    std::find(values.begin(), values.end(), have) != values.end();
    if (op == "In" && !in) return false;
    if (op == "NotIn" && in) return false;
    if (op == "Exists" && have.is_null()) return false;
    if (op == "DoesNotExist" && !have.is_null()) return false;
  }
  return true;
}

}  // namespace gitopsd::rollout
