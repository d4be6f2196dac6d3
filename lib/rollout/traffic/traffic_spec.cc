#include "rollout/traffic/traffic_spec.h"

#include <algorithm>
#include <set>

#include "rollout/traffic/json_fields.h"

namespace gitopsd::rollout {

using core::invalidError;
using core::Result;
using core::Status;
using detail::child;
using detail::indexed;
using detail::member;
using nlohmann::json;

namespace {

constexpr std::string_view kCanary = "spec.strategy.canary";
constexpr std::string_view kTrafficRouting = "spec.strategy.canary.trafficRouting";
constexpr std::string_view kIstio = "spec.strategy.canary.trafficRouting.istio";

// "name" or "name.namespace" (Argo's form) → namespace/name.
Result<ObjectName> resolveName(const std::string& value, const std::string& default_namespace,
                               const std::string& field) {
  const auto dot = value.find('.');
  if (dot == std::string::npos) {
    return ObjectName{default_namespace, value};
  }
  const std::string name = value.substr(0, dot);
  const std::string ns = value.substr(dot + 1);
  if (name.empty() || ns.empty() || ns.find('.') != std::string::npos) {
    return invalidError(field + ": \"" + value + "\" is neither NAME nor NAME.NAMESPACE");
  }
  return ObjectName{ns, name};
}

Result<VirtualServiceRef> parseVirtualService(const json& value, const std::string& field,
                                              const std::string& rollout_namespace) {
  if (!value.is_object()) {
    return invalidError(field + ": must be an object");
  }
  VirtualServiceRef ref;
  ref.field = field;
  auto name = detail::requiredString(value, "name", child(field, "name"));
  if (!name.ok()) {
    return name.status();
  }
  auto object = resolveName(*name, rollout_namespace, child(field, "name"));
  if (!object.ok()) {
    return object.status();
  }
  ref.object = std::move(object).value();

  const std::string routes_field = child(field, "routes");
  auto routes = detail::optionalArray(value, "routes", routes_field);
  if (!routes.ok()) {
    return routes.status();
  }
  if (*routes != nullptr) {
    for (std::size_t i = 0; i < (*routes)->size(); ++i) {
      const json& route = (**routes)[i];
      if (!route.is_string() || route.get<std::string>().empty()) {
        return invalidError(indexed(routes_field, i) + ": must be a non-empty string");
      }
      const auto route_name = route.get<std::string>();
      if (std::find(ref.http_routes.begin(), ref.http_routes.end(), route_name) !=
          ref.http_routes.end()) {
        return invalidError(indexed(routes_field, i) + ": route \"" + route_name +
                            "\" is listed twice");
      }
      ref.http_routes.push_back(route_name);
    }
  }

  const auto port_of = [](const json& item, const std::string& item_field,
                          std::int64_t& port) -> Status {
    const json* value_port = member(item, "port");
    if (value_port == nullptr) {
      port = 0;
      return {};
    }
    if (!detail::asInteger(*value_port, port) || port < 0 || port > 65535) {
      return invalidError(child(item_field, "port") + ": must be a port number (0-65535)");
    }
    return {};
  };

  const std::string tls_field = child(field, "tlsRoutes");
  auto tls = detail::optionalArray(value, "tlsRoutes", tls_field);
  if (!tls.ok()) {
    return tls.status();
  }
  if (*tls != nullptr) {
    for (std::size_t i = 0; i < (*tls)->size(); ++i) {
      const json& item = (**tls)[i];
      const std::string item_field = indexed(tls_field, i);
      if (!item.is_object()) {
        return invalidError(item_field + ": must be an object");
      }
      TlsRouteSelector selector;
      if (Status s = port_of(item, item_field, selector.port); !s.ok()) {
        return s;
      }
      auto hosts = detail::optionalArray(item, "sniHosts", child(item_field, "sniHosts"));
      if (!hosts.ok()) {
        return hosts.status();
      }
      if (*hosts != nullptr) {
        for (std::size_t h = 0; h < (*hosts)->size(); ++h) {
          const json& host = (**hosts)[h];
          if (!host.is_string()) {
            return invalidError(indexed(child(item_field, "sniHosts"), h) + ": must be a string");
          }
          selector.sni_hosts.push_back(host.get<std::string>());
        }
      }
      ref.tls_routes.push_back(std::move(selector));
    }
  }

  const std::string tcp_field = child(field, "tcpRoutes");
  auto tcp = detail::optionalArray(value, "tcpRoutes", tcp_field);
  if (!tcp.ok()) {
    return tcp.status();
  }
  if (*tcp != nullptr) {
    for (std::size_t i = 0; i < (*tcp)->size(); ++i) {
      const json& item = (**tcp)[i];
      const std::string item_field = indexed(tcp_field, i);
      if (!item.is_object()) {
        return invalidError(item_field + ": must be an object");
      }
      TcpRouteSelector selector;
      if (Status s = port_of(item, item_field, selector.port); !s.ok()) {
        return s;
      }
      ref.tcp_routes.push_back(selector);
    }
  }
  return ref;
}

Result<DestinationRuleRef> parseDestinationRule(const json& value,
                                                const std::string& rollout_namespace) {
  const std::string field = std::string(kIstio) + ".destinationRule";
  if (!value.is_object()) {
    return invalidError(field + ": must be an object");
  }
  DestinationRuleRef ref;
  auto name = detail::requiredString(value, "name", child(field, "name"));
  if (!name.ok()) {
    return name.status();
  }
  auto object = resolveName(*name, rollout_namespace, child(field, "name"));
  if (!object.ok()) {
    return object.status();
  }
  ref.object = std::move(object).value();
  auto canary = detail::requiredString(value, "canarySubsetName", child(field, "canarySubsetName"));
  if (!canary.ok()) {
    return canary.status();
  }
  auto stable = detail::requiredString(value, "stableSubsetName", child(field, "stableSubsetName"));
  if (!stable.ok()) {
    return stable.status();
  }
  if (*canary == *stable) {
    return invalidError(child(field, "stableSubsetName") +
                        ": must differ from canarySubsetName (\"" + *canary + "\")");
  }
  ref.canary_subset = std::move(canary).value();
  ref.stable_subset = std::move(stable).value();
  return ref;
}

Status parseIstio(const json& istio, TrafficRouting& routing) {
  if (!istio.is_object()) {
    return invalidError(std::string(kIstio) + ": must be an object");
  }
  const json* single = member(istio, "virtualService");
  const json* several = member(istio, "virtualServices");
  if (single != nullptr && several != nullptr) {
    return invalidError(std::string(kIstio) +
                        ": set either virtualService or virtualServices, not both");
  }
  if (single == nullptr && several == nullptr) {
    return invalidError(std::string(kIstio) + ".virtualService: required");
  }
  if (single != nullptr) {
    auto ref = parseVirtualService(*single, std::string(kIstio) + ".virtualService",
                                   routing.rollout_namespace);
    if (!ref.ok()) {
      return ref.status();
    }
    routing.virtual_services.push_back(std::move(ref).value());
  } else {
    const std::string field = std::string(kIstio) + ".virtualServices";
    if (!several->is_array() || several->empty()) {
      return invalidError(field + ": must be a non-empty list");
    }
    for (std::size_t i = 0; i < several->size(); ++i) {
      auto ref = parseVirtualService((*several)[i], indexed(field, i), routing.rollout_namespace);
      if (!ref.ok()) {
        return ref.status();
      }
      for (const auto& other : routing.virtual_services) {
        if (other.object == ref->object) {
          return invalidError(indexed(field, i) + ".name: VirtualService " +
                              ref->object.toString() + " is listed twice");
        }
      }
      routing.virtual_services.push_back(std::move(ref).value());
    }
  }
  if (const json* dr = member(istio, "destinationRule"); dr != nullptr) {
    auto ref = parseDestinationRule(*dr, routing.rollout_namespace);
    if (!ref.ok()) {
      return ref.status();
    }
    routing.destination_rule = std::move(ref).value();
  }
  for (const auto& [key, value] : istio.items()) {
    if (key != "virtualService" && key != "virtualServices" && key != "destinationRule" &&
        !value.is_null()) {
      return {core::StatusCode::kUnimplemented,
              std::string(kIstio) + "." + key + ": not supported"};
    }
  }
  return {};
}

Status parseManagedRoutes(const json& traffic, TrafficRouting& routing) {
  const std::string field = std::string(kTrafficRouting) + ".managedRoutes";
  auto routes = detail::optionalArray(traffic, "managedRoutes", field);
  if (!routes.ok()) {
    return routes.status();
  }
  if (*routes == nullptr) {
    return {};
  }
  for (std::size_t i = 0; i < (*routes)->size(); ++i) {
    auto name = detail::requiredString((**routes)[i], "name", indexed(field, i) + ".name");
    if (!name.ok()) {
      return name.status();
    }
    if (std::find(routing.managed_routes.begin(), routing.managed_routes.end(), *name) !=
        routing.managed_routes.end()) {
      return invalidError(indexed(field, i) + ".name: route \"" + *name + "\" is listed twice");
    }
    routing.managed_routes.push_back(std::move(name).value());
  }
  return {};
}

Result<StringMatch> parseStringMatch(const json& value, const std::string& field) {
  if (!value.is_object()) {
    return invalidError(field + ": must be an object with one of exact, prefix, regex");
  }
  StringMatch match;
  int count = 0;
  const std::pair<const char*, StringMatch::Kind> kinds[] = {{"exact", StringMatch::Kind::kExact},
                                                             {"prefix", StringMatch::Kind::kPrefix},
                                                             {"regex", StringMatch::Kind::kRegex}};
  for (const auto& [key, kind] : kinds) {
    auto text = detail::optionalString(value, key, child(field, key));
    if (!text.ok()) {
      return text.status();
    }
    if (!text->empty()) {
      ++count;
      match.kind = kind;
      match.value = std::move(text).value();
    }
  }
  if (count != 1) {
    return invalidError(field + ": must set exactly one of exact, prefix, regex");
  }
  return match;
}

Status checkStepName(const json& value, std::string_view field, const TrafficRouting& routing,
                     std::string& name) {
  if (!value.is_object()) {
    return invalidError(std::string(field) + ": must be an object");
  }
  auto parsed = detail::requiredString(value, "name", child(field, "name"));
  if (!parsed.ok()) {
    return parsed.status();
  }
  if (std::find(routing.managed_routes.begin(), routing.managed_routes.end(), *parsed) ==
      routing.managed_routes.end()) {
    return invalidError(child(field, "name") + ": route \"" + *parsed + "\" is not in " +
                        std::string(kTrafficRouting) + ".managedRoutes");
  }
  name = std::move(parsed).value();
  return {};
}

}  // namespace

Result<TrafficRouting> parseTrafficRouting(const json& rollout) {
  TrafficRouting routing;
  if (const json* metadata = member(rollout, "metadata"); metadata != nullptr) {
    auto name = detail::optionalString(*metadata, "name", "metadata.name");
    if (!name.ok()) {
      return name.status();
    }
    auto ns = detail::optionalString(*metadata, "namespace", "metadata.namespace");
    if (!ns.ok()) {
      return ns.status();
    }
    routing.rollout_name = std::move(name).value();
    routing.rollout_namespace = std::move(ns).value();
  }
  if (routing.rollout_name.empty()) {
    return invalidError("metadata.name: required");
  }
  if (routing.rollout_namespace.empty()) {
    return invalidError("metadata.namespace: required");
  }
  const json* spec = member(rollout, "spec");
  const json* strategy = spec != nullptr ? member(*spec, "strategy") : nullptr;
  const json* canary = strategy != nullptr ? member(*strategy, "canary") : nullptr;
  if (canary == nullptr) {
    return invalidError(std::string(kCanary) + ": required");
  }
  if (!canary->is_object()) {
    return invalidError(std::string(kCanary) + ": must be an object");
  }
  for (const auto& [key, target] : {std::pair{"canaryService", &routing.canary_service},
                                    std::pair{"stableService", &routing.stable_service}}) {
    const std::string field = child(kCanary, key);
    auto value = detail::optionalString(*canary, key, field);
    if (!value.ok()) {
      return value.status();
    }
    if (value->find('.') != std::string::npos || value->find('/') != std::string::npos) {
      return invalidError(field + ": \"" + *value +
                          "\" must be a Service name in the rollout's namespace");
    }
    *target = std::move(value).value();
  }
  if (!routing.canary_service.empty() && routing.canary_service == routing.stable_service) {
    return invalidError(std::string(kCanary) + ".stableService: must differ from canaryService");
  }

  const json* traffic = member(*canary, "trafficRouting");
  if (traffic == nullptr) {
    return routing;
  }
  if (!traffic->is_object()) {
    return invalidError(std::string(kTrafficRouting) + ": must be an object");
  }
  for (const auto& [key, value] : traffic->items()) {
    if (key != "istio" && key != "managedRoutes" && !value.is_null()) {
      return Status(core::StatusCode::kUnimplemented,
                    std::string(kTrafficRouting) + "." + key + ": not supported (only istio)");
    }
  }
  if (Status s = parseManagedRoutes(*traffic, routing); !s.ok()) {
    return s;
  }
  if (const json* istio = member(*traffic, "istio"); istio != nullptr) {
    if (Status s = parseIstio(*istio, routing); !s.ok()) {
      return s;
    }
    if (!routing.destination_rule &&
        (routing.canary_service.empty() || routing.stable_service.empty())) {
      return invalidError(std::string(kCanary) +
                          (routing.canary_service.empty() ? ".canaryService" : ".stableService") +
                          ": required for Istio host-level routing (no destinationRule)");
    }
    for (const auto& vs : routing.virtual_services) {
      for (std::size_t i = 0; i < vs.http_routes.size(); ++i) {
        if (std::find(routing.managed_routes.begin(), routing.managed_routes.end(),
                      vs.http_routes[i]) != routing.managed_routes.end()) {
          return invalidError(indexed(child(vs.field, "routes"), i) + ": route \"" +
                              vs.http_routes[i] + "\" is also in " + std::string(kTrafficRouting) +
                              ".managedRoutes");
        }
      }
    }
  }
  return routing;
}

json StringMatch::toIstio() const {
  switch (kind) {
    case Kind::kExact:
      return {{"exact", value}};
    case Kind::kPrefix:
      return {{"prefix", value}};
    case Kind::kRegex:
      return {{"regex", value}};
  }
  return json::object();
}

const std::string& managedRouteName(const ManagedRoute& route) {
  return std::visit([](const auto& r) -> const std::string& { return r.name; }, route);
}

Result<HeaderRoute> parseSetHeaderRoute(const json& value, std::string_view field,
                                        const TrafficRouting& routing) {
  HeaderRoute route;
  if (Status s = checkStepName(value, field, routing, route.name); !s.ok()) {
    return s;
  }
  const std::string match_field = child(field, "match");
  auto matches = detail::optionalArray(value, "match", match_field);
  if (!matches.ok()) {
    return matches.status();
  }
  if (*matches == nullptr) {
    return route;
  }
  for (std::size_t i = 0; i < (*matches)->size(); ++i) {
    const json& item = (**matches)[i];
    const std::string item_field = indexed(match_field, i);
    HeaderRoute::Match match;
    auto header = detail::requiredString(item, "headerName", child(item_field, "headerName"));
    if (!header.ok()) {
      return header.status();
    }
    match.header_name = std::move(header).value();
    const json* header_value = member(item, "headerValue");
    if (header_value == nullptr) {
      return invalidError(child(item_field, "headerValue") + ": required");
    }
    auto parsed = parseStringMatch(*header_value, child(item_field, "headerValue"));
    if (!parsed.ok()) {
      return parsed.status();
    }
    match.value = std::move(parsed).value();
    route.match.push_back(std::move(match));
  }
  return route;
}

Result<MirrorRoute> parseSetMirrorRoute(const json& value, std::string_view field,
                                        const TrafficRouting& routing) {
  MirrorRoute route;
  if (Status s = checkStepName(value, field, routing, route.name); !s.ok()) {
    return s;
  }
  if (const json* percentage = member(value, "percentage"); percentage != nullptr) {
    std::int64_t p = 0;
    if (!detail::asInteger(*percentage, p) || p < 0 || p > 100) {
      return invalidError(child(field, "percentage") + ": must be an integer in 0..100");
    }
    route.percentage = static_cast<int>(p);
  }
  const std::string match_field = child(field, "match");
  auto matches = detail::optionalArray(value, "match", match_field);
  if (!matches.ok()) {
    return matches.status();
  }
  if (*matches == nullptr) {
    return route;
  }
  for (std::size_t i = 0; i < (*matches)->size(); ++i) {
    const json& item = (**matches)[i];
    const std::string item_field = indexed(match_field, i);
    if (!item.is_object()) {
      return invalidError(item_field + ": must be an object");
    }
    MirrorRoute::Match match;
    for (const auto& [key, target] :
         {std::pair{"method", &match.method}, std::pair{"path", &match.path}}) {
      if (const json* m = member(item, key); m != nullptr) {
        auto parsed = parseStringMatch(*m, child(item_field, key));
        if (!parsed.ok()) {
          return parsed.status();
        }
        *target = std::move(parsed).value();
      }
    }
    auto headers = detail::optionalObject(item, "headers", child(item_field, "headers"));
    if (!headers.ok()) {
      return headers.status();
    }
    if (*headers != nullptr) {
      for (const auto& [name, m] : (*headers)->items()) {
        auto parsed = parseStringMatch(m, child(child(item_field, "headers"), name));
        if (!parsed.ok()) {
          return parsed.status();
        }
        match.headers.emplace_back(name, std::move(parsed).value());
      }
    }
    if (!match.method && !match.path && match.headers.empty()) {
      return invalidError(item_field + ": must set at least one of method, path, headers");
    }
    route.match.push_back(std::move(match));
  }
  return route;
}

Result<std::vector<ManagedRoute>> activeManagedRoutes(const json& rollout,
                                                      const TrafficRouting& routing,
                                                      int step_index) {
  std::vector<std::optional<ManagedRoute>> by_name(routing.managed_routes.size());
  const std::string steps_field = std::string(kCanary) + ".steps";
  const json* spec = member(rollout, "spec");
  const json* strategy = spec != nullptr ? member(*spec, "strategy") : nullptr;
  const json* canary = strategy != nullptr ? member(*strategy, "canary") : nullptr;
  const json* steps = canary != nullptr ? member(*canary, "steps") : nullptr;
  if (steps != nullptr && !steps->is_array()) {
    return invalidError(steps_field + ": must be a list");
  }
  const auto slot = [&](const std::string& name) {
    const auto it = std::find(routing.managed_routes.begin(), routing.managed_routes.end(), name);
    return static_cast<std::size_t>(it - routing.managed_routes.begin());
  };
  if (steps != nullptr && step_index >= 0) {
    const std::size_t last = std::min(steps->size(), static_cast<std::size_t>(step_index) + 1);
    for (std::size_t i = 0; i < last; ++i) {
      const json& step = (*steps)[i];
      const std::string step_field = indexed(steps_field, i);
      if (const json* header = member(step, "setHeaderRoute"); header != nullptr) {
        auto route = parseSetHeaderRoute(*header, step_field + ".setHeaderRoute", routing);
        if (!route.ok()) {
          return route.status();
        }
        auto& target = by_name[slot(route->name)];
        if (route->match.empty()) {
          target.reset();
        } else {
          target = std::move(route).value();
        }
      }
      if (const json* mirror = member(step, "setMirrorRoute"); mirror != nullptr) {
        auto route = parseSetMirrorRoute(*mirror, step_field + ".setMirrorRoute", routing);
        if (!route.ok()) {
          return route.status();
        }
        auto& target = by_name[slot(route->name)];
        if (route->match.empty()) {
          target.reset();
        } else {
          target = std::move(route).value();
        }
      }
    }
  }
  std::vector<ManagedRoute> active;
  for (auto& route : by_name) {
    if (route) {
      active.push_back(std::move(*route));
    }
  }
  return active;
}

}  // namespace gitopsd::rollout
