// The Application files behind `gitopsctl app create/delete`: building an Application from
// argocd-style flags, finding the file that defines an application in a folder gitopsd watches
// (config/application_dir.h), rewriting a file without one application or with one replaced,
// and writing files atomically.
//
// buildApplication, findDefinitions, rewriteFileText and checkDefines are pure (no I/O) and
// thread-safe. readAppDir, writeFileAtomically and removeFile do file I/O; they are safe to
// call from any thread but nothing stops another process from editing the folder between
// calls: the callers re-read and compare where that matters.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/application.h"
#include "core/status.h"

namespace gitopsd::cli {

// The flags of `gitopsctl app create` (argocd app create's names). Empty strings and false
// mean "not given".
struct CreateRequest {
  std::string name;
  std::string repo;            // --repo, required
  std::string path;            // --path
  std::string dest_namespace;  // --dest-namespace, required
  std::string dest_server;     // --dest-server; https://kubernetes.default.svc when neither
  std::string dest_name;       // --dest-name    server nor name is given
  std::string revision = "HEAD";
  std::string project = "default";
  std::string sync_policy;  // "", "automated" ("automatic", "auto"), "none" ("manual")
  bool self_heal = false;
  bool auto_prune = false;
  bool allow_empty = false;
  std::vector<std::string> sync_options;  // "Key=value"
  bool directory_recurse = false;
  std::vector<std::string> helm_set;  // "name=value"
  std::vector<std::string> helm_set_string;
  std::vector<std::string> values;  // helm value files
  std::string release_name;
  std::string name_prefix;  // kustomize
  std::string name_suffix;
  bool set_finalizer = false;  // metadata.finalizers: [resources-finalizer.argocd.argoproj.io]
};

inline constexpr std::string_view kDefaultDestServer = "https://kubernetes.default.svc";

struct BuiltApplication {
  config::Application app;  // file and line empty; equal to what parseApplications reads back
  // From the parser, without its position: e.g. "spec.syncPolicy.syncOptions[0]: sync option
  // \"Foo\" is not supported; ignored".
  std::vector<std::string> warnings;
};

// Checks the flags the way argocd does (e.g. --self-heal, --auto-prune and --allow-empty need
// --sync-policy automated; at most one of directory, helm and kustomize flags) and then the
// Application with config::validateApplication. kInvalid naming the flag or the field.
core::Result<BuiltApplication> buildApplication(const CreateRequest& request);

// One application file of a folder, as read now.
struct AppFile {
  std::string path;
  std::string text;
  core::Status error;  // read or parse error; `apps` is empty then
  std::vector<config::Application> apps;
  std::vector<std::string> warnings;
};

// Reads and parses every application file of `dir` (the names config::isApplicationFileName
// accepts, regular files or links to them, not sub-folders), in path order. File paths are
// `dir` + "/" + file name. kNotFound when `dir` does not exist, kInvalid when it is not a
// folder or cannot be listed; a file that cannot be read or parsed is an AppFile with an error.
core::Result<std::vector<AppFile>> readAppDir(const std::string& dir);

// Where an application is defined: files[file].apps[index].
struct Definition {
  std::size_t file = 0;
  std::size_t index = 0;
};

// Every definition of `name` in `files` (more than one only when several files define it).
std::vector<Definition> findDefinitions(const std::vector<AppFile>& files, std::string_view name);

struct Rewrite {
  std::string text;
  // True when the whole file was regenerated from its parsed applications (comments, layout
  // and fields gitopsd ignores are lost); false when only the application's own document
  // changed and every other byte was kept.
  bool regenerated = false;
};

// `file`'s text with application `name` replaced by `replacement` (nullopt: removed).
// Precondition: `file` parsed and defines `name`. When `name` has a YAML document of its own,
// only that document changes; otherwise (a `kind: List`, a JSON file) the file is regenerated
// as YAML documents, which is refused (kInvalid) for a .json file that defines other
// applications too. The result is checked with checkDefines before it is returned.
core::Result<Rewrite> rewriteFileText(const AppFile& file, std::string_view name,
                                      const std::optional<config::Application>& replacement);

// OK when `text` parses to exactly `expected` (in order, file and line not compared);
// otherwise kInternal naming `file` and the difference.
core::Status checkDefines(std::string_view file, std::string_view text,
                          const std::vector<config::Application>& expected);

// Applications as YAML documents separated by "---" (applicationToYaml each).
std::string applicationsToYaml(const std::vector<config::Application>& apps);

// Writes `text` to `path` atomically: a hidden temporary file in the same folder (".NAME.
// gitopsctl-XXXXXX", which gitopsd does not read), flushed to disk, read back and passed to
// `check`, then renamed over `path`. Keeps the permissions of the file it replaces (0644 for a
// new one). When `check` fails nothing is renamed and its Status is returned; I/O errors are
// kUnavailable naming the file.
core::Status writeFileAtomically(const std::string& path, std::string_view text,
                                 const std::function<core::Status(std::string_view)>& check);

// Removes `path`; kNotFound when it is already gone, kUnavailable on other errors.
core::Status removeFile(const std::string& path);

// Reads a whole file; kNotFound / kUnavailable naming it.
core::Result<std::string> readFile(const std::string& path);

// `app` with (cascade) or without (!cascade) the resources finalizer: adding puts
// config::kResourcesFinalizer last (unchanged when a form of it is there); removing drops it
// and its "/foreground" and "/background" forms.
config::Application withResourcesFinalizer(config::Application app, bool cascade);

}  // namespace gitopsd::cli
