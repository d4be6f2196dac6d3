#include "cli/args.h"

#include <algorithm>

namespace gitopsd::cli {
namespace {

const FlagSpec* findLong(const std::vector<FlagSpec>& flags, std::string_view name) {
  for (const auto& spec : flags) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const FlagSpec* findShort(const std::vector<FlagSpec>& flags, char name) {
  for (const auto& spec : flags) {
    if (spec.short_name != '\0' && spec.short_name == name) return &spec;
  }
  return nullptr;
}

std::optional<bool> parseBool(std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ParsedArgs::get(std::string_view name) const {
  const auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::all(std::string_view name) const {
  const auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

bool ParsedArgs::flag(std::string_view name, bool fallback) const {
  const auto value = get(name);
  return value ? *value == "true" : fallback;
}

core::Result<ParsedArgs> parseArgs(std::span<const std::string> args,
                                   const std::vector<FlagSpec>& flags) {
  ParsedArgs parsed;
  bool flags_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_ended || arg.size() < 2 || arg[0] != '-') {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::string shown;  // the flag as the user wrote it, for messages
    std::optional<std::string> inline_value;
    if (arg[1] == '-') {
      const std::string body = arg.substr(2);
      const auto eq = body.find('=');
      const std::string name = body.substr(0, eq);
      if (eq != std::string::npos) inline_value = body.substr(eq + 1);
      shown = "--" + name;
      spec = findLong(flags, name);
    } else {
      shown = arg.substr(0, 2);
      if (arg.size() > 2) {
        // "-yfoo" is not a thing here; "-y=false" is (as in pflag).
        if (arg[2] != '=') return core::invalidError("unknown flag " + arg);
        inline_value = arg.substr(3);
      }
      spec = findShort(flags, arg[1]);
    }
    if (spec == nullptr) return core::invalidError("unknown flag " + shown);
    std::vector<std::string>& given = parsed.values[spec->name];
    if (spec->kind == FlagKind::kBool) {
      const std::string text = inline_value.value_or("true");
      const auto value = parseBool(text);
      if (!value) {
        return core::invalidError("flag " + shown + " takes true or false, got \"" + text + "\"");
      }
      given.assign(1, *value ? "true" : "false");
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return core::invalidError("flag " + shown + " needs a value (" + spec->value_name + ")");
    }
    if (spec->kind == FlagKind::kString) given.clear();
    given.push_back(std::move(value));
  }
  return parsed;
}

std::vector<std::string> hoistGlobalFlags(std::vector<std::string> args,
                                          const std::vector<FlagSpec>& global) {
  std::size_t end = 0;  // args[0, end) are leading global flags with their values
  while (end < args.size() && args[end].size() > 2 && args[end].rfind("--", 0) == 0) {
    const std::string& arg = args[end];
    const auto eq = arg.find('=');
    const FlagSpec* spec = findLong(global, arg.substr(2, eq == std::string::npos ? eq : eq - 2));
    if (spec == nullptr) break;
    end += (spec->kind == FlagKind::kBool || eq != std::string::npos) ? 1 : 2;
  }
  end = std::min(end, args.size());
  if (end == 0) return args;
  std::vector<std::string> out(args.begin() + static_cast<std::ptrdiff_t>(end), args.end());
  const std::size_t at = std::min<std::size_t>(2, out.size());
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), args.begin(),
             args.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

std::string flagsHelp(const std::vector<FlagSpec>& flags) {
  std::vector<FlagSpec> all = flags;
  all.push_back({"help", FlagKind::kBool, "", "print this help", 'h'});
  std::vector<std::string> lefts;
  std::size_t width = 0;
  for (const auto& spec : all) {
    std::string left = spec.short_name != '\0' ? std::string("  -") + spec.short_name + ", "
                                               : std::string("      ");
    left += "--" + spec.name;
    if (spec.kind != FlagKind::kBool) left += " " + spec.value_name;
    width = std::max(width, left.size());
    lefts.push_back(std::move(left));
  }
  std::string out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    out += lefts[i] + std::string(width - lefts[i].size() + 3, ' ') + all[i].help + "\n";
  }
  return out;
}

}  // namespace gitopsd::cli
