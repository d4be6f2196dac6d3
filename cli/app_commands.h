// `gitopsctl app ...`: application commands. appCommands() (app_commands.cc) is the one table
// of them all. Two kinds:
// - create and delete (app_commands.cc) edit the Application files in a folder gitopsd watches
//   (one of its applicationDirs), named by --app-dir or $GITOPSD_APP_DIR;
// - list, get, diff, sync, rollback, history, wait, manifests and terminate-op
//   (app_api_commands.cc) talk to gitopsd's HTTP API (docs/api.md) through an ApiClient
//   (api_client.h) and print with the pure functions of app_view.h. They take the connection
//   flags of connectionFlags() (api_command.h): --server (or $GITOPSD_SERVER, default
//   127.0.0.1:8080), --token (or $GITOPSD_TOKEN), --insecure, --ca-file, --request-timeout.
//
// Exit codes are those of command.h; `app diff` follows argocd instead: 0 no differences,
// 1 differences (--exit-code, the default), 2 usage error, 20 (kExitGenericError) any other
// error. sync and rollback exit 1 when the operation ends in another phase than Succeeded,
// wait exits 1 on its timeout.
//
// Every function writes to the context's streams only. Not thread-safe (see command.h).
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/command.h"

namespace gitopsd::cli {

// gitopsd reads application folders every 0.5 s; a rewrite that must be seen before the next
// change (the finalizer before the removal) is given three of those periods.
inline constexpr std::chrono::milliseconds kDaemonReadWait{1500};

// The environment variable naming the application folder when --app-dir is not given.
inline constexpr const char* kAppDirEnv = "GITOPSD_APP_DIR";

const std::vector<Command>& appCommands();

// `gitopsctl app ARGS...` (ARGS without "app").
int runApp(std::span<const std::string> args, CommandContext& ctx);

int runAppCreate(std::span<const std::string> args, CommandContext& ctx);
int runAppDelete(std::span<const std::string> args, CommandContext& ctx);

// How often wait, sync and rollback read the application while they wait.
inline constexpr std::chrono::milliseconds kPollInterval{500};

int runAppList(std::span<const std::string> args, CommandContext& ctx);
int runAppGet(std::span<const std::string> args, CommandContext& ctx);
int runAppDiff(std::span<const std::string> args, CommandContext& ctx);
int runAppSync(std::span<const std::string> args, CommandContext& ctx);
int runAppRollback(std::span<const std::string> args, CommandContext& ctx);
int runAppHistory(std::span<const std::string> args, CommandContext& ctx);
int runAppWait(std::span<const std::string> args, CommandContext& ctx);
int runAppManifests(std::span<const std::string> args, CommandContext& ctx);
int runAppTerminateOp(std::span<const std::string> args, CommandContext& ctx);

}  // namespace gitopsd::cli
