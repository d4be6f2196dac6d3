#include "cli/app_commands.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>

#include "cli/app_files.h"
#include "cli/args.h"
#include "config/application.h"

namespace gitopsd::cli {
namespace {

namespace fs = std::filesystem;
using config::Application;

FlagSpec stringFlag(std::string name, std::string value_name, std::string help) {
  return {std::move(name), FlagKind::kString, std::move(value_name), std::move(help), '\0'};
}
FlagSpec listFlag(std::string name, std::string value_name, std::string help) {
  return {std::move(name), FlagKind::kList, std::move(value_name), std::move(help), '\0'};
}
FlagSpec boolFlag(std::string name, std::string help, char short_name = '\0') {
  return {std::move(name), FlagKind::kBool, "", std::move(help), short_name};
}

const std::vector<FlagSpec>& createFlags() {
  static const std::vector<FlagSpec> flags = {
      stringFlag("repo", "URL", "Git repository URL (spec.source.repoURL); required"),
      stringFlag("path", "PATH", "folder of the manifests in the repository"),
      stringFlag("revision", "REV", "branch, tag or commit to follow (default HEAD)"),
      stringFlag("dest-namespace", "NS", "namespace of the resources; required"),
      stringFlag("dest-server", "URL",
                 "cluster API server (default " + std::string(kDefaultDestServer) + ")"),
      stringFlag("dest-name", "NAME", "cluster by name, instead of --dest-server"),
      stringFlag("project", "NAME", "Argo CD project (default \"default\")"),
      stringFlag("sync-policy", "POLICY", "automated or none (default none)"),
      boolFlag("self-heal", "revert changes made in the cluster (needs automated)"),
      boolFlag("auto-prune", "delete resources removed from Git (needs automated)"),
      boolFlag("allow-empty", "allow syncing to no resources (needs automated)"),
      listFlag("sync-option", "K=V", "sync option, e.g. CreateNamespace=true (repeatable)"),
      boolFlag("directory-recurse", "read manifests from sub-folders too"),
      listFlag("helm-set", "NAME=VALUE", "Helm parameter (repeatable)"),
      listFlag("helm-set-string", "NAME=VALUE", "Helm parameter forced to a string (repeatable)"),
      listFlag("values", "FILE", "Helm values file in the repository (repeatable)"),
      stringFlag("release-name", "NAME", "Helm release name (default the app's name)"),
      stringFlag("nameprefix", "PREFIX", "Kustomize name prefix"),
      stringFlag("namesuffix", "SUFFIX", "Kustomize name suffix"),
      boolFlag("set-finalizer", "add the resources finalizer (deleting cascades)"),
      boolFlag("upsert", "replace an existing application of that name"),
      stringFlag("app-dir", "DIR", "folder gitopsd watches (default $GITOPSD_APP_DIR)"),
  };
  return flags;
}

const std::vector<FlagSpec>& deleteFlags() {
  static const std::vector<FlagSpec> flags = {
      boolFlag("cascade", "delete its resources too (default true; =false keeps them)"),
      boolFlag("yes", "do not ask for confirmation", 'y'),
      stringFlag("app-dir", "DIR", "folder gitopsd watches (default $GITOPSD_APP_DIR)"),
  };
  return flags;
}

std::string appHelp() {
  std::string help = R"(Usage: gitopsctl app COMMAND [ARGS] [flags]

Manage gitopsd applications (Argo CD Application definitions).

create and delete edit the Application files in a folder gitopsd watches (one of the
applicationDirs of its configuration), given by --app-dir DIR or $GITOPSD_APP_DIR. gitopsd
reads that folder every 0.5 s, so a change takes effect within a second.

The other commands talk to gitopsd's HTTP API at --server (or $GITOPSD_SERVER, default
127.0.0.1:8080) with the token --token (or $GITOPSD_TOKEN).

Commands:
)";
  for (const auto& command : appCommands()) {
    std::string left = "  " + std::string(command.synopsis);
    left.resize(std::max<std::size_t>(left.size() + 2, 24), ' ');
    help += left + std::string(command.summary) + "\n";
  }
  help += "\nRun 'gitopsctl app COMMAND --help' for the flags of a command.\n";
  return help;
}

std::string createHelp() {
  return R"(Usage: gitopsctl app create NAME --repo URL --dest-namespace NS [flags]

Creates the Argo CD Application NAME as the file DIR/NAME.yaml, where DIR is --app-dir or
$GITOPSD_APP_DIR (a folder in gitopsd's applicationDirs). The flags are those of
`argocd app create`. The file is written atomically (a hidden temporary file, read back and
parsed, then renamed), so gitopsd never reads half of it.

An application NAME defined in any file of DIR is an error unless --upsert is given; then
NAME.yaml is replaced (a definition in another file of its own moves to NAME.yaml; one in a
file that defines other applications too is refused). --upsert keeps the finalizers of the
existing definition.

Examples:
  gitopsctl app create guestbook --repo https://github.com/argoproj/argocd-example-apps.git \
      --path guestbook --dest-namespace default --sync-policy automated --self-heal --auto-prune
  gitopsctl app create web --repo https://git.example.com/web.git --path chart \
      --dest-namespace web --helm-set replicas=2 --values values-prod.yaml \
      --sync-option CreateNamespace=true --upsert

Flags:
)" + flagsHelp(createFlags());
}

std::string deleteHelp() {
  return R"(Usage: gitopsctl app delete NAME [--cascade=true|false] [--yes] [flags]

Deletes the application NAME by removing its definition from DIR (--app-dir or
$GITOPSD_APP_DIR): its file, or only its document when the file defines other applications.

As with argocd, deletion cascades by default. gitopsd deletes an application's resources from
the cluster when the last definition of it that it read carries the finalizer
resources-finalizer.argocd.argoproj.io, and leaves them otherwise. So with --cascade (the
default) a definition without that finalizer is first rewritten with it, and with
--cascade=false one with it is first rewritten without it; gitopsd reads the folder every
0.5 s, so gitopsctl then waits 1.5 s before it removes the definition. Asks for confirmation
on standard input unless --yes.

Flags:
)" + flagsHelp(deleteFlags());
}

core::Result<std::string> appDir(const ParsedArgs& args, CommandContext& ctx) {
  if (auto dir = args.get("app-dir"); dir && !dir->empty()) return *dir;
  if (ctx.env) {
    if (auto dir = ctx.env(kAppDirEnv); dir && !dir->empty()) return *dir;
  }
  return core::invalidError(std::string("no application folder: pass --app-dir DIR or set ") +
                            kAppDirEnv + " to a folder in gitopsd's applicationDirs");
}

// The one NAME of a command, or a usage error.
std::optional<int> checkOneName(const ParsedArgs& args, CommandContext& ctx,
                                std::string_view command) {
  if (args.positional.size() == 1 && !args.positional[0].empty()) return std::nullopt;
  if (args.positional.empty()) return usageError(ctx, command, "NAME is required");
  if (args.positional.size() == 1) return usageError(ctx, command, "NAME is empty");
  std::string extra;
  for (std::size_t i = 1; i < args.positional.size(); ++i) {
    extra += (extra.empty() ? "'" : ", '") + args.positional[i] + "'";
  }
  return usageError(ctx, command, "expected one NAME, got extra arguments " + extra);
}

void warn(CommandContext& ctx, std::string_view message) {
  std::fprintf(ctx.err, "gitopsctl: warning: %.*s\n", static_cast<int>(message.size()),
               message.data());
}

std::string names(const std::vector<Application>& apps) {
  std::string out;
  for (const auto& app : apps) out += (out.empty() ? "" : ", ") + app.name;
  return out;
}

std::string filesOf(const std::vector<AppFile>& files, const std::vector<Definition>& defs) {
  std::string out;
  for (const auto& def : defs) out += (out.empty() ? "" : ", ") + files[def.file].path;
  return out;
}

// Replaces `path` with `text` when it still holds `expected_text` (another writer since we
// read it is an error, not something to overwrite).
core::Status replaceIfUnchanged(const std::string& path, const std::string& expected_text,
                                const std::string& text) {
  auto now = readFile(path);
  if (!now.ok()) return now.status();
  if (*now != expected_text) {
    return core::conflictError(path + " changed while gitopsctl was working on it; run again");
  }
  return writeFileAtomically(path, text, nullptr);
}

}  // namespace

const std::vector<Command>& appCommands() {
  static const std::vector<Command> commands = {
      {"create", "create NAME", "create an application (or replace one with --upsert)",
       &runAppCreate},
      {"delete", "delete NAME", "delete an application (and, by default, its resources)",
       &runAppDelete},
      {"list", "list", "list the applications with their sync and health status", &runAppList},
      {"get", "get NAME", "show an application and its resources (--refresh: compare again)",
       &runAppGet},
      {"diff", "diff NAME", "show how the live state differs from Git (exit 1: differences)",
       &runAppDiff},
      {"sync", "sync NAME", "apply the desired state and wait for the result", &runAppSync},
      {"rollback", "rollback NAME [ID]", "sync back to the revision of a history entry",
       &runAppRollback},
      {"history", "history NAME", "list the syncs of an application", &runAppHistory},
      {"wait", "wait NAME", "wait until an application is synced, healthy, without operation",
       &runAppWait},
      {"manifests", "manifests NAME", "print the desired objects (YAML or JSON)", &runAppManifests},
      {"terminate-op", "terminate-op NAME", "stop the running (or drop the queued) operation",
       &runAppTerminateOp},
  };
  return commands;
}

int runApp(std::span<const std::string> args, CommandContext& ctx) {
  return runGroup("app", appHelp(), appCommands(), args, ctx);
}

int runAppCreate(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app create";
  auto args = parseArgs(arg_list, createFlags());
  if (!args.ok()) return usageError(ctx, kCommand, args.status().message());
  if (args->help) return printText(ctx, createHelp());
  if (auto rc = checkOneName(*args, ctx, kCommand)) return *rc;
  const std::string& name = args->positional[0];

  CreateRequest request;
  request.name = name;
  request.repo = args->get("repo").value_or("");
  request.path = args->get("path").value_or("");
  request.dest_namespace = args->get("dest-namespace").value_or("");
  request.dest_server = args->get("dest-server").value_or("");
  request.dest_name = args->get("dest-name").value_or("");
  request.revision = args->get("revision").value_or("HEAD");
  request.project = args->get("project").value_or("default");
  request.sync_policy = args->get("sync-policy").value_or("");
  request.self_heal = args->flag("self-heal");
  request.auto_prune = args->flag("auto-prune");
  request.allow_empty = args->flag("allow-empty");
  request.sync_options = args->all("sync-option");
  request.directory_recurse = args->flag("directory-recurse");
  request.helm_set = args->all("helm-set");
  request.helm_set_string = args->all("helm-set-string");
  request.values = args->all("values");
  request.release_name = args->get("release-name").value_or("");
  request.name_prefix = args->get("nameprefix").value_or("");
  request.name_suffix = args->get("namesuffix").value_or("");
  request.set_finalizer = args->flag("set-finalizer");
  const bool upsert = args->flag("upsert");

  auto dir = appDir(*args, ctx);
  if (!dir.ok()) return failure(ctx, dir.status().message());
  auto built = buildApplication(request);
  if (!built.ok()) return failure(ctx, built.status().message());
  for (const auto& warning : built->warnings) warn(ctx, warning);

  auto files = readAppDir(*dir);
  if (!files.ok()) return failure(ctx, files.status().message());
  const std::string target = (fs::path(*dir) / (name + ".yaml")).string();
  const AppFile* target_file = nullptr;
  for (const auto& file : *files) {
    if (file.path == target) {
      target_file = &file;
    } else if (!file.error.ok()) {
      warn(ctx, "skipped " + file.path + ", which cannot be read (an application '" + name +
                    "' there would not be found): " + file.error.message());
    }
  }

  const auto defs = findDefinitions(*files, name);
  if (defs.size() > 1) {
    return failure(ctx, "application '" + name + "' is defined in several files (" +
                            filesOf(*files, defs) + "); keep one of them first");
  }
  const Application* existing = nullptr;
  const AppFile* existing_file = nullptr;
  if (defs.size() == 1) {
    existing_file = &(*files)[defs[0].file];
    existing = &existing_file->apps[defs[0].index];
    if (!upsert) {
      return failure(ctx, "application '" + name + "' already exists in " + existing_file->path +
                              " (use --upsert)");
    }
    if (existing_file->apps.size() > 1) {
      return failure(ctx, "application '" + name + "' is defined in " + existing_file->path +
                              " together with other applications (" + names(existing_file->apps) +
                              "); --upsert only replaces a file of its own: edit that file, or "
                              "delete '" +
                              name + "' first");
    }
  }
  if (target_file != nullptr && target_file != existing_file) {
    if (!target_file->apps.empty()) {
      return failure(ctx, target + " already exists and defines other applications (" +
                              names(target_file->apps) + "); not overwritten");
    }
    if (!upsert) {
      return failure(ctx, target_file->error.ok()
                              ? target +
                                    " already exists (it defines no application); use "
                                    "--upsert to replace it"
                              : target + " already exists and cannot be read (" +
                                    target_file->error.message() + "); use --upsert to replace it");
    }
  }

  Application app = built->app;
  if (existing != nullptr) {
    for (const auto& finalizer : existing->finalizers) {
      if (std::find(app.finalizers.begin(), app.finalizers.end(), finalizer) ==
          app.finalizers.end()) {
        app.finalizers.push_back(finalizer);
      }
    }
  }
  const std::string text = config::applicationToYaml(app);
  if (existing_file != nullptr && existing_file == target_file && existing_file->text == text) {
    std::fprintf(ctx.out, "application '%s' unchanged (%s)\n", name.c_str(), target.c_str());
    return kExitOk;
  }
  const auto check = [&](std::string_view written) { return checkDefines(target, written, {app}); };
  if (auto s = writeFileAtomically(target, text, check); !s.ok()) return failure(ctx, s.message());
  std::string moved;
  if (existing_file != nullptr && existing_file != target_file) {
    // Written first, removed second: gitopsd sees the application defined twice for a moment
    // (and keeps using one definition), never not at all, which would delete its resources.
    if (auto s = removeFile(existing_file->path);
        !s.ok() && s.code() != core::StatusCode::kNotFound) {
      return failure(ctx, "application '" + name + "' written to " + target + ", but " +
                              s.message() + "; remove that file by hand");
    }
    moved = ", moved from " + existing_file->path;
  }
  std::fprintf(ctx.out, "application '%s' %s (%s%s)\n", name.c_str(),
               existing != nullptr ? "updated" : "created", target.c_str(), moved.c_str());
  return kExitOk;
}

namespace {

// Asks on ctx.err, reads ctx.in; nullopt at end of input.
std::optional<bool> confirm(CommandContext& ctx, const std::string& question) {
  for (;;) {
    std::fprintf(ctx.err, "%s [y/n] ", question.c_str());
    std::fflush(ctx.err);
    std::string line;
    int c = 0;
    while ((c = std::fgetc(ctx.in)) != EOF && c != '\n') line += static_cast<char>(c);
    if (c == EOF && line.empty()) {
      std::fputc('\n', ctx.err);
      return std::nullopt;
    }
    std::string answer;
    for (const char ch : line) {
      if (!std::isspace(static_cast<unsigned char>(ch))) {
        answer += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
    }
    if (answer == "y" || answer == "yes") return true;
    if (answer == "n" || answer == "no") return false;
    if (c == EOF) return std::nullopt;
  }
}

}  // namespace

int runAppDelete(std::span<const std::string> arg_list, CommandContext& ctx) {
  constexpr std::string_view kCommand = "app delete";
  auto args = parseArgs(arg_list, deleteFlags());
  if (!args.ok()) return usageError(ctx, kCommand, args.status().message());
  if (args->help) return printText(ctx, deleteHelp());
  if (auto rc = checkOneName(*args, ctx, kCommand)) return *rc;
  const std::string& name = args->positional[0];
  const bool cascade = args->flag("cascade", true);

  auto dir = appDir(*args, ctx);
  if (!dir.ok()) return failure(ctx, dir.status().message());
  auto files = readAppDir(*dir);
  if (!files.ok()) return failure(ctx, files.status().message());
  const auto defs = findDefinitions(*files, name);
  if (defs.empty()) {
    std::string message = "application '" + name + "' not found in " + *dir;
    for (const auto& file : *files) {
      if (!file.error.ok()) message += "; cannot read " + file.error.message();
    }
    return failure(ctx, message);
  }
  if (defs.size() > 1) {
    return failure(ctx, "application '" + name + "' is defined in several files (" +
                            filesOf(*files, defs) + "); remove all but one by hand first");
  }
  AppFile file = (*files)[defs[0].file];
  const Application app = file.apps[defs[0].index];

  if (!args->flag("yes")) {
    const auto answer = confirm(
        ctx, cascade ? "Are you sure you want to delete '" + name + "' and all its resources?"
                     : "Are you sure you want to delete '" + name +
                           "' (its resources stay in the cluster)?");
    if (!answer) {
      return failure(ctx,
                     "no answer to the confirmation question; pass --yes to delete "
                     "without asking");
    }
    if (!*answer) {
      std::fprintf(ctx.out, "The command to delete '%s' was cancelled.\n", name.c_str());
      return kExitOk;
    }
  }

  const std::string finalizer(config::kResourcesFinalizer);
  if (app.cascadeDelete() != cascade) {
    auto rewrite = rewriteFileText(file, name, withResourcesFinalizer(app, cascade));
    if (!rewrite.ok()) return failure(ctx, rewrite.status().message());
    if (auto s = replaceIfUnchanged(file.path, file.text, rewrite->text); !s.ok()) {
      return failure(ctx, s.message());
    }
    if (rewrite->regenerated) {
      warn(ctx, file.path +
                    " was rewritten from its parsed applications (comments and fields "
                    "gitopsd ignores are gone)");
    }
    std::fprintf(ctx.out,
                 cascade ? "application '%s': added finalizer %s in %s so that gitopsd deletes "
                           "its resources; waiting %.1f s for gitopsd to read it\n"
                         : "application '%s': removed finalizer %s in %s so that gitopsd leaves "
                           "its resources; waiting %.1f s for gitopsd to read it\n",
                 name.c_str(), finalizer.c_str(), file.path.c_str(),
                 static_cast<double>(kDaemonReadWait.count()) / 1000.0);
    std::fflush(ctx.out);
    if (ctx.sleep) ctx.sleep(kDaemonReadWait);
    auto parsed = config::parseApplications(file.path, rewrite->text);
    if (!parsed.ok()) return failure(ctx, parsed.status().message());
    file.text = std::move(rewrite->text);
    file.apps = std::move(parsed->apps);
  }

  if (file.apps.size() == 1) {
    auto now = readFile(file.path);
    if (!now.ok()) return failure(ctx, now.status().message());
    if (*now != file.text) {
      return failure(ctx, file.path + " changed while gitopsctl was working on it; application '" +
                              name + "' not deleted, run again");
    }
    if (auto s = removeFile(file.path); !s.ok()) return failure(ctx, s.message());
    std::fprintf(ctx.out, "application '%s' deleted (removed %s); gitopsd %s\n", name.c_str(),
                 file.path.c_str(),
                 cascade ? "deletes its resources" : "leaves its resources in the cluster");
    return kExitOk;
  }
  auto rewrite = rewriteFileText(file, name, std::nullopt);
  if (!rewrite.ok()) return failure(ctx, rewrite.status().message());
  if (auto s = replaceIfUnchanged(file.path, file.text, rewrite->text); !s.ok()) {
    return failure(ctx, s.message());
  }
  if (rewrite->regenerated) {
    warn(ctx, file.path +
                  " was rewritten from its parsed applications (comments and fields "
                  "gitopsd ignores are gone)");
  }
  std::vector<Application> rest;
  for (const auto& other : file.apps) {
    if (other.name != name) rest.push_back(other);
  }
  std::fprintf(ctx.out,
               "application '%s' deleted (removed from %s, which still defines %s); "
               "gitopsd %s\n",
               name.c_str(), file.path.c_str(), names(rest).c_str(),
               cascade ? "deletes its resources" : "leaves its resources in the cluster");
  return kExitOk;
}

}  // namespace gitopsd::cli
