#include "app/status.h"

#include "core/time_text.h"

namespace gitopsd::app {

nlohmann::json AppStatus::toJson() const {
  nlohmann::json resources_json = nlohmann::json::array();
  for (const auto& resource : resources) {
    nlohmann::json item = {{"group", resource.key.group}, {"version", resource.version},
                           {"kind", resource.key.kind},   {"namespace", resource.key.namespace_},
                           {"name", resource.key.name},   {"status", resource.status}};
    if (!resource.health.empty()) {
      item["health"] = {{"status", resource.health}};
      if (!resource.health_message.empty()) item["health"]["message"] = resource.health_message;
    }
    if (resource.requires_pruning) item["requiresPruning"] = true;
    if (!resource.message.empty()) item["message"] = resource.message;
    if (!resource.diff.empty()) item["diff"] = resource.diff;
    resources_json.push_back(std::move(item));
  }
  nlohmann::json conditions_json = nlohmann::json::array();
  for (const auto& condition : conditions) {
    conditions_json.push_back({{"type", condition.type}, {"message", condition.message}});
  }
  nlohmann::json out = {
      {"name", name},
      {"sync", {{"status", sync_status}, {"revision", revision}}},
      {"health", {{"status", health}}},
      {"sourceType", source_type},
      {"resources", std::move(resources_json)},
      {"conditions", std::move(conditions_json)},
      {"reconciledAt", core::formatRfc3339(reconciled_at)},
  };
  if (!health_message.empty()) out["health"]["message"] = health_message;
  if (!operation.phase.empty()) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& result : operation.resources) {
      results.push_back({{"group", result.key.group},
                         {"kind", result.key.kind},
                         {"namespace", result.key.namespace_},
                         {"name", result.key.name},
                         {"action", result.action},
                         {"result", result.message},
                         {"ok", result.ok}});
    }
    out["operationState"] = {{"id", operation.sync_id},
                             {"requestId", operation.request_id},
                             {"phase", operation.phase},
                             {"message", operation.message},
                             {"revision", operation.revision},
                             {"initiatedBy", operation.initiated_by},
                             {"dryRun", operation.dry_run},
                             {"startedAt", core::formatRfc3339(operation.started_at)},
                             {"finishedAt", core::formatRfc3339(operation.finished_at)},
                             {"resources", std::move(results)}};
  }
  if (pending) {
    out["pendingOperation"] = {{"requestId", pending->request_id},
                               {"kind", pending->kind},
                               {"requestedBy", pending->requested_by}};
  }
  return out;
}

}  // namespace gitopsd::app
