#include "app/daemon.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include "config/application_dir.h"
#include "git/mirror_set.h"
#include "kube/client.h"
#include "kube/config.h"
#include "manifest/process_tool_runner.h"
#include "manifest/render_cache.h"

namespace gitopsd::app {

namespace {

std::string clusterKey(const config::ClusterEntry& entry) {
  return entry.name.empty() ? "in-cluster" : entry.name;
}

core::Result<std::unique_ptr<kube::KubeClient>> makeClient(const config::ClusterEntry& entry,
                                                           const core::Clock& clock,
                                                           const core::Logger& logger) {
  core::Result<kube::ClusterConfig> loaded = core::internalError("no cluster access");
  if (entry.in_cluster) {
    loaded = kube::inClusterConfig(kube::InClusterEnvironment::fromProcess());
  } else {
    kube::KubeconfigOptions options;
    if (!entry.kubeconfig.empty()) options.paths = {entry.kubeconfig};
    options.context = entry.context;
    loaded = kube::loadKubeconfig(options);
  }
  if (!loaded.ok()) return loaded.status();
  loaded->qps = entry.qps;
  loaded->burst = entry.burst;
  loaded->request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(entry.timeout);
  return kube::makeRestClient(*loaded, clock, logger.with({{"cluster", clusterKey(entry)}}));
}

// A tool named without a folder, looked up in the daemon's PATH now (tools run with an empty
// environment, so they could not be found later).
std::string resolveTool(const std::string& tool) {
  if (tool.find('/') != std::string::npos) return tool;
  const char* path = std::getenv("PATH");
  std::stringstream folders(path != nullptr ? path : "");
  for (std::string folder; std::getline(folders, folder, ':');) {
    const auto candidate = std::filesystem::path(folder.empty() ? "." : folder) / tool;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return tool;  // reported when a render needs it
}

std::pair<std::int64_t, std::int64_t> fileSignature(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {-1, -1};
  return {static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
          static_cast<std::int64_t>(info.st_size)};
}

}  // namespace

struct Daemon::Impl {
  Impl(config::DaemonConfig loaded, const core::Clock& clock_ref, core::Logger log)
      : config(std::move(loaded)),
        clock(clock_ref),
        logger(std::move(log)),
        dir_watcher(config.application_dirs) {}

  config::DaemonConfig config;
  const core::Clock& clock;
  core::Logger logger;
  std::map<std::string, std::unique_ptr<kube::KubeClient>> clients;
  std::map<std::string, std::string> cluster_errors;
  std::unique_ptr<git::MirrorSet> mirrors;
  manifest::ProcessToolRunner tools;
  manifest::RenderCache render_cache;
  std::unique_ptr<StateStore> store;
  config::ApplicationDirWatcher dir_watcher;
  std::pair<std::int64_t, std::int64_t> config_signature;
  std::map<std::string, std::string> reported;  // file → last logged error, to log changes only
};

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() { stop(); }

const config::DaemonConfig& Daemon::config() const { return impl_->config; }

std::string Daemon::defaultCluster() const { return clusterKey(impl_->config.cluster); }

kube::KubeClient* Daemon::defaultClient() {
  const auto found = impl_->clients.find(defaultCluster());
  return found == impl_->clients.end() ? nullptr : found->second.get();
}

core::Result<std::unique_ptr<Daemon>> Daemon::create(config::DaemonConfig config,
                                                     const core::Clock& clock,
                                                     core::Logger logger) {
  auto impl = std::make_unique<Impl>(std::move(config), clock, logger);
  const auto& cfg = impl->config;
  for (const auto& warning : cfg.warnings) logger.warn("config", {{"warning", warning}});
  std::vector<const config::ClusterEntry*> entries = {&cfg.cluster};
  for (const auto& entry : cfg.clusters) entries.push_back(&entry);
  for (const auto* entry : entries) {
    auto client = makeClient(*entry, clock, logger);
    if (client.ok()) {
      impl->clients[clusterKey(*entry)] = std::move(client).value();
    } else {
      impl->cluster_errors[clusterKey(*entry)] = client.status().message();
      logger.error("cluster unavailable; its applications are not synced",
                   {{"cluster", clusterKey(*entry)}, {"error", client.status().message()}});
    }
  }
  git::MirrorSetOptions mirror_options;
  mirror_options.cache_dir = (std::filesystem::path(cfg.paths.cache) / "repos").string();
  mirror_options.credentials = git::CredentialStore(cfg.repoCredentials());
  mirror_options.max_parallel_fetches = static_cast<std::size_t>(cfg.git.max_parallel_fetches);
  mirror_options.logger = logger;
  impl->mirrors = std::make_unique<git::MirrorSet>(std::move(mirror_options));
  impl->config_signature = fileSignature(cfg.file);
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

core::Status Daemon::start() {
  auto& impl = *impl_;
  const auto& cfg = impl.config;
  std::error_code error;
  std::filesystem::create_directories(cfg.paths.state, error);
  if (error) {
    return core::internalError("cannot create the state folder " + cfg.paths.state + ": " +
                               error.message());
  }
  auto store = StateStore::open((std::filesystem::path(cfg.paths.state) / "gitopsd.db").string(),
                                impl.clock);
  if (!store.ok()) return store.status();
  impl.store = std::move(store).value();

  ControllerOptions options;
  options.workers = cfg.reconcile.workers;
  options.poll_interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.git.poll_interval);
  options.poll_jitter = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.git.poll_jitter);
  options.resync_interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.reconcile.resync_interval);
  options.status_dir = (std::filesystem::path(cfg.paths.state) / "status").string();
  options.render.tools = &impl.tools;
  options.render.tool_paths.kustomize = resolveTool(cfg.render.kustomize);
  options.render.tool_paths.helm = resolveTool(cfg.render.helm);
  options.render.tool_paths.timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.render.timeout);
  options.render.scratch_dir = (std::filesystem::path(cfg.paths.cache) / "render").string();
  options.render.cache = &impl.render_cache;
  std::map<std::string, kube::KubeClient*> clusters;
  for (auto& [name, client] : impl.clients) clusters[name] = client.get();
  controller_ = std::make_unique<AppController>(std::move(options), *impl.mirrors, *impl.store,
                                                std::move(clusters), impl.clock, impl.logger);
  (void)impl.dir_watcher.scan();
  reloadApplications();
  controller_->start();
  watcher_ = std::jthread([this](std::stop_token stop) { watchConfig(stop); });
  impl.logger.info(
      "gitopsd started",
      {{"config", cfg.file}, {"clusters", impl.clients.size()}, {"state", cfg.paths.state}});
  return {};
}

void Daemon::stop() {
  if (watcher_.joinable()) {
    watcher_.request_stop();
    watcher_.join();
  }
  if (controller_) controller_->stop();
}

void Daemon::reloadApplications() {
  auto& impl = *impl_;
  const auto merged = config::mergeApplications(impl.config.applications, impl.dir_watcher.files());
  std::map<std::string, std::string> now_reported;
  for (const auto& [file, status] : merged.file_errors) {
    now_reported[file] = status.message();
    if (impl.reported[file] != status.message()) {
      impl.logger.error("application file rejected; its last good applications stay",
                        {{"file", file}, {"error", status.message()}});
    }
  }
  impl.reported = std::move(now_reported);
  std::vector<ManagedApp> apps;
  for (const auto& spec : merged.apps) {
    ManagedApp app;
    app.spec = spec;
    if (const auto* entry = impl.config.findCluster(spec.destination)) {
      app.cluster = clusterKey(*entry);
      if (const auto failed = impl.cluster_errors.find(app.cluster);
          failed != impl.cluster_errors.end()) {
        app.spec_error = "cluster '" + app.cluster + "' is unavailable: " + failed->second;
      }
    } else {
      app.spec_error = "destination " +
                       (spec.destination.name.empty() ? "server '" + spec.destination.server + "'"
                                                      : "name '" + spec.destination.name + "'") +
                       " is not a configured cluster (" + spec.file + ":" +
                       std::to_string(spec.line) + ")";
    }
    apps.push_back(std::move(app));
  }
  controller_->setApplications(std::move(apps));
}

void Daemon::watchConfig(std::stop_token stop) {
  auto& impl = *impl_;
  // inotify tells when something in the watched folders changes, so an idle daemon does not
  // stat every application file twice a second (that was most of its idle CPU with 1,000
  // files). A full check still runs every kFullCheckInterval for file systems that send no
  // events (NFS, some container mounts).
  const int notify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  std::vector<std::string> folders = impl.config.application_dirs;
  std::error_code ignored;
  folders.push_back(std::filesystem::absolute(impl.config.file, ignored).parent_path().string());
  for (const auto& folder : folders) {
    if (notify >= 0 && ::inotify_add_watch(notify, folder.c_str(),
                                           IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE |
                                               IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB) < 0) {
      impl.logger.warn("cannot watch a folder for changes; checking it every few seconds",
                       {{"folder", folder}, {"error", std::strerror(errno)}});
    }
  }
  auto last_full = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    bool notified = false;
    if (notify >= 0) {
      pollfd wait{notify, POLLIN, 0};
      if (::poll(&wait, 1, static_cast<int>(kConfigCheckInterval.count())) > 0) {
        std::array<char, 16384> events{};
        while (::read(notify, events.data(), events.size()) > 0) {
        }
        notified = true;
      }
    } else {
      std::this_thread::sleep_for(kConfigCheckInterval);
    }
    const auto now = std::chrono::steady_clock::now();
    const bool full = now - last_full >= kFullCheckInterval || notify < 0;
    if (stop.stop_requested() || (!notified && !full)) continue;
    if (full) last_full = now;
    bool changed = !impl.dir_watcher.scan().empty();
    if (const auto signature = fileSignature(impl.config.file);
        signature != impl.config_signature) {
      impl.config_signature = signature;
      auto reloaded = config::loadDaemonConfigFile(impl.config.file);
      if (reloaded.ok()) {
        impl.config.applications = std::move(reloaded->applications);
        changed = true;
        impl.logger.info(
            "config file changed; applications reloaded (other settings need a "
            "restart)",
            {{"config", impl.config.file}});
      } else {
        impl.logger.error("config file rejected; keeping the applications it had",
                          {{"error", reloaded.status().message()}});
      }
    }
    if (changed) reloadApplications();
  }
  if (notify >= 0) ::close(notify);
}

}  // namespace gitopsd::app
