#include "cli/analysis_commands.h"

#include <vector>

#include "cli/analysis_view.h"
#include "cli/api_command.h"

namespace gitopsd::cli {
namespace {

constexpr std::string_view kAnalysisHelp = R"(Usage: gitopsctl analysis COMMAND [ARGS] [flags]

The AnalysisRuns of gitopsd's analysis engine (rollouts.enabled in gitopsd.yaml): the runs the
rollout engine starts for analysis steps and background analysis, and any written by hand.

Commands:
  list         list the AnalysisRuns and their verdicts
  get          show a run's metrics and measurements ([NAMESPACE/]NAME)

Run 'gitopsctl analysis COMMAND --help' for more about a command.
)";

const std::vector<FlagSpec>& listFlags() {
  static const std::vector<FlagSpec> flags = withConnection({
      outputFlag("wide, json, yaml or name (default: a table)"),
      stringFlag("namespace", "NAMESPACE", "only the runs of this namespace", 'n'),
  });
  return flags;
}

const std::vector<FlagSpec>& getFlags() {
  static const std::vector<FlagSpec> flags = withConnection({
      outputFlag("wide, json or yaml (default: a summary and tables)"),
      stringFlag("namespace", "NAMESPACE", "the run's namespace (or give NAMESPACE/NAME)", 'n'),
  });
  return flags;
}

const std::vector<Command>& analysisCommands() {
  static const std::vector<Command> commands = {
      {"list", "list", "list the AnalysisRuns and their verdicts", &runAnalysisList},
      {"get", "get [NAMESPACE/]NAME", "show a run's metrics and measurements", &runAnalysisGet},
  };
  return commands;
}

}  // namespace

int runAnalysis(std::span<const std::string> args, CommandContext& ctx) {
  return runGroup("analysis", kAnalysisHelp, analysisCommands(), args, ctx);
}

int runAnalysisList(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "analysis list";
  const std::string help = helpText(
      "analysis list [-n NAMESPACE] [-o wide|json|yaml|name] [flags]",
      R"(Lists the AnalysisRuns the analysis engine watches, by namespace and name: NAMESPACE NAME
PHASE MEASUREMENTS MESSAGE. -o wide shows long cells in full and adds STARTED COMPLETED.
)",
      listFlags());
  Invocation inv = parseInvocation(arg_list, listFlags(), kCommand, help, 0, 0, "no argument", ctx);
  if (inv.exit) return *inv.exit;
  auto output = parseOutput(inv.args.get("output"),
                            {Output::kWide, Output::kJson, Output::kYaml, Output::kName});
  if (!output.ok()) return usageError(ctx, kCommand, output.status().message());
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());
  std::string path = "/api/v1/analysisruns";
  if (const auto ns = inv.args.get("namespace"); ns && !ns->empty()) {
    path += "?namespace=" + escapePathSegment(*ns);
  }
  auto list = (*client)->get(path);
  if (!list.ok()) return failure(ctx, list.status().message());
  return printText(ctx, formatAnalysisList(memberOf(*list, "items"), *output));
}

int runAnalysisGet(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "analysis get";
  const std::string help = helpText(
      "analysis get [NAMESPACE/]NAME [-n NAMESPACE] [-o wide|json|yaml] [flags]",
      R"(Shows an AnalysisRun: its phase and message, each metric's verdict and counters, and
each metric's measurements (STARTED PHASE VALUE MESSAGE). The namespace comes from
NAMESPACE/NAME, else -n, else "default".
)",
      getFlags());
  Invocation inv = parseInvocation(arg_list, getFlags(), kCommand, help, 1, 1, "NAME", ctx);
  if (inv.exit) return *inv.exit;
  auto output = parseOutput(inv.args.get("output"), {Output::kWide, Output::kJson, Output::kYaml});
  if (!output.ok()) return usageError(ctx, kCommand, output.status().message());
  std::string name = inv.args.positional[0];
  std::string ns = inv.args.get("namespace").value_or("");
  if (const auto slash = name.find('/'); slash != std::string::npos) {
    ns = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  if (ns.empty()) ns = "default";
  if (name.empty()) return usageError(ctx, kCommand, "NAME is empty");
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());
  auto run = (*client)->get("/api/v1/analysisruns/" + escapePathSegment(ns) + "/" +
                            escapePathSegment(name));
  if (!run.ok()) return failure(ctx, run.status().message());
  return printText(ctx, formatAnalysisGet(*run, *output));
}

}  // namespace gitopsd::cli
