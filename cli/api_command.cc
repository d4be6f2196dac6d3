#include "cli/api_command.h"

#include "config/duration.h"

namespace gitopsd::cli {

using nlohmann::json;

FlagSpec stringFlag(std::string name, std::string value_name, std::string help, char short_name) {
  return {std::move(name), FlagKind::kString, std::move(value_name), std::move(help), short_name};
}
FlagSpec listFlag(std::string name, std::string value_name, std::string help) {
  return {std::move(name), FlagKind::kList, std::move(value_name), std::move(help), '\0'};
}
FlagSpec boolFlag(std::string name, std::string help) {
  return {std::move(name), FlagKind::kBool, "", std::move(help), '\0'};
}

FlagSpec outputFlag(std::string forms) {
  return stringFlag("output", "FORMAT", "output format: " + std::move(forms), 'o');
}
FlagSpec timeoutFlag() {
  return stringFlag("timeout", "SECONDS", "stop waiting after this long (or e.g. 5m; 0: never)");
}

std::vector<FlagSpec> withConnection(std::vector<FlagSpec> flags) {
  const auto& connection = connectionFlags();
  flags.insert(flags.end(), connection.begin(), connection.end());
  return flags;
}

const std::vector<FlagSpec>& connectionFlags() {
  static const std::vector<FlagSpec> flags = {
      stringFlag("server", "ADDRESS",
                 "gitopsd's HOST:PORT or URL (default $GITOPSD_SERVER, " +
                     std::string(kDefaultServer) + ")"),
      stringFlag("token", "TOKEN", "bearer token (default $GITOPSD_TOKEN)"),
      boolFlag("insecure", "https: do not verify gitopsd's certificate"),
      stringFlag("ca-file", "FILE", "https: verify gitopsd's certificate with these CAs (PEM)"),
      stringFlag("request-timeout", "DURATION",
                 "limit of each HTTP request, e.g. 1m (default 30s; 0: none)"),
  };
  return flags;
}

constexpr std::string_view kConnectionHelp = R"(
gitopsd is reached at --server, else $GITOPSD_SERVER, else 127.0.0.1:8080 (HOST:PORT, or an
http:// or https:// URL; HOST:PORT means https with --ca-file or --insecure, else http), with
the bearer token --token, else $GITOPSD_TOKEN. These flags may also come before the command:
'gitopsctl --server HOST:PORT app list'.
)";

std::string helpText(std::string_view usage, std::string_view body,
                     const std::vector<FlagSpec>& flags) {
  return "Usage: gitopsctl " + std::string(usage) + "\n\n" + std::string(body) +
         std::string(kConnectionHelp) + "\nFlags:\n" + flagsHelp(flags);
}

json memberOf(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? json() : *it;
}

Invocation parseInvocation(std::span<const std::string> arg_list,
                           const std::vector<FlagSpec>& flags, std::string_view command,
                           const std::string& help, std::size_t min_positional,
                           std::size_t max_positional, std::string_view positional_names,
                           CommandContext& ctx) {
  Invocation inv;
  auto parsed = parseArgs(arg_list, flags);
  if (!parsed.ok()) {
    inv.exit = usageError(ctx, command, parsed.status().message());
    return inv;
  }
  inv.args = std::move(*parsed);
  if (inv.args.help) {
    inv.exit = printText(ctx, help);
    return inv;
  }
  const auto& positional = inv.args.positional;
  if (positional.size() < min_positional) {
    inv.exit = usageError(
        ctx, command,
        std::string(positional_names.substr(0, positional_names.find(' '))) + " is required");
    return inv;
  }
  if (positional.size() > max_positional) {
    std::string extra;
    for (std::size_t i = max_positional; i < positional.size(); ++i) {
      extra += (extra.empty() ? "'" : ", '") + positional[i] + "'";
    }
    inv.exit =
        usageError(ctx, command,
                   "expected " + std::string(positional_names) +
                       (max_positional == 0 ? "" : " only") + ", got extra arguments " + extra);
    return inv;
  }
  for (const auto& value : positional) {
    if (value.empty()) {
      inv.exit = usageError(ctx, command, std::string(positional_names) + " is empty");
      return inv;
    }
  }
  const auto env = [&](const char* name) -> std::string {
    if (!ctx.env) return "";
    return ctx.env(name).value_or("");
  };
  const std::string server = inv.args.get("server").value_or("");
  inv.options.server = !server.empty()            ? server
                       : !env(kServerEnv).empty() ? env(kServerEnv)
                                                  : std::string(kDefaultServer);
  inv.options.token = inv.args.has("token") ? inv.args.get("token").value_or("") : env(kTokenEnv);
  inv.options.insecure = inv.args.flag("insecure");
  inv.options.ca_file = inv.args.get("ca-file").value_or("");
  if (const auto timeout = inv.args.get("request-timeout")) {
    auto parsed_timeout = config::parseDuration(*timeout);
    if (!parsed_timeout.ok() || parsed_timeout->count() < 0) {
      inv.exit = usageError(ctx, command,
                            "--request-timeout \"" + *timeout +
                                "\" is not a duration such as 30s or 2m (0: no limit)");
      return inv;
    }
    inv.options.request_timeout = *parsed_timeout;
  }
  if (auto base = serverBaseUrl(inv.options); !base.ok()) {
    inv.exit = usageError(ctx, command, base.status().message());
  }
  return inv;
}

core::Result<std::unique_ptr<ApiClient>> connect(const Invocation& inv) {
  return ApiClient::create(inv.options);
}

}  // namespace gitopsd::cli
