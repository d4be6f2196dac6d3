// `gitopsctl analysis ...`: the AnalysisRuns gitopsd's analysis engine runs, read through its
// HTTP API (GET /api/v1/analysisruns, docs/api.md) and printed with analysis_view.h. They take
// the connection flags of api_command.h. Exit codes are those of command.h. Not thread-safe
// (see command.h).
#pragma once

#include <span>
#include <string>

#include "cli/command.h"

namespace gitopsd::cli {

// `gitopsctl analysis ARGS...` (ARGS without "analysis").
int runAnalysis(std::span<const std::string> args, CommandContext& ctx);

int runAnalysisList(std::span<const std::string> args, CommandContext& ctx);
int runAnalysisGet(std::span<const std::string> args, CommandContext& ctx);

}  // namespace gitopsd::cli
