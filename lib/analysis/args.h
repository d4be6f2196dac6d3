// The arguments of an AnalysisRun and their "{{args.NAME}}" templates, resolved as Argo
// Rollouts does: each argument's value, or the Secret key or object field its valueFrom names
// (read through an injected ArgLookup, so this stays pure), then substituted into every string
// of a metric's JSON, keys included (Argo templates the whole metric). Safe from any thread as
// long as the ArgLookup is.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/run_model.h"
#include "core/status.h"

namespace gitopsd::analysis {

// Where valueFrom values come from. Implementations return kNotFound (or another code) with a
// message naming what is missing; the resolver adds the argument's name.
class ArgLookup {
 public:
  virtual ~ArgLookup() = default;
  // The decoded value of key `key` of Secret `name` in the run's namespace.
  virtual core::Result<std::string> secretValue(std::string_view name,
                                                std::string_view key) const = 0;
  // The value of a field of the object the run belongs to, e.g. "metadata.name",
  // "metadata.labels['app']".
  virtual core::Result<std::string> fieldValue(std::string_view field_path) const = 0;
};

struct ResolvedArgs {
  std::map<std::string, std::string> values;  // by argument name
  std::vector<std::string> secrets;           // values read from Secrets, for redactSecrets
};

// Every argument must resolve: value, else valueFrom.secretKeyRef, else valueFrom.fieldRef.
// kInvalid `args.service: no value` for an argument with neither (a podTemplateHashValue left
// unresolved included); a lookup failure keeps its code, prefixed `args.NAME: `.
core::Result<ResolvedArgs> resolveArgs(const std::vector<Argument>& args, const ArgLookup& lookup);

// The arguments with values only (value fields), secrets replaced by a placeholder, as Argo
// resolves the metrics to assess them without reading Secrets. kInvalid `args.NAME: no value`
// as above for an argument without value that is not a secretKeyRef.
core::Result<ResolvedArgs> resolveArgsWithoutSecrets(const std::vector<Argument>& args);

// Substitutes "{{args.NAME}}" (spaces inside the braces allowed) in every string and key of
// `value`, recursively. Any other tag, or an unknown argument, is kInvalid naming it and where:
// `args.foo: unknown argument (spec.metrics[0].provider.web.url)`; so is "{{" without "}}".
// `path` names `value` in messages.
core::Result<nlohmann::json> substituteArgs(const nlohmann::json& value, const ResolvedArgs& args,
                                            std::string_view path);

// A spec object with each metric's templates substituted, then parsed: what the controller
// assesses and measures with. kInvalid from resolution, substitution or parsing.
core::Result<RunSpec> resolveRunSpec(const nlohmann::json& spec, const ResolvedArgs& args);

// The message with every secret value replaced by "*****", as Argo redacts measurement
// messages.
std::string redactSecrets(std::string message, const std::vector<std::string>& secrets);

}  // namespace gitopsd::analysis
