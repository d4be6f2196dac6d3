// gitopsctl: the command-line client of gitopsd.
#include <cstdio>
#include <string>
#include <string_view>

#include "core/version.h"

namespace {

constexpr std::string_view kUsage = R"(gitopsctl - command-line client for gitopsd

Usage: gitopsctl [--version] [-h|--help]

No commands are available in this version.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    std::printf("gitopsctl %s\n", gitopsd::core::kVersion);
    return 0;
  }
  if (argc == 2 && (std::string_view(argv[1]) == "-h" || std::string_view(argv[1]) == "--help")) {
    std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
    return 0;
  }
  std::fprintf(
      stderr, "gitopsctl: %s\nRun 'gitopsctl --help' for usage.\n",
      argc < 2 ? "no command given" : ("unknown command '" + std::string(argv[1]) + "'").c_str());
  return 2;
}
