// A small command-line flag parser for gitopsctl, with the habits of Go's pflag (which the
// argocd CLI uses): long flags as `--name value` or `--name=value`, boolean flags as `--name`
// or `--name=true|false`, repeatable flags that collect every value, flags and positional
// arguments in any order, `--` ending the flags, `-h`/`--help` everywhere.
//
// Hand-written: Debian bookworm packages cxxopts (libcxxopts-dev 3.1.1), which has no
// subcommands, and CLI11 (libcli11-dev 2.1.2), which would fit but be a new build dependency
// (bootstrap, CI) for about a hundred lines of pflag-style parsing. Revisit if the CLI grows
// past verbs with flags.
//
// Pure: no I/O. Thread-safe (no shared state).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitopsd::cli {

enum class FlagKind {
  kString,  // `--name value` / `--name=value`; the last one given wins
  kList,    // like kString, every occurrence kept in order
  kBool,    // `--name` (true) or `--name=true|false|1|0`; never takes the next argument
};

struct FlagSpec {
  std::string name;  // long name without dashes, e.g. "dest-namespace"
  FlagKind kind = FlagKind::kString;
  std::string value_name;  // for help, e.g. "URL"; unused for kBool
  std::string help;        // one line (wrapped by the caller if needed)
  char short_name = '\0';  // e.g. 'y' for -y; '\0' for none
};

struct ParsedArgs {
  std::vector<std::string> positional;
  bool help = false;  // -h or --help was given (parsing still checks the rest)

  bool has(std::string_view name) const { return values.find(name) != values.end(); }
  // The last value of a kString flag (or of a kList one); nullopt when not given.
  std::optional<std::string> get(std::string_view name) const;
  // Every value of a flag, in order; empty when not given.
  std::vector<std::string> all(std::string_view name) const;
  // A kBool flag's value, `fallback` when not given.
  bool flag(std::string_view name, bool fallback = false) const;

  // Every flag given, by long name; booleans as "true"/"false".
  std::map<std::string, std::vector<std::string>, std::less<>> values;
};

// Parses `args` (without the program and command names) against `flags`. Errors are kInvalid
// with one line naming the argument: "unknown flag --foo", "flag --repo needs a value",
// "flag --yes takes true or false, got \"maybe\"".
core::Result<ParsedArgs> parseArgs(std::span<const std::string> args,
                                   const std::vector<FlagSpec>& flags);

// argocd's global flags before the command: `gitopsctl --server X app list` is run as
// `gitopsctl app list --server X`. The leading arguments that are flags of `global` ("--server
// X", "--server=X", "--insecure") are moved after the two arguments that follow them (the
// command group and the command); the scan stops at the first other argument. Arguments are
// returned unchanged when none lead.
std::vector<std::string> hoistGlobalFlags(std::vector<std::string> args,
                                          const std::vector<FlagSpec>& global);

// The "Flags:" block of a help text: one line per flag and one for -h/--help, aligned, e.g.
// "      --repo URL              Git repository URL (spec.source.repoURL)".
std::string flagsHelp(const std::vector<FlagSpec>& flags);

}  // namespace gitopsd::cli
