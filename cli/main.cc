// gitopsctl: the command-line client of gitopsd. This file only dispatches to command groups.
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/analysis_commands.h"
#include "cli/api_command.h"
#include "cli/app_commands.h"
#include "cli/args.h"
#include "cli/command.h"
#include "core/version.h"

namespace {

constexpr std::string_view kUsage = R"(gitopsctl - command-line client for gitopsd

Usage: gitopsctl COMMAND [ARGS] [flags]

Commands:
  app          manage applications (create, delete, list, get, diff, sync, rollback,
               history, wait, manifests, terminate-op)
  analysis     the analysis engine's AnalysisRuns (list, get)

Flags:
      --version   print the version and exit
  -h, --help      print this help and exit

The flags that reach gitopsd's HTTP API (--server, --token, --insecure, --ca-file,
--request-timeout) may come before COMMAND as well as after it.

Run 'gitopsctl COMMAND --help' for more about a command.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace gitopsd::cli;
  const std::vector<std::string> args =
      hoistGlobalFlags(std::vector<std::string>(argv + 1, argv + argc), connectionFlags());
  CommandContext ctx = defaultContext();
  if (args.size() == 1 && args[0] == "--version") {
    std::printf("gitopsctl %s\n", gitopsd::core::kVersion);
    return kExitOk;
  }
  const std::vector<Command> groups = {
      {"app", "app", "manage applications", &runApp},
      {"analysis", "analysis", "the analysis engine's AnalysisRuns (list, get)", &runAnalysis},
  };
  return runGroup("", kUsage, groups, std::span<const std::string>(args), ctx);
}
