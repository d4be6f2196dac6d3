// gitopsd: the GitOps sync daemon. This file only wires components together.
#include <cstdio>
#include <string_view>

#include "core/log.h"
#include "core/version.h"

namespace {

constexpr std::string_view kUsage = R"(gitopsd - GitOps sync daemon

Usage: gitopsd [options]

Options:
  --log-level LEVEL    debug, info (default), warn or error
  --log-format FORMAT  logfmt (default) or json
  --version            print the version and exit
  -h, --help           print this help and exit

Syncing applications (--config) is not available in this version.
)";

int usageError(std::string_view message) {
  std::fprintf(stderr, "gitopsd: %.*s\nRun 'gitopsd --help' for usage.\n",
               static_cast<int>(message.size()), message.data());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gitopsd::core;
  LogSink& sink = LogSink::standardError();
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--version") {
      std::printf("gitopsd %s\n", kVersion);
      return 0;
    }
    if (arg == "-h" || arg == "--help") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
    if (arg == "--log-level" && has_value) {
      const auto level = parseLogLevel(argv[++i]);
      if (!level) return usageError("--log-level must be debug, info, warn or error");
      sink.setLevel(*level);
    } else if (arg == "--log-format" && has_value) {
      const auto format = parseLogFormat(argv[++i]);
      if (!format) return usageError("--log-format must be logfmt or json");
      sink.setFormat(*format);
    } else {
      return usageError("unknown or incomplete option '" + std::string(arg) + "'");
    }
  }
  Logger().error("no applications to sync: --config is not available in this version");
  return 1;
}
