// What every gitopsctl command that talks to gitopsd's HTTP API shares: flag constructors, the
// connection flags (--server or $GITOPSD_SERVER, --token or $GITOPSD_TOKEN, --insecure,
// --ca-file, --request-timeout), the checked command line (Invocation) and the help layout.
// Used by the `app` verbs (app_api_commands.cc) and the `analysis` verbs
// (analysis_commands.cc). Not thread-safe (see command.h).
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api_client.h"
#include "cli/args.h"
#include "cli/command.h"

namespace gitopsd::cli {

FlagSpec stringFlag(std::string name, std::string value_name, std::string help,
                    char short_name = '\0');
FlagSpec listFlag(std::string name, std::string value_name, std::string help);
FlagSpec boolFlag(std::string name, std::string help);
// -o/--output FORMAT; `forms` lists them for the help ("wide, json or yaml").
FlagSpec outputFlag(std::string forms);
// --timeout SECONDS (or a Go duration).
FlagSpec timeoutFlag();

// The flags of every command that talks to gitopsd (also accepted before the command group,
// as argocd's global flags: see hoistGlobalFlags in args.h).
const std::vector<FlagSpec>& connectionFlags();
// The command's own flags followed by the connection flags.
std::vector<FlagSpec> withConnection(std::vector<FlagSpec> flags);

// "Usage: gitopsctl USAGE", the body, how gitopsd is reached, and the flags.
std::string helpText(std::string_view usage, std::string_view body,
                     const std::vector<FlagSpec>& flags);

// The member `key` of `object`, or null (also when `object` is not an object).
nlohmann::json memberOf(const nlohmann::json& object, const char* key);

// A command line checked: flags parsed, the positional count right, the connection options
// read from flags and environment. `exit` is set when the command ends here (help printed or a
// usage error reported).
struct Invocation {
  ParsedArgs args;
  ApiClientOptions options;
  std::optional<int> exit;
};

// positional_names names the positional arguments in messages ("NAME", "no argument").
Invocation parseInvocation(std::span<const std::string> arg_list,
                           const std::vector<FlagSpec>& flags, std::string_view command,
                           const std::string& help, std::size_t min_positional,
                           std::size_t max_positional, std::string_view positional_names,
                           CommandContext& ctx);

// The client for the invocation's connection options.
core::Result<std::unique_ptr<ApiClient>> connect(const Invocation& inv);

}  // namespace gitopsd::cli
