// gitopsd: the GitOps sync daemon. This file only wires components together.
#include <malloc.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "analysis/controller.h"
#include "app/daemon.h"
#include "config/daemon_config.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/version.h"
#include "rollout/controller.h"
#include "rollout/crd_install.h"
#include "server/api.h"

// Read only under LeakSanitizer (the asan build): leaks inside Debian's libgit2 1.5.1 that
// gitopsd cannot free — pcre2 match data of each remote lookup (once per mirror, see
// lib/git/mirror.cc) and the SSH transport's known_hosts handle and path per connection.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpcre2-8.so\n"
         "leak:libssh2_knownhost_init\n"
         "leak:git_remote_connect_ext\n";
}

namespace {

// A controller of the default cluster (the rollout or analysis engine), started; null (and the
// reason logged) when it does not start, so the rest of gitopsd runs without it.
template <typename Controller, typename Options>
std::unique_ptr<Controller> startController(Options options, gitopsd::kube::KubeClient& client,
                                            gitopsd::app::LiveCache& cache,
                                            const gitopsd::core::Logger& logger,
                                            const std::string& name) {
  auto controller = std::make_unique<Controller>(std::move(options), client, cache,
                                                 gitopsd::core::SystemClock::instance(),
                                                 logger.with({{"controller", name}}));
  if (gitopsd::core::Status started = controller->start(); !started.ok()) {
    logger.error("the " + name + " controller did not start", {{"error", started.message()}});
    return nullptr;
  }
  return controller;
}

constexpr std::string_view kUsage = R"(gitopsd - GitOps sync daemon

Usage: gitopsd --config FILE [options]

Syncs the applications named in FILE (and in its applicationDirs) from Git into their clusters,
until SIGTERM or SIGINT.

Options:
  --config FILE        the daemon configuration (gitopsd.yaml)
  --log-level LEVEL    debug, info (default), warn or error
  --log-format FORMAT  logfmt (default) or json
  --version            print the version and exit
  -h, --help           print this help and exit
)";

int usageError(std::string_view message) {
  std::fprintf(stderr, "gitopsd: %.*s\nRun 'gitopsd --help' for usage.\n",
               static_cast<int>(message.size()), message.data());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each thread that allocates an arena of its own; with workers, informers, Git
  // fetchers, the API and the event recorders that is a dozen arenas whose free pages stay
  // resident. Two arenas keep the RSS close to what is in use, and allocation is not where
  // gitopsd spends its time.
  mallopt(M_ARENA_MAX, 2);
  using namespace gitopsd::core;
  LogSink& sink = LogSink::standardError();
  std::string config_path;
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
    if (arg == "--config" && has_value) {
      config_path = argv[++i];
    } else if (arg == "--log-level" && has_value) {
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
  if (config_path.empty()) return usageError("--config FILE is required");
  Logger logger;
  auto config = gitopsd::config::loadDaemonConfigFile(config_path);
  if (!config.ok()) {
    logger.error("cannot load the configuration", {{"error", config.status().message()}});
    return 1;
  }
  const gitopsd::config::DaemonConfig settings = *config;
  auto daemon =
      gitopsd::app::Daemon::create(std::move(config).value(), SystemClock::instance(), logger);
  if (!daemon.ok()) {
    logger.error("cannot start", {{"error", daemon.status().message()}});
    return 1;
  }
  if (Status started = (*daemon)->start(); !started.ok()) {
    logger.error("cannot start", {{"error", started.message()}});
    return 1;
  }
  // The rollout and analysis engines: two more controllers on the default cluster's client and
  // watch cache.
  std::unique_ptr<gitopsd::rollout::RolloutController> rollouts;
  std::unique_ptr<gitopsd::analysis::AnalysisRunController> analysis;
  if (const auto& settings_of = (*daemon)->config().rollouts; settings_of.enabled) {
    auto* client = (*daemon)->defaultClient();
    auto* cache = (*daemon)->controller().liveCache((*daemon)->defaultCluster());
    if (client == nullptr || cache == nullptr) {
      logger.error("the rollout engine needs the default cluster, which is unavailable");
    } else {
      if (settings_of.install_crds) {
        if (Status installed = gitopsd::rollout::installRolloutCrds(*client, logger);
            !installed.ok()) {
          logger.error("installing the Argo Rollouts CRDs failed",
                       {{"error", installed.message()}});
        }
      }
      gitopsd::rollout::RolloutControllerOptions options;
      options.workers = settings_of.workers;
      options.namespaces = settings_of.namespaces;
      rollouts = startController<gitopsd::rollout::RolloutController>(std::move(options), *client,
                                                                      *cache, logger, "rollouts");
      gitopsd::analysis::AnalysisRunControllerOptions analysis_options;
      analysis_options.workers = settings_of.analysis_workers;
      analysis_options.namespaces = settings_of.namespaces;
      analysis = startController<gitopsd::analysis::AnalysisRunController>(
          std::move(analysis_options), *client, *cache, logger, "analysis");
    }
  }
  std::function<std::vector<nlohmann::json>()> analysis_runs;
  if (analysis) analysis_runs = [&analysis] { return analysis->runs(); };
  auto api = gitopsd::server::ApiServer::start(
      settings, (*daemon)->controller(), [] { return defaultMetrics().exposition(); }, logger,
      std::move(analysis_runs));
  if (!api.ok()) {
    logger.error("cannot start the API", {{"error", api.status().message()}});
    (*daemon)->stop();
    return 1;
  }
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  int received = 0;
  signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
    if (!error) received = signal_number;
  });
  io.run();
  logger.info("stopping: running syncs end after the object being applied",
              {{"signal", received == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*api)->stop();
  if (rollouts) rollouts->stop();
  if (analysis) analysis->stop();
  (*daemon)->stop();
  logger.info("stopped");
  return 0;
}
