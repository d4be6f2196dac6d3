#include "rollout/traffic/virtual_service.h"

#include <algorithm>
#include <set>

#include "rollout/traffic/destination_rule.h"
#include "rollout/traffic/hosts.h"
#include "rollout/traffic/json_fields.h"

namespace gitopsd::rollout {

using core::invalidError;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

const char* kindKey(RouteKind kind) {
  switch (kind) {
    case RouteKind::kHttp:
      return "http";
    case RouteKind::kTls:
      return "tls";
    case RouteKind::kTcp:
      return "tcp";
  }
  return "http";
}

std::string describeVs(const VirtualServiceRef& ref) {
  return "VirtualService " + ref.object.toString();
}

struct Located {
  RouteKind kind = RouteKind::kHttp;
  std::size_t index = 0;
  std::string name;
  std::string label;  // `http route "primary"` or `tls[0]`
};

std::string routeLabel(RouteKind kind, std::size_t index, const std::string& name) {
  if (!name.empty()) {
    return std::string(kindKey(kind)) + " route \"" + name + "\"";
  }
  return std::string(kindKey(kind)) + "[" + std::to_string(index) + "]";
}

// spec.<kind> as a list of objects (an empty list when absent).
Result<const json*> routeList(const json& live, const VirtualServiceRef& ref, RouteKind kind) {
  static const json kEmpty = json::array();
  const json* spec = detail::member(live, "spec");
  const json* list = spec != nullptr ? detail::member(*spec, kindKey(kind)) : nullptr;
  if (list == nullptr) {
    return &kEmpty;
  }
  if (!list->is_array()) {
    return invalidError(describeVs(ref) + ": spec." + kindKey(kind) + " must be a list");
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_object()) {
      return invalidError(describeVs(ref) + ": spec." + kindKey(kind) + "[" + std::to_string(i) +
                          "] must be an object");
    }
  }
  return list;
}

std::string nameOf(const json& route) {
  const json* name = detail::member(route, "name");
  return name != nullptr && name->is_string() ? name->get<std::string>() : std::string();
}

bool isManaged(const TrafficRouting& routing, const std::string& name) {
  return !name.empty() && std::find(routing.managed_routes.begin(), routing.managed_routes.end(),
                                    name) != routing.managed_routes.end();
}

// Ports and SNI hosts a tls/tcp route's matches name (Argo's searchTlsRoute rules).
bool matchesSelector(const json& route, std::int64_t port, const std::vector<std::string>* sni) {
  std::set<std::int64_t> ports;
  std::set<std::string> hosts;
  if (const json* matches = detail::member(route, "match");
      matches != nullptr && matches->is_array()) {
    for (const json& match : *matches) {
      std::int64_t p = 0;
      const json* value = detail::member(match, "port");
      if (value != nullptr) {
        detail::asInteger(*value, p);
      }
      ports.insert(p);
      if (const json* names = detail::member(match, "sniHosts");
          names != nullptr && names->is_array()) {
        for (const json& h : *names) {
          if (h.is_string()) {
            hosts.insert(h.get<std::string>());
          }
        }
      }
    }
  }
  if (ports.size() > 1) {
    return false;
  }
  const std::int64_t route_port = ports.empty() ? 0 : *ports.begin();
  if (route_port != port) {
    return false;
  }
  if (sni == nullptr) {
    return true;
  }
  return std::set<std::string>(sni->begin(), sni->end()) == hosts;
}

std::string selectorText(std::int64_t port, const std::vector<std::string>* sni) {
  std::string text = "port " + std::to_string(port);
  if (sni != nullptr) {
    text += " and sniHosts [";
    for (std::size_t i = 0; i < sni->size(); ++i) {
      text += (i > 0 ? ", " : "") + (*sni)[i];
    }
    text += "]";
  }
  return text;
}

Result<std::vector<Located>> locateRoutes(const json& live, const VirtualServiceRef& ref,
                                          const TrafficRouting& routing) {
  std::vector<Located> located;
  auto http = routeList(live, ref, RouteKind::kHttp);
  if (!http.ok()) {
    return http.status();
  }
  if (!ref.http_routes.empty()) {
    for (std::size_t n = 0; n < ref.http_routes.size(); ++n) {
      const std::string& wanted = ref.http_routes[n];
      std::size_t found = kNone;
      for (std::size_t i = 0; i < (*http)->size() && found == kNone; ++i) {
        if (nameOf((**http)[i]) == wanted) {
          found = i;
        }
      }
      if (found == kNone) {
        return invalidError(describeVs(ref) + " has no http route named \"" + wanted + "\" (" +
                            detail::indexed(ref.field + ".routes", n) + ")");
      }
      located.push_back(
          {RouteKind::kHttp, found, wanted, routeLabel(RouteKind::kHttp, found, wanted)});
    }
  } else {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < (*http)->size(); ++i) {
      if (!isManaged(routing, nameOf((**http)[i]))) {
        candidates.push_back(i);
      }
    }
    if (candidates.size() > 1) {
      return invalidError(describeVs(ref) + " has " + std::to_string(candidates.size()) +
                          " http routes: name the ones to route in " + ref.field + ".routes");
    }
    if (candidates.size() == 1) {
      const std::string name = nameOf((**http)[candidates[0]]);
      located.push_back({RouteKind::kHttp, candidates[0], name,
                         routeLabel(RouteKind::kHttp, candidates[0], name)});
    }
  }

  for (const RouteKind kind : {RouteKind::kTls, RouteKind::kTcp}) {
    auto list = routeList(live, ref, kind);
    if (!list.ok()) {
      return list.status();
    }
    const bool tls = kind == RouteKind::kTls;
    const std::size_t configured = tls ? ref.tls_routes.size() : ref.tcp_routes.size();
    const std::string field = ref.field + (tls ? ".tlsRoutes" : ".tcpRoutes");
    if (configured == 0) {
      if ((*list)->size() > 1) {
        return invalidError(describeVs(ref) + " has " + std::to_string((*list)->size()) + " " +
                            kindKey(kind) + " routes: select the ones to route in " + field);
      }
      if ((*list)->size() == 1) {
        located.push_back({kind, 0, "", routeLabel(kind, 0, "")});
      }
      continue;
    }
    std::set<std::size_t> chosen;
    for (std::size_t n = 0; n < configured; ++n) {
      const std::int64_t port = tls ? ref.tls_routes[n].port : ref.tcp_routes[n].port;
      const std::vector<std::string>* sni = tls ? &ref.tls_routes[n].sni_hosts : nullptr;
      bool any = false;
      for (std::size_t i = 0; i < (*list)->size(); ++i) {
        if (matchesSelector((**list)[i], port, sni)) {
          any = true;
          if (chosen.insert(i).second) {
            located.push_back({kind, i, "", routeLabel(kind, i, "")});
          }
        }
      }
      if (!any) {
        return invalidError(describeVs(ref) + " has no " + kindKey(kind) + " route matching " +
                            selectorText(port, sni) + " (" + detail::indexed(field, n) + ")");
      }
    }
  }
  if (located.empty()) {
    return invalidError(describeVs(ref) + " has no http, tls or tcp route to route");
  }
  return located;
}

// The canary and stable destinations of a route and the foreign weights.
struct Classified {
  std::size_t canary = kNone;
  std::size_t stable = kNone;
  int canary_weight = 0;
  int stable_weight = 0;
  int foreign = 0;
};

bool matchesTarget(const json& destination, const DestinationTarget& target,
                   const std::string& vs_namespace) {
  const json* host = detail::member(destination, "host");
  if (host == nullptr || !host->is_string()) {
    return false;
  }
  if (!sameHost(host->get<std::string>(), vs_namespace, target.host, target.host_namespace)) {
    return false;
  }
  if (target.subset.empty()) {
    return true;
  }
  const json* subset = detail::member(destination, "subset");
  return subset != nullptr && subset->is_string() && *subset == target.subset;
}

Result<Classified> classify(const json& route, const Located& where, const VirtualServiceRef& ref,
                            const RouteTargets& targets) {
  const std::string prefix = describeVs(ref) + " " + where.label;
  const json* destinations = detail::member(route, "route");
  if (destinations != nullptr && !destinations->is_array()) {
    return invalidError(prefix + ": route must be a list");
  }
  Classified out;
  const std::size_t count = destinations != nullptr ? destinations->size() : 0;
  for (std::size_t i = 0; i < count; ++i) {
    const json& item = (*destinations)[i];
    const std::string item_field = prefix + ": route[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return invalidError(item_field + " must be an object");
    }
    std::int64_t weight = 0;
    if (const json* w = detail::member(item, "weight"); w != nullptr) {
      if (!detail::asInteger(*w, weight) || weight < 0) {
        return invalidError(item_field + ".weight must be a non-negative integer");
      }
    }
    const json* destination = detail::member(item, "destination");
    if (destination != nullptr && !destination->is_object()) {
      return invalidError(item_field + ".destination must be an object");
    }
    const json empty = json::object();
    const json& d = destination != nullptr ? *destination : empty;
    const int clamped = static_cast<int>(std::min<std::int64_t>(weight, 1000000));
    if (matchesTarget(d, targets.canary, ref.object.namespace_)) {
      if (out.canary != kNone) {
        return invalidError(prefix + " has two destinations for " + targets.canary.describe());
      }
      out.canary = i;
      out.canary_weight = clamped;
    } else if (matchesTarget(d, targets.stable, ref.object.namespace_)) {
      if (out.stable != kNone) {
        return invalidError(prefix + " has two destinations for " + targets.stable.describe());
      }
      out.stable = i;
      out.stable_weight = clamped;
    } else {
      out.foreign = std::min(out.foreign + clamped, 1000000);
    }
  }
  if (out.canary == kNone) {
    return invalidError(prefix + " has no destination for " + targets.canary.describe());
  }
  if (out.stable == kNone) {
    return invalidError(prefix + " has no destination for " + targets.stable.describe());
  }
  return out;
}

void setWeight(json& item, int weight) {
  std::int64_t current = 0;
  const json* w = detail::member(item, "weight");
  if (w != nullptr) {
    detail::asInteger(*w, current);
  }
  if (current == weight && (w != nullptr || weight == 0)) {
    return;
  }
  item["weight"] = weight;
}

json headerRoute(const HeaderRoute& spec, const json& canary_destination) {
  json match = json::array();
  for (const auto& m : spec.match) {
    match.push_back({{"headers", {{m.header_name, m.value.toIstio()}}}});
  }
  return {{"name", spec.name},
          {"match", std::move(match)},
          {"route", json::array({{{"destination", canary_destination}, {"weight", 100}}})}};
}

json mirrorRoute(const MirrorRoute& spec, const json& primary_destinations,
                 const json& canary_destination) {
  json match = json::array();
  for (const auto& m : spec.match) {
    json entry = json::object();
    if (m.method) {
      entry["method"] = m.method->toIstio();
    }
    if (m.path) {
      entry["uri"] = m.path->toIstio();
    }
    if (!m.headers.empty()) {
      json headers = json::object();
      for (const auto& [name, value] : m.headers) {
        headers[name] = value.toIstio();
      }
      entry["headers"] = std::move(headers);
    }
    match.push_back(std::move(entry));
  }
  return {{"name", spec.name},
          {"match", std::move(match)},
          {"route", primary_destinations},
          {"mirror", canary_destination},
          {"mirrorPercentage", {{"value", spec.percentage}}}};
}

// spec.http rebuilt: `managed` first, then the non-managed routes of `http` in order.
void rebuildHttp(json& vs, const json& http, const TrafficRouting& routing,
                 std::vector<json> managed) {
  json list = json::array();
  for (auto& route : managed) {
    list.push_back(std::move(route));
  }
  for (const json& route : http) {
    if (!isManaged(routing, nameOf(route))) {
      list.push_back(route);
    }
  }
  const json* spec = detail::member(vs, "spec");
  const bool had_http = spec != nullptr && detail::member(*spec, "http") != nullptr;
  if (list.empty() && !had_http) {
    return;
  }
  vs["spec"]["http"] = std::move(list);
}

}  // namespace

std::string DestinationTarget::describe() const {
  if (subset.empty()) {
    return "host " + host;
  }
  return "subset " + subset + " of host " + host;
}

Result<RouteTargets> routeTargets(const TrafficRouting& routing, const json* destination_rule) {
  RouteTargets targets;
  if (routing.destination_rule) {
    const DestinationRuleRef& ref = *routing.destination_rule;
    if (destination_rule == nullptr || destination_rule->is_null()) {
      return invalidError("DestinationRule " + ref.object.toString() + " not found");
    }
    auto host = destinationRuleHost(*destination_rule, ref.object);
    if (!host.ok()) {
      return host.status();
    }
    targets.canary = {*host, ref.object.namespace_, ref.canary_subset};
    targets.stable = {*host, ref.object.namespace_, ref.stable_subset};
    return targets;
  }
  if (routing.canary_service.empty() || routing.stable_service.empty()) {
    return invalidError(
        "spec.strategy.canary: canaryService and stableService are required for host-level "
        "routing");
  }
  targets.canary = {routing.canary_service, routing.rollout_namespace, ""};
  targets.stable = {routing.stable_service, routing.rollout_namespace, ""};
  return targets;
}

WeightSplit splitWeight(int canary_weight, int foreign) {
  const int available = std::max(0, 100 - std::min(foreign, 100));
  const int canary = std::min(canary_weight, available);
  return {canary, available - canary};
}

Result<json> desiredVirtualService(const json& live, const VirtualServiceRef& ref,
                                   const TrafficRouting& routing, const RouteTargets& targets,
                                   int canary_weight,
                                   const std::vector<ManagedRoute>& managed_routes) {
  if (canary_weight < 0 || canary_weight > 100) {
    return invalidError("canary weight " + std::to_string(canary_weight) + " for " +
                        describeVs(ref) + " must be in 0..100");
  }
  for (const ManagedRoute& active : managed_routes) {
    if (!isManaged(routing, managedRouteName(active))) {
      return invalidError("route \"" + managedRouteName(active) +
                          "\" is not in spec.strategy.canary.trafficRouting.managedRoutes");
    }
  }
  auto located = locateRoutes(live, ref, routing);
  if (!located.ok()) {
    return located.status();
  }
  json desired = live;
  std::optional<json> primary_destinations;
  std::optional<json> canary_destination;
  for (const Located& where : *located) {
    json& route = desired["spec"][kindKey(where.kind)][where.index];
    auto classified = classify(route, where, ref, targets);
    if (!classified.ok()) {
      return classified.status();
    }
    const WeightSplit split = splitWeight(canary_weight, classified->foreign);
    setWeight(route["route"][classified->canary], split.canary);
    setWeight(route["route"][classified->stable], split.stable);
    if (where.kind == RouteKind::kHttp && !primary_destinations) {
      primary_destinations = route["route"];
      const json* d = detail::member(route["route"][classified->canary], "destination");
      canary_destination = d != nullptr ? *d : json::object();
    }
  }

  std::vector<json> managed;
  for (const std::string& name : routing.managed_routes) {
    for (const ManagedRoute& active : managed_routes) {
      if (managedRouteName(active) != name) {
        continue;
      }
      if (!primary_destinations) {
        return invalidError(describeVs(ref) + " has no http route to base managed route \"" + name +
                            "\" on");
      }
      if (const auto* header = std::get_if<HeaderRoute>(&active)) {
        managed.push_back(headerRoute(*header, *canary_destination));
      } else {
        managed.push_back(
            mirrorRoute(std::get<MirrorRoute>(active), *primary_destinations, *canary_destination));
      }
      break;
    }
  }
  auto http = routeList(desired, ref, RouteKind::kHttp);
  if (!http.ok()) {
    return http.status();
  }
  const json http_copy = **http;
  rebuildHttp(desired, http_copy, routing, std::move(managed));
  return desired;
}

Result<json> withoutManagedRoutes(const json& live, const VirtualServiceRef& ref,
                                  const TrafficRouting& routing) {
  auto http = routeList(live, ref, RouteKind::kHttp);
  if (!http.ok()) {
    return http.status();
  }
  json result = live;
  rebuildHttp(result, **http, routing, {});
  return result;
}

std::optional<int> VirtualServiceWeights::canaryWeight() const {
  if (routes.empty()) {
    return std::nullopt;
  }
  for (const auto& route : routes) {
    if (route.canary != routes.front().canary) {
      return std::nullopt;
    }
  }
  return routes.front().canary;
}

Result<VirtualServiceWeights> readWeights(const json& live, const VirtualServiceRef& ref,
                                          const TrafficRouting& routing,
                                          const RouteTargets& targets) {
  auto located = locateRoutes(live, ref, routing);
  if (!located.ok()) {
    return located.status();
  }
  VirtualServiceWeights weights;
  for (const Located& where : *located) {
    const json& route = live["spec"][kindKey(where.kind)][where.index];
    auto classified = classify(route, where, ref, targets);
    if (!classified.ok()) {
      return classified.status();
    }
    weights.routes.push_back({where.kind, where.index, where.name, classified->canary_weight,
                              classified->stable_weight, classified->foreign});
  }
  return weights;
}

}  // namespace gitopsd::rollout
