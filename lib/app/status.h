// The observable state of one application, as Argo CD shows it in status: sync status with the
// compared revision, health, each resource's status, the last operation, conditions. Plain
// values; toJson gives the shape the status files and the API use (Argo CD's field names).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/resource_key.h"

namespace gitopsd::app {

struct ResourceStatus {
  core::ResourceKey key;
  std::string version;
  std::string status = "Unknown";  // Synced, OutOfSync, Unknown
  std::string health;              // "" for kinds without a health check
  std::string health_message;
  bool requires_pruning = false;
  std::string message;  // why it is OutOfSync or failed (dry-run error, ...)
  std::string diff;     // unified YAML diff live → desired, when OutOfSync and live
};

struct Condition {
  std::string type;  // ComparisonError, SyncError, InvalidSpecError, SharedResourceWarning ...
  std::string message;
};

// What one sync did to one object.
struct ResourceResult {
  core::ResourceKey key;
  std::string action;  // apply, prune, hook, delete-hook (sync::actionName)
  std::string message;
  bool ok = true;
};

struct OperationState {
  std::int64_t sync_id = -1;  // history id; -1 before the first operation and for dry runs
  std::string request_id;     // the API request that asked for it; "" for automated syncs
  std::string phase;          // "" (none yet), Running, Succeeded, Failed, Error, Terminated
  std::string message;
  std::string revision;
  std::string initiated_by;
  bool dry_run = false;
  std::vector<ResourceResult> resources;
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point finished_at;
};

// An operation asked for through the API and not started yet.
struct PendingOperation {
  std::string request_id;
  std::string kind;  // sync, rollback
  std::string requested_by;
};

struct AppStatus {
  std::string name;
  std::string sync_status = "Unknown";  // Synced, OutOfSync, Unknown
  std::string revision;                 // the commit compared
  std::string health = "Unknown";
  std::string health_message;
  std::string source_type;
  std::vector<ResourceStatus> resources;
  std::vector<Condition> conditions;
  OperationState operation;
  std::optional<PendingOperation> pending;
  std::chrono::system_clock::time_point reconciled_at;

  nlohmann::json toJson() const;
};

}  // namespace gitopsd::app
