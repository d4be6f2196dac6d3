// The `gitopsctl app` verbs that talk to gitopsd's HTTP API (see app_commands.h).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/api_command.h"
#include "cli/app_commands.h"
#include "cli/app_view.h"
#include "cli/args.h"
#include "config/duration.h"

namespace gitopsd::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string appPath(const std::string& name) {
  return "/api/v1/applications/" + escapePathSegment(name);
}

// --timeout: seconds or a Go duration; 0 = none.
std::optional<std::chrono::milliseconds> parseWaitTimeout(const ParsedArgs& args) {
  const auto value = args.get("timeout");
  if (!value) return std::chrono::milliseconds(0);
  auto parsed = config::parseDuration(*value);
  if (!parsed.ok() || parsed->count() < 0) return std::nullopt;
  return *parsed;
}

std::string secondsText(std::chrono::milliseconds d) {
  return config::formatDuration(std::chrono::duration_cast<config::Duration>(d));
}

// "10:04:05 " in local time, for progress lines.
std::string clockPrefix() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%H:%M:%S ", &local);
  return buffer;
}

void progress(CommandContext& ctx, const std::string& line) {
  std::fprintf(ctx.err, "%s%s\n", clockPrefix().c_str(), line.c_str());
  std::fflush(ctx.err);
}

int failWith(CommandContext& ctx, std::string_view message, int code) {
  std::fprintf(ctx.err, "gitopsctl: %.*s\n", static_cast<int>(message.size()), message.data());
  return code;
}

// Asks gitopsd to fetch and compare again, then waits (up to kRefreshWait) until the
// application shows a newer status.reconciledAt: the API answers the refresh at once and the
// compare runs on its workers, while argocd's `get --refresh` shows the refreshed state.
// reconciledAt has one-second steps, so a compare within the same second as the one before is
// not seen: then this waits kRefreshWait and the state shown is still the refreshed one.
constexpr std::chrono::seconds kRefreshWait{10};

core::Status requestRefresh(ApiClient& client, CommandContext& ctx, const std::string& name,
                            bool hard) {
  const auto reconciled_at = [](const json& app) {
    return memberOf(memberOf(app, "status"), "reconciledAt").dump();
  };
  auto before = client.get(appPath(name));
  if (!before.ok()) return before.status();
  auto answer =
      client.post(appPath(name) + "/refresh?hard=" + (hard ? "true" : "false"), json::object());
  if (!answer.ok()) return answer.status();
  const auto deadline = Clock::now() + kRefreshWait;
  while (Clock::now() < deadline) {
    if (ctx.sleep) ctx.sleep(kPollInterval);
    auto now = client.get(appPath(name));
    if (!now.ok()) return now.status();
    if (reconciled_at(*now) != reconciled_at(*before)) return core::okStatus();
  }
  return core::okStatus();
}

bool transient(const core::Status& status) {
  return status.code() == core::StatusCode::kUnavailable ||
         status.code() == core::StatusCode::kTimeout;
}

// Reads the application; transport hiccups (gitopsd restarting, a slow answer) are retried for
// up to 10 s, with a note on stderr, before they count as an error.
core::Result<json> readApp(ApiClient& client, CommandContext& ctx, const std::string& name) {
  const auto give_up = Clock::now() + std::chrono::seconds(10);
  bool noted = false;
  for (;;) {
    auto app = client.get(appPath(name));
    if (app.ok() || !transient(app.status()) || Clock::now() >= give_up) return app;
    if (!noted) {
      progress(ctx, "retrying: " + app.status().message());
      noted = true;
    }
    if (ctx.sleep) ctx.sleep(kPollInterval);
  }
}

std::string capitalized(std::string_view word) {
  std::string out(word);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// Waits until the operation of `request_id` ends, printing its phase changes on stderr, then its
// result on stdout. 0 when it Succeeded, 1 otherwise (also on timeout).
int awaitOperation(ApiClient& client, CommandContext& ctx, const std::string& name,
                   const std::string& kind, const std::string& request_id,
                   std::chrono::milliseconds timeout, Output output) {
  const auto start = Clock::now();
  const std::string what = kind + " " + request_id + " of '" + name + "'";
  std::string last_line;
  // Since when the request shows nowhere (no value: it shows); a time point plus a flag, as
  // GCC 12 at -O3 wrongly calls an optional time point uninitialised here.
  Clock::time_point unseen_since{};
  bool unseen = false;
  for (;;) {
    auto app = readApp(client, ctx, name);
    if (!app.ok()) return failure(ctx, "waiting for " + what + ": " + app.status().message());
    const OperationView view = findOperation(*app, request_id);
    std::string state;
    switch (view.progress) {
      case OperationProgress::kNotSeen:
        state = "requested";
        break;
      case OperationProgress::kQueued:
        state = "Queued";
        break;
      case OperationProgress::kRunning:
      case OperationProgress::kFinished:
        state = view.phase + (view.message.empty() ? "" : ": " + view.message);
        break;
      case OperationProgress::kSuperseded:
        return failure(ctx, what +
                                " is no longer visible: a later operation was queued or ran "
                                "after it (see 'gitopsctl app history " +
                                name + "')");
    }
    if (const std::string line = kind + " " + request_id + ": " + state; line != last_line) {
      progress(ctx, line);
      last_line = line;
    }
    if (view.progress == OperationProgress::kFinished) {
      if (output == Output::kJson) {
        printText(ctx, jsonText(*app));
      } else if (output == Output::kYaml) {
        printText(ctx, yamlText(*app));
      } else {
        printText(ctx, formatOperationResult(*app, capitalized(kind), output));
      }
      if (view.phase == "Succeeded") return kExitOk;
      return failure(
          ctx, what + " ended " + view.phase + (view.message.empty() ? "" : ": " + view.message));
    }
    if (view.progress == OperationProgress::kNotSeen) {
      if (!unseen) unseen_since = Clock::now();
      unseen = true;
      if (Clock::now() - unseen_since > std::chrono::seconds(10)) {
        return failure(ctx, what +
                                " is neither queued nor running in gitopsd after 10s: it was "
                                "dropped (terminate-op?) or gitopsd restarted");
      }
    } else {
      unseen = false;
    }
    if (timeout.count() > 0 && Clock::now() - start >= timeout) {
      return failure(ctx, "timed out after " + secondsText(timeout) + " waiting for " + what +
                              " (" + state + "); it goes on in gitopsd: 'gitopsctl app get " +
                              name + "' shows it, 'gitopsctl app terminate-op " + name +
                              "' stops it");
    }
    if (ctx.sleep) ctx.sleep(kPollInterval);
  }
}

// --- help texts -------------------------------------------------------------------------------

const std::vector<FlagSpec>& listFlags() {
  static const std::vector<FlagSpec> flags =
      withConnection({outputFlag("wide, json, yaml or name (default: a table)")});
  return flags;
}

const std::vector<FlagSpec>& getFlags() {
  static const std::vector<FlagSpec> flags = withConnection({
      outputFlag("wide, json or yaml (default: a summary and tables)"),
      boolFlag("refresh", "fetch the repository and compare again first"),
      boolFlag("hard-refresh", "like --refresh, also dropping cached renders and dry runs"),
  });
  return flags;
}

const std::vector<FlagSpec>& diffFlags() {
  static const std::vector<FlagSpec> flags = withConnection({
      boolFlag("exit-code", "exit 1 when there are differences (default true)"),
      stringFlag("diff-exit-code", "N", "the exit code for differences (default 1)"),
      boolFlag("refresh", "fetch the repository and compare again first"),
      boolFlag("hard-refresh", "like --refresh, also dropping cached renders and dry runs"),
  });
  return flags;
}

const std::vector<FlagSpec>& syncFlags() {
  static const std::vector<FlagSpec> flags = withConnection({
      stringFlag("revision", "REV", "sync to this branch, tag or commit instead of the target"),
      boolFlag("prune", "delete tracked resources that are no longer in Git"),
      boolFlag("dry-run", "server-side dry run of every change; no history entry"),
      boolFlag("force", "delete and re-create what cannot be updated in place"),
      listFlag("resource", "GROUP:KIND:NAME",
               "sync only this resource (or GROUP:KIND:NS/NAME); repeatable"),
      boolFlag("async", "do not wait for the operation to end"),
      timeoutFlag(),
      outputFlag("wide, json or yaml (default: tables)"),
  });
  return flags;
}

const std::vector<FlagSpec>& rollbackFlags() {
  static const std::vector<FlagSpec> flags = withConnection({
      boolFlag("prune", "delete tracked resources that are not in the old revision"),
      boolFlag("dry-run", "server-side dry run of every change; no history entry"),
      boolFlag("async", "do not wait for the operation to end"),
      timeoutFlag(),
      outputFlag("wide, json or yaml (default: tables)"),
  });
  return flags;
}

const std::vector<FlagSpec>& historyFlags() {
  static const std::vector<FlagSpec> flags =
      withConnection({outputFlag("wide, json or yaml (default: a table)")});
  return flags;
}

const std::vector<FlagSpec>& waitFlags() {
  static const std::vector<FlagSpec> flags = withConnection({
      boolFlag("sync", "wait until the application is Synced"),
      boolFlag("health", "wait until the application is Healthy"),
      boolFlag("operation", "wait until no operation runs or is queued"),
      timeoutFlag(),
      outputFlag("wide, json or yaml (default: a summary and tables)"),
  });
  return flags;
}

const std::vector<FlagSpec>& manifestsFlags() {
  static const std::vector<FlagSpec> flags =
      withConnection({outputFlag("yaml or json (default yaml)")});
  return flags;
}

const std::vector<FlagSpec>& terminateFlags() {
  static const std::vector<FlagSpec> flags = withConnection({});
  return flags;
}

}  // namespace

int runAppList(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app list";
  const std::string help = helpText(
      "app list [-o wide|json|yaml|name] [flags]",
      R"(Lists the applications gitopsd manages, sorted by name: NAME CLUSTER NAMESPACE STATUS
HEALTH SYNCPOLICY CONDITIONS. The table fits 80 columns: long cells are shortened with
"..."; -o wide shows them in full and adds REPO PATH TARGET.
)",
      listFlags());
  Invocation inv = parseInvocation(arg_list, listFlags(), kCommand, help, 0, 0, "no argument", ctx);
  if (inv.exit) return *inv.exit;
  auto output = parseOutput(inv.args.get("output"),
                            {Output::kWide, Output::kJson, Output::kYaml, Output::kName});
  if (!output.ok()) return usageError(ctx, kCommand, output.status().message());
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());
  auto list = (*client)->get("/api/v1/applications");
  if (!list.ok()) return failure(ctx, list.status().message());
  return printText(ctx, formatAppList(memberOf(*list, "items"), *output));
}

int runAppGet(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app get";
  const std::string help = helpText(
      "app get NAME [-o wide|json|yaml] [--refresh|--hard-refresh] [flags]",
      R"(Shows an application: where it comes from and goes to, its sync policy, sync and health
status, conditions and last operation, then its resources (GROUP KIND NAMESPACE NAME STATUS
HEALTH MESSAGE). Tables fit 80 columns; -o wide shows long cells in full and adds details.
--refresh first asks gitopsd to fetch the repository and compare again, and waits (up to 10 s)
until the application shows that compare.
)",
      getFlags());
  Invocation inv = parseInvocation(arg_list, getFlags(), kCommand, help, 1, 1, "NAME", ctx);
  if (inv.exit) return *inv.exit;
  auto output = parseOutput(inv.args.get("output"), {Output::kWide, Output::kJson, Output::kYaml});
  if (!output.ok()) return usageError(ctx, kCommand, output.status().message());
  const std::string& name = inv.args.positional[0];
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());
  const bool hard = inv.args.flag("hard-refresh");
  if (hard || inv.args.flag("refresh")) {
    if (auto s = requestRefresh(**client, ctx, name, hard); !s.ok())
      return failure(ctx, s.message());
  }
  auto app = (*client)->get(appPath(name));
  if (!app.ok()) return failure(ctx, app.status().message());
  return printText(ctx, formatAppGet(*app, *output));
}

int runAppDiff(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app diff";
  const std::string help = helpText(
      "app diff NAME [--exit-code=true|false] [flags]",
      R"(Shows how the live state differs from the desired state of the compared commit: for each
OutOfSync resource a header "===== GROUP/KIND NAMESPACE/NAME ======" and a unified diff
(--- live, +++ desired). Resources missing live show as added lines, resources to prune as
removed ones.

Exit codes (as argocd): 0 no differences, 1 differences (with --exit-code, the default;
--diff-exit-code N changes it), 2 a command-line error, 20 any other error (gitopsd not
reachable, unknown application, ...).
)",
      diffFlags());
  Invocation inv = parseInvocation(arg_list, diffFlags(), kCommand, help, 1, 1, "NAME", ctx);
  if (inv.exit) return *inv.exit;
  int diff_code = kExitFailure;
  if (const auto value = inv.args.get("diff-exit-code")) {
    try {
      std::size_t used = 0;
      diff_code = std::stoi(*value, &used);
      if (used != value->size() || diff_code < 0 || diff_code > 255) throw std::out_of_range("");
    } catch (const std::exception&) {
      return usageError(ctx, kCommand, "--diff-exit-code \"" + *value + "\" is not 0-255");
    }
  }
  const std::string& name = inv.args.positional[0];
  auto client = connect(inv);
  if (!client.ok()) return failWith(ctx, client.status().message(), kExitGenericError);
  const bool hard = inv.args.flag("hard-refresh");
  if (hard || inv.args.flag("refresh")) {
    if (auto s = requestRefresh(**client, ctx, name, hard); !s.ok()) {
      return failWith(ctx, s.message(), kExitGenericError);
    }
  }
  auto diff = (*client)->get(appPath(name) + "/diff");
  if (!diff.ok()) return failWith(ctx, diff.status().message(), kExitGenericError);
  json list = memberOf(*diff, "items");
  if (!list.is_array()) list = json::array();
  printText(ctx, formatDiff(list));
  return !list.empty() && inv.args.flag("exit-code", true) ? diff_code : kExitOk;
}

int runAppSync(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app sync";
  const std::string help = helpText(
      "app sync NAME [--revision REV] [--prune] [--dry-run] [--resource R]... [flags]",
      R"(Syncs an application: asks gitopsd to apply the desired state, then (unless --async) waits
for that operation to end, printing its phase changes on stderr, and prints its result and
the result of each resource. Exits 1 when the operation ends in another phase than
Succeeded (Failed, Error, Terminated) or on --timeout (the operation goes on in gitopsd).

--resource limits the sync to some resources: GROUP:KIND:NAME, or GROUP:KIND:NAMESPACE/NAME
when the name is used in several namespaces; GROUP is empty for the core group
(':Service:details', 'apps:Deployment:bookinfo/reviews').
)",
      syncFlags());
  Invocation inv = parseInvocation(arg_list, syncFlags(), kCommand, help, 1, 1, "NAME", ctx);
  if (inv.exit) return *inv.exit;
  auto output = parseOutput(inv.args.get("output"), {Output::kWide, Output::kJson, Output::kYaml});
  if (!output.ok()) return usageError(ctx, kCommand, output.status().message());
  const auto timeout = parseWaitTimeout(inv.args);
  if (!timeout) return usageError(ctx, kCommand, "--timeout needs seconds or a duration");
  std::vector<ResourceSelector> selectors;
  for (const auto& value : inv.args.all("resource")) {
    auto selector = parseResourceSelector(value);
    if (!selector.ok()) return usageError(ctx, kCommand, selector.status().message());
    selectors.push_back(std::move(*selector));
  }
  const std::string& name = inv.args.positional[0];
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());

  json body = {{"prune", inv.args.flag("prune")},
               {"dryRun", inv.args.flag("dry-run")},
               {"force", inv.args.flag("force")}};
  if (const auto revision = inv.args.get("revision"); revision && !revision->empty()) {
    body["revision"] = *revision;
  }
  if (!selectors.empty()) {
    auto app = (*client)->get(appPath(name));
    if (!app.ok()) return failure(ctx, app.status().message());
    auto resources = resolveResources(selectors, *app);
    if (!resources.ok()) return failure(ctx, resources.status().message());
    body["resources"] = std::move(*resources);
  }
  auto answer = (*client)->post(appPath(name) + "/sync", body);
  if (!answer.ok()) return failure(ctx, answer.status().message());
  const std::string request_id = requestIdText(memberOf(*answer, "requestId"));
  if (request_id.empty()) {
    return failure(ctx, "gitopsd accepted the sync of '" + name + "' but returned no requestId");
  }
  if (inv.args.flag("async")) {
    std::fprintf(ctx.out, "application '%s': sync requested (request %s)\n", name.c_str(),
                 request_id.c_str());
    return kExitOk;
  }
  return awaitOperation(**client, ctx, name, "sync", request_id, *timeout, *output);
}

int runAppRollback(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app rollback";
  const std::string help = helpText(
      "app rollback NAME [ID] [--prune] [--dry-run] [--async] [flags]",
      R"(Syncs an application back to the revision of history entry ID ('gitopsctl app history
NAME' lists them); without ID, to the one before the newest successful sync. As with argocd,
gitopsd refuses this while automated sync is on (it would undo it). Then waits for the
operation like 'app sync' does (unless --async); exits 1 when it does not succeed.
)",
      rollbackFlags());
  Invocation inv =
      parseInvocation(arg_list, rollbackFlags(), kCommand, help, 1, 2, "NAME [ID]", ctx);
  if (inv.exit) return *inv.exit;
  auto output = parseOutput(inv.args.get("output"), {Output::kWide, Output::kJson, Output::kYaml});
  if (!output.ok()) return usageError(ctx, kCommand, output.status().message());
  const auto timeout = parseWaitTimeout(inv.args);
  if (!timeout) return usageError(ctx, kCommand, "--timeout needs seconds or a duration");
  std::optional<long long> id;
  if (inv.args.positional.size() == 2) {
    const std::string& text = inv.args.positional[1];
    try {
      std::size_t used = 0;
      id = std::stoll(text, &used);
      if (used != text.size() || *id < 0) throw std::out_of_range("");
    } catch (const std::exception&) {
      return usageError(ctx, kCommand, "ID \"" + text + "\" is not a history id (a number)");
    }
  }
  const std::string& name = inv.args.positional[0];
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());
  if (!id) {
    auto history = (*client)->get(appPath(name) + "/history");
    if (!history.ok()) return failure(ctx, history.status().message());
    auto previous = previousDeploymentId(memberOf(*history, "items"), name);
    if (!previous.ok()) return failure(ctx, previous.status().message());
    id = *previous;
  }
  const json body = {
      {"id", *id}, {"prune", inv.args.flag("prune")}, {"dryRun", inv.args.flag("dry-run")}};
  auto answer = (*client)->post(appPath(name) + "/rollback", body);
  if (!answer.ok()) return failure(ctx, answer.status().message());
  const std::string request_id = requestIdText(memberOf(*answer, "requestId"));
  if (request_id.empty()) {
    return failure(ctx,
                   "gitopsd accepted the rollback of '" + name + "' but returned no requestId");
  }
  if (inv.args.flag("async")) {
    std::fprintf(ctx.out, "application '%s': rollback to %lld requested (request %s)\n",
                 name.c_str(), *id, request_id.c_str());
    return kExitOk;
  }
  return awaitOperation(**client, ctx, name, "rollback", request_id, *timeout, *output);
}

int runAppHistory(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app history";
  const std::string help = helpText(
      "app history NAME [-o wide|json|yaml] [flags]",
      R"(Lists the syncs of an application, newest first: ID DATE REVISION PHASE INITIATED-BY, with
the short commit; -o wide adds the full commit, PATH and MESSAGE. An ID is what
'gitopsctl app rollback NAME ID' takes.
)",
      historyFlags());
  Invocation inv = parseInvocation(arg_list, historyFlags(), kCommand, help, 1, 1, "NAME", ctx);
  if (inv.exit) return *inv.exit;
  auto output = parseOutput(inv.args.get("output"), {Output::kWide, Output::kJson, Output::kYaml});
  if (!output.ok()) return usageError(ctx, kCommand, output.status().message());
  const std::string& name = inv.args.positional[0];
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());
  auto history = (*client)->get(appPath(name) + "/history");
  if (!history.ok()) return failure(ctx, history.status().message());
  return printText(ctx, formatHistory(memberOf(*history, "items"), *output));
}

int runAppWait(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app wait";
  const std::string help = helpText(
      "app wait NAME [--sync] [--health] [--operation] [--timeout SECONDS] [flags]",
      R"(Waits until an application meets the conditions given: --sync (Synced), --health (Healthy),
--operation (no operation running or queued); none given means all three, as argocd. Reads
the application every 0.5 s, notes on stderr what is still missing when that changes, and
prints the application when the conditions hold.

Exits 1 on --timeout (naming what was still missing). As argocd does, a wait for health ends
early with exit 1 when one of the application's resources turns Degraded from another known
state during the wait; an application already Degraded when the wait starts is waited for.
)",
      waitFlags());
  Invocation inv = parseInvocation(arg_list, waitFlags(), kCommand, help, 1, 1, "NAME", ctx);
  if (inv.exit) return *inv.exit;
  auto output = parseOutput(inv.args.get("output"), {Output::kWide, Output::kJson, Output::kYaml});
  if (!output.ok()) return usageError(ctx, kCommand, output.status().message());
  const auto timeout = parseWaitTimeout(inv.args);
  if (!timeout) return usageError(ctx, kCommand, "--timeout needs seconds or a duration");
  WaitConditions want{inv.args.flag("sync"), inv.args.flag("health"), inv.args.flag("operation")};
  if (!want.sync && !want.health && !want.operation) want = {true, true, true};
  const std::string& name = inv.args.positional[0];
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());

  const auto start = Clock::now();
  std::optional<json> previous;
  std::string last_line;
  for (;;) {
    auto app = readApp(**client, ctx, name);
    if (!app.ok()) return failure(ctx, app.status().message());
    const auto unmet = unmetConditions(*app, want);
    const auto print_state = [&] {
      if (*output == Output::kJson) return printText(ctx, jsonText(*app));
      if (*output == Output::kYaml) return printText(ctx, yamlText(*app));
      return printText(ctx, formatAppGet(*app, *output));
    };
    if (unmet.empty()) return print_state();
    if (want.health && previous) {
      if (const auto turned = degradedTransition(*previous, *app)) {
        print_state();
        return failure(ctx, "application '" + name + "': " + *turned);
      }
    }
    std::string line = "waiting for '" + name + "': ";
    for (std::size_t i = 0; i < unmet.size(); ++i) line += (i == 0 ? "" : "; ") + unmet[i];
    if (line != last_line) {
      progress(ctx, line);
      last_line = line;
    }
    if (timeout->count() > 0 && Clock::now() - start >= *timeout) {
      std::string missing;
      for (std::size_t i = 0; i < unmet.size(); ++i) missing += (i == 0 ? "" : "; ") + unmet[i];
      return failure(ctx, "timed out after " + secondsText(*timeout) + " waiting for '" + name +
                              "': " + missing);
    }
    previous = std::move(*app);
    if (ctx.sleep) ctx.sleep(kPollInterval);
  }
}

int runAppManifests(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app manifests";
  const std::string help = helpText(
      "app manifests NAME [-o yaml|json] [flags]",
      R"(Prints the desired objects of an application at its compared commit, as gitopsd applies
them (namespace defaulted, tracking annotation set): a YAML stream, or with -o json a v1
List.
)",
      manifestsFlags());
  Invocation inv = parseInvocation(arg_list, manifestsFlags(), kCommand, help, 1, 1, "NAME", ctx);
  if (inv.exit) return *inv.exit;
  auto output = parseOutput(inv.args.get("output"), {Output::kYaml, Output::kJson});
  if (!output.ok()) return usageError(ctx, kCommand, output.status().message());
  const std::string& name = inv.args.positional[0];
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());
  auto manifests = (*client)->get(appPath(name) + "/manifests");
  if (!manifests.ok()) return failure(ctx, manifests.status().message());
  return printText(ctx, formatManifests(memberOf(*manifests, "manifests"), *output));
}

int runAppTerminateOp(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app terminate-op";
  const std::string help = helpText(
      "app terminate-op NAME [flags]",
      R"(Stops the running operation of an application (it stops between two resources and ends
Terminated), or drops the queued one. Fails when there is none.
)",
      terminateFlags());
  Invocation inv = parseInvocation(arg_list, terminateFlags(), kCommand, help, 1, 1, "NAME", ctx);
  if (inv.exit) return *inv.exit;
  const std::string& name = inv.args.positional[0];
  auto client = connect(inv);
  if (!client.ok()) return failure(ctx, client.status().message());
  auto answer = (*client)->del(appPath(name) + "/operation");
  if (!answer.ok()) return failure(ctx, answer.status().message());
  std::fprintf(ctx.out, "application '%s': operation terminating\n", name.c_str());
  return kExitOk;
}

}  // namespace gitopsd::cli
