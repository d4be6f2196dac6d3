// Daemon: everything `gitopsd --config FILE` runs, built from the daemon config: one Kubernetes
// client per configured cluster, the Git mirrors, the render tools and cache, the state store
// and the AppController; and the watch on the configuration, so that adding, changing or
// removing an application file (or the applications inline in the config file) takes effect
// without a restart. Settings other than the applications are read once at start.
//
// Applications whose destination names no configured cluster, or a cluster whose client could
// not be built, get InvalidSpecError; the others run. An application file that does not parse
// keeps its applications' last good definitions (see config/application_dir.h) and is logged
// with file, line and field.
//
// Thread safety: create/start/stop from one thread.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "app/controller.h"
#include "config/daemon_config.h"
#include "core/clock.h"
#include "core/log.h"

namespace gitopsd::app {

class Daemon {
 public:
  // Builds the components (no network I/O yet); kInvalid/kInternal naming what failed.
  static core::Result<std::unique_ptr<Daemon>> create(config::DaemonConfig config,
                                                      const core::Clock& clock,
                                                      core::Logger logger);
  ~Daemon();

  // Opens the state store, loads the applications, starts the controller and the config
  // watch. kInternal when the state store cannot be opened.
  core::Status start();
  // Stops the config watch and the controller (running syncs stop between objects).
  void stop();

  // The controller, for the API; valid after start() until the Daemon is destroyed.
  AppController& controller() { return *controller_; }

  // The configuration it runs, and the default cluster (the config's `cluster`) for the
  // process's other controllers: its client (null when it could not be built) and its name in
  // the controller's watch caches (AppController::liveCache).
  const config::DaemonConfig& config() const;
  kube::KubeClient* defaultClient();
  std::string defaultCluster() const;

  // Changes to the application folders and the config file are seen through inotify within
  // kConfigCheckInterval, and by a full check every kFullCheckInterval where inotify is silent.
  static constexpr std::chrono::milliseconds kConfigCheckInterval{500};
  static constexpr std::chrono::milliseconds kFullCheckInterval{10'000};

 private:
  struct Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  void watchConfig(std::stop_token stop);
  void reloadApplications();

  std::unique_ptr<Impl> impl_;
  std::unique_ptr<AppController> controller_;
  std::jthread watcher_;
};

}  // namespace gitopsd::app
