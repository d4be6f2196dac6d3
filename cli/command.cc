#include "cli/command.h"

#include <cstdlib>
#include <thread>

namespace gitopsd::cli {

CommandContext defaultContext() {
  CommandContext ctx;
  ctx.env = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  ctx.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  return ctx;
}

int failure(CommandContext& ctx, std::string_view message) {
  std::fprintf(ctx.err, "gitopsctl: %.*s\n", static_cast<int>(message.size()), message.data());
  return kExitFailure;
}

int usageError(CommandContext& ctx, std::string_view command, std::string_view message) {
  const std::string where = command.empty() ? "gitopsctl" : "gitopsctl " + std::string(command);
  std::fprintf(ctx.err, "gitopsctl: %.*s (see '%s --help')\n", static_cast<int>(message.size()),
               message.data(), where.c_str());
  return kExitUsage;
}

int printText(CommandContext& ctx, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), ctx.out);
  return kExitOk;
}

int runGroup(std::string_view group, std::string_view help, const std::vector<Command>& commands,
             std::span<const std::string> args, CommandContext& ctx) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    return printText(ctx, help);
  }
  for (const auto& command : commands) {
    if (args[0] == command.name) return command.run(args.subspan(1), ctx);
  }
  const std::string where = group.empty() ? "gitopsctl" : "gitopsctl " + std::string(group);
  if (!args[0].empty() && args[0][0] == '-') {
    return usageError(ctx, group, "unknown flag " + args[0] + " for '" + where + "'");
  }
  return usageError(ctx, group, "unknown command '" + args[0] + "' for '" + where + "'");
}

}  // namespace gitopsd::cli
