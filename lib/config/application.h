// Argo CD Applications (argoproj.io/v1alpha1, kind Application) read from YAML or JSON files
// as Argo CD users write them, and written back as clean Application YAML.
//
// Pure: no file system, no Git, no network. All functions are safe to call from any thread;
// the structs are plain values (copyable, not synchronised).
//
// Supported fields (everything else is a warning naming the field and FILE:LINE, never dropped
// silently):
//   metadata: name (required, DNS-1123 subdomain), namespace (DNS-1123 label), finalizers,
//             labels, annotations
//   spec.project (default "default")
//   spec.source: repoURL (required, a Git URL), targetRevision (default "HEAD"), path
//     (default ""), directory {recurse, include, exclude}, kustomize {namePrefix, nameSuffix,
//     images, commonLabels, commonAnnotations, namespace}, helm {releaseName, valueFiles,
//     values, valuesObject, parameters [{name, value, forceString}], skipCrds}
//   spec.destination: server or name (exactly one), namespace
//   spec.syncPolicy: automated {enabled, prune, selfHeal, allowEmpty}, syncOptions, retry
//     {limit, backoff {duration, factor, maxDuration}}
//   spec.ignoreDifferences [{group, kind (required), name, namespace, jsonPointers,
//     jqPathExpressions, managedFieldsManagers}]
//   spec.revisionHistoryLimit (default 10)
// Warnings (the field is ignored): spec.sources, spec.source.plugin, spec.source.ref,
// spec.source.directory.jsonnet, spec.source.kustomize.version, spec.source.helm.passCredentials
// and other helm/kustomize options, spec.info, syncPolicy.managedNamespaceMetadata, the
// top-level operation and status, metadata fields set by a server (uid, resourceVersion, ...),
// unknown keys anywhere, a null `automated:` (off, as in Argo CD), and sync options gitopsd
// does not act on (kept in SyncOptions::other).
// Errors (kInvalid): spec.source.chart (Helm chart repositories are not supported: use a Git
// repository with a chart folder as path), more than one of directory/kustomize/helm, wrong
// types, missing required fields, invalid names, URLs, durations and sync option values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/duration.h"
#include "core/status.h"
#include "manifest/select.h"

namespace gitopsd::config {

inline constexpr std::string_view kApplicationApiVersion = "argoproj.io/v1alpha1";
inline constexpr std::string_view kApplicationKind = "Application";
// The finalizer that makes deleting an Application delete its resources (cascade). The
// "/foreground" and "/background" forms count too.
inline constexpr std::string_view kResourcesFinalizer = "resources-finalizer.argocd.argoproj.io";

struct DirectorySource {
  bool recurse = false;
  // One glob each, as Argo CD writes them ("{a.yaml,b.yaml}", "*.yaml"); empty: no filter.
  std::string include;
  std::string exclude;

  // The options manifest::selectedForDirectory takes (see manifest/select.h for glob rules).
  manifest::DirectoryOptions toOptions() const;
  friend bool operator==(const DirectorySource&, const DirectorySource&) = default;
};

struct KustomizeSource {
  std::string name_prefix;
  std::string name_suffix;
  std::vector<std::string> images;  // "name=new:tag", "name:tag", "name@sha256:..."
  std::map<std::string, std::string> common_labels;
  std::map<std::string, std::string> common_annotations;
  std::string namespace_;
  friend bool operator==(const KustomizeSource&, const KustomizeSource&) = default;
};

struct HelmParameter {
  std::string name;
  std::string value;
  bool force_string = false;
  friend bool operator==(const HelmParameter&, const HelmParameter&) = default;
};

struct HelmSource {
  std::string release_name;              // empty: the application's name
  std::vector<std::string> value_files;  // relative to the source path
  std::string values;                    // YAML text, as written
  // spec.source.helm.valuesObject as compact JSON text (keys sorted); empty when absent. Takes
  // precedence over `values`, as in Argo CD.
  std::string values_object;
  std::vector<HelmParameter> parameters;
  bool skip_crds = false;
  friend bool operator==(const HelmSource&, const HelmSource&) = default;
};

struct ApplicationSource {
  std::string repo_url;
  std::string target_revision = "HEAD";
  std::string path;  // inside the repository; "" is the root
  // At most one is set; none means the type is detected from the files (as Argo CD does).
  std::optional<DirectorySource> directory;
  std::optional<KustomizeSource> kustomize;
  std::optional<HelmSource> helm;
  friend bool operator==(const ApplicationSource&, const ApplicationSource&) = default;
};

struct ApplicationDestination {
  std::string server;  // exactly one of server and name is set
  std::string name;
  std::string namespace_;  // default namespace for namespaced objects without one
  friend bool operator==(const ApplicationDestination&, const ApplicationDestination&) = default;
};

enum class PropagationPolicy { kForeground, kBackground, kOrphan };

// spec.syncPolicy.syncOptions ("Key=value" strings) as typed flags. Unset means "not written";
// the effective defaults (Argo CD's) are in the comments.
struct SyncOptions {
  std::optional<bool> create_namespace;                       // CreateNamespace, default false
  std::optional<bool> prune_last;                             // PruneLast, default false
  std::optional<PropagationPolicy> prune_propagation_policy;  // default foreground
  std::optional<bool> server_side_apply;                      // ServerSideApply, default false
  std::optional<bool> validate;                               // Validate, default true
  std::optional<bool> apply_out_of_sync_only;                 // ApplyOutOfSyncOnly, default false
  std::optional<bool> respect_ignore_differences;  // RespectIgnoreDifferences, default false
  std::optional<bool> replace;                     // Replace, default false
  std::optional<bool> fail_on_shared_resource;     // FailOnSharedResource, default false
  // Entries kept as written that gitopsd does not act on (unknown keys, and Prune=..., which
  // Argo CD only honours per resource); each was reported as a warning.
  std::vector<std::string> other;
  friend bool operator==(const SyncOptions&, const SyncOptions&) = default;
};

struct AutomatedSync {
  bool enabled = true;  // `enabled: false` keeps the settings but turns automated sync off
  bool prune = false;
  bool self_heal = false;
  bool allow_empty = false;
  friend bool operator==(const AutomatedSync&, const AutomatedSync&) = default;
};

struct RetryBackoff {
  Duration duration = std::chrono::seconds(5);
  std::int64_t factor = 2;
  Duration max_duration = std::chrono::minutes(3);
  friend bool operator==(const RetryBackoff&, const RetryBackoff&) = default;
};

struct RetryStrategy {
  std::int64_t limit = 0;  // attempts after the first failure; negative: unlimited
  RetryBackoff backoff;
  friend bool operator==(const RetryStrategy&, const RetryStrategy&) = default;
};

struct SyncPolicy {
  // Present (even `automated: {}`) means automated sync, unless enabled is false.
  std::optional<AutomatedSync> automated;
  SyncOptions options;
  std::optional<RetryStrategy> retry;

  bool automatedSync() const { return automated.has_value() && automated->enabled; }
  friend bool operator==(const SyncPolicy&, const SyncPolicy&) = default;
};

struct IgnoreDifferences {
  std::string group;  // "" is the core group
  std::string kind;
  std::string name;                        // empty: every object of the kind
  std::string namespace_;                  // empty: every namespace
  std::vector<std::string> json_pointers;  // RFC 6901, each starts with "/"
  std::vector<std::string> jq_path_expressions;
  std::vector<std::string> managed_fields_managers;
  friend bool operator==(const IgnoreDifferences&, const IgnoreDifferences&) = default;
};

struct Application {
  std::string name;
  std::string namespace_;  // metadata.namespace as written (Argo CD's is "argocd")
  std::vector<std::string> finalizers;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;

  std::string project = "default";
  ApplicationSource source;
  ApplicationDestination destination;
  SyncPolicy sync_policy;
  std::vector<IgnoreDifferences> ignore_differences;
  std::int64_t revision_history_limit = 10;

  // Where the definition came from (compared by operator== too).
  std::string file;
  int line = 0;  // 1-based line of the document (or list item) that defines it

  // True when deleting the application must delete its resources (kResourcesFinalizer).
  bool cascadeDelete() const;
  // "file:line", for messages.
  std::string origin() const { return file + ":" + std::to_string(line); }
  friend bool operator==(const Application&, const Application&) = default;
};

struct ParsedApplications {
  std::vector<Application> apps;      // in file order
  std::vector<std::string> warnings;  // each "FILE:LINE: field.path: what"
};

struct ApplicationParseLimits {
  std::size_t max_file_bytes = std::size_t{4} * 1024 * 1024;
};

// Reads every Application in a YAML text (any number of "---" documents; a JSON text is one
// document; a `kind: List` of Applications is flattened; empty documents are skipped).
// Errors are kInvalid, starting "FILE:LINE:COL: field.path: " (e.g. "apps.yaml:12:18:
// spec.syncPolicy.automated.prune: expected a boolean (true or false), got \"maybe\""): invalid
// YAML, a document that is not an argoproj.io/v1alpha1 Application (naming its kind), a field
// of the wrong type or value, a missing required field, two applications of the same name in
// the file (naming both lines), a text larger than limits.max_file_bytes. Any error means the
// file yields nothing.
core::Result<ParsedApplications> parseApplications(std::string_view file_for_messages,
                                                   std::string_view text,
                                                   const ApplicationParseLimits& limits = {});

// An Argo CD Application YAML document of `app` ("apiVersion: argoproj.io/v1alpha1" first)
// with only the fields that are set or differ from their defaults (project, repoURL,
// targetRevision and the destination are always written). parseApplications reads it back to
// an equal Application (apart from file and line), without warnings when `app` itself came
// from a file without warnings. Strings are quoted where YAML would read them as something
// else. Precondition: `app` is valid (e.g. came from parseApplications or was checked with
// validateApplication).
std::string applicationToYaml(const Application& app);
// The same document as JSON (Argo CD's field names, defaults left out), for the HTTP API.
nlohmann::ordered_json applicationToJson(const Application& app);

// Checks an Application built in code (e.g. by `gitopsctl app create`) by the rules
// parseApplications applies; kInvalid names the field ("spec.destination: ...").
core::Status validateApplication(const Application& app);

}  // namespace gitopsd::config
