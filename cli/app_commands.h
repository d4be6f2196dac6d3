// `gitopsctl app ...`: application commands. create and delete edit the Application files in a
// folder gitopsd watches (one of its applicationDirs), named by --app-dir or $GITOPSD_APP_DIR;
// the verbs that talk to gitopsd's HTTP API (list, get, diff, sync, ...) are to be added to
// appCommands().
//
// Every function writes to the context's streams only. Not thread-safe (see command.h).
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

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

}  // namespace gitopsd::cli
