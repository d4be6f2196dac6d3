// The AnalysisRuns a Rollout starts, built as Argo Rollouts builds them: the metrics, dryRun and
// measurementRetention of every referenced AnalysisTemplate / ClusterAnalysisTemplate merged in
// order, the template arguments with the values the Rollout passes, podTemplateHashValue and
// fieldRef (metadata.*) arguments resolved from the Rollout, labels rollout-type,
// rollouts-pod-template-hash and step-index, the revision annotation and an owner reference to
// the Rollout. Pure; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "rollout/plan.h"
#include "rollout/spec.h"

namespace gitopsd::rollout {

struct AnalysisRunContext {
  const RolloutSpec* spec = nullptr;
  const nlohmann::json* rollout = nullptr;  // the Rollout object, for fieldRef arguments
  std::string canary_hash;                  // podTemplateHashValue: Latest
  std::string stable_hash;                  // podTemplateHashValue: Stable
  int revision = 0;
};

// templates: the template objects in the order of analysis.templates. kInvalid naming the
// argument for a template argument the Rollout leaves without a value, an unknown
// podTemplateHashValue, a fieldRef outside metadata, or two metrics of the same name.
core::Result<nlohmann::json> buildAnalysisRun(const AnalysisRunContext& context,
                                              const AnalysisAction& action,
                                              const std::vector<nlohmann::json>& templates);

}  // namespace gitopsd::rollout
