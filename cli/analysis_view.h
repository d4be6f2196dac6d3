// What `gitopsctl analysis list/get` print, made from the AnalysisRuns gitopsd's HTTP API returns
// (the objects in Argo Rollouts' shape, docs/api.md). Tables as in app_view.h: upper-case headers,
// the default form fits kTableWidth columns by shortening long cells, -o wide never shortens.
// Missing or ill-typed fields read as empty. Pure; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/app_view.h"

namespace gitopsd::cli {

// `analysis list`: NAMESPACE NAME PHASE MEASUREMENTS MESSAGE, MEASUREMENTS the measurements of
// all metrics by verdict ("3 successful, 1 failed", "none"). kWide adds STARTED and COMPLETED;
// kName: NAMESPACE/NAME per line; kJson/kYaml: the items.
std::string formatAnalysisList(const nlohmann::json& items, Output output);

// `analysis get`: Name, Namespace, Phase, Message, Started, Completed; then METRIC PHASE
// SUCCESSFUL FAILED INCONCLUSIVE ERROR MESSAGE; then, for each metric, its measurements, oldest
// first: STARTED PHASE VALUE MESSAGE. kJson/kYaml: the object.
std::string formatAnalysisGet(const nlohmann::json& run, Output output);

// The measurements of a run's metrics by verdict, as in the MEASUREMENTS column.
std::string measurementSummary(const nlohmann::json& run);

}  // namespace gitopsd::cli
