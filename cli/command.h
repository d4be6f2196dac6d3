// What every gitopsctl command gets and returns: its streams, its environment and its exit
// codes, plus a table type for command groups ("app", later "rollout") so that new verbs are
// one entry and one function.
//
// Exit codes: 0 success, 1 an error while doing the work ("gitopsctl: ..." naming the file or
// field), 2 a command line that cannot be understood (one line naming the bad argument). A
// command that gives 1 another meaning (`app diff`: differences found) uses argocd's generic
// error code 20 for errors.
// Not thread-safe: one command runs at a time on one context.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gitopsd::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitGenericError = 20;

struct CommandContext {
  std::FILE* out = stdout;
  std::FILE* err = stderr;
  std::FILE* in = stdin;  // answers to prompts
  // Environment lookup (getenv by default); nullopt when unset.
  std::function<std::optional<std::string>(const char*)> env;
  // Blocks for a while (std::this_thread::sleep_for by default).
  std::function<void(std::chrono::milliseconds)> sleep;
};

// The default context: standard streams, the process environment, a real sleep.
CommandContext defaultContext();

// A command of a group: `gitopsctl GROUP NAME ARGS...`. `run` gets ARGS.
struct Command {
  std::string_view name;
  std::string_view synopsis;  // "create NAME", for the group's help
  std::string_view summary;   // one line
  int (*run)(std::span<const std::string> args, CommandContext& ctx);
};

// Runs `args[0]` of `commands` with the rest, or prints `help` for no command, -h, --help or
// "help". `group` ("app") is for messages.
int runGroup(std::string_view group, std::string_view help, const std::vector<Command>& commands,
             std::span<const std::string> args, CommandContext& ctx);

// Prints "gitopsctl: MESSAGE" on ctx.err and returns kExitFailure.
int failure(CommandContext& ctx, std::string_view message);
// Prints "gitopsctl: MESSAGE (see 'gitopsctl COMMAND --help')" on ctx.err and returns
// kExitUsage.
int usageError(CommandContext& ctx, std::string_view command, std::string_view message);
// Writes `text` to ctx.out; returns kExitOk.
int printText(CommandContext& ctx, std::string_view text);

}  // namespace gitopsd::cli
