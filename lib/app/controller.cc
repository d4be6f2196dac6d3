#include "app/controller.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "app/tracking.h"
#include "diff/diff.h"
#include "diff/rollout_owned.h"
#include "git/tree_reader.h"
#include "git/url.h"
#include "health/health.h"

namespace gitopsd::app {

namespace {

using Clock = std::chrono::steady_clock;
using core::ResourceKey;
using core::Status;
using Json = nlohmann::json;

constexpr std::string_view kCascadeFinalizer = "resources-finalizer.argocd.argoproj.io";
constexpr std::chrono::seconds kExpectationTimeout{5};

manifest::SourceSpec sourceSpecOf(const config::Application& spec) {
  manifest::SourceSpec out;
  out.path = spec.source.path;
  if (const auto& directory = spec.source.directory) {
    out.directory.recurse = directory->recurse;
    if (!directory->include.empty()) out.directory.include = {directory->include};
    if (!directory->exclude.empty()) out.directory.exclude = {directory->exclude};
  }
  if (const auto& kustomize = spec.source.kustomize) {
    out.kustomize.name_prefix = kustomize->name_prefix;
    out.kustomize.name_suffix = kustomize->name_suffix;
    out.kustomize.images = kustomize->images;
    out.kustomize.common_labels = kustomize->common_labels;
    out.kustomize.common_annotations = kustomize->common_annotations;
    out.kustomize.namespace_ = kustomize->namespace_;
  }
  out.helm.release_name = spec.name;
  out.helm.namespace_ = spec.destination.namespace_;
  if (const auto& helm = spec.source.helm) {
    if (!helm->release_name.empty()) out.helm.release_name = helm->release_name;
    out.helm.value_files = helm->value_files;
    out.helm.values = helm->values;
    if (!helm->values_object.empty()) {
      // valuesObject wins over values, as in Argo CD; JSON is YAML.
      out.helm.values = helm->values_object;
    }
    for (const auto& parameter : helm->parameters) {
      out.helm.parameters.emplace_back(parameter.name, parameter.value);
    }
    out.helm.skip_crds = helm->skip_crds;
  }
  return out;
}

std::vector<diff::IgnoreRule> ignoreRulesOf(const config::Application& spec) {
  std::vector<diff::IgnoreRule> rules;
  for (const auto& item : spec.ignore_differences) {
    diff::IgnoreRule rule;
    rule.group = item.group;
    rule.kind = item.kind;
    rule.name = item.name;
    rule.namespace_ = item.namespace_;
    rule.json_pointers = item.json_pointers;
    rule.jq_path_expressions = item.jq_path_expressions;
    rule.managed_fields_managers = item.managed_fields_managers;
    rules.push_back(std::move(rule));
  }
  return rules;
}

bool automatedOn(const config::Application& spec) {
  return spec.sync_policy.automated && spec.sync_policy.automated->enabled;
}

std::string managedEntry(const kube::GroupVersionKind& type, const ResourceKey& key) {
  return type.apiVersion() + " " + key.toString();
}

// "apps/v1 apps/Deployment:ns/name" → type and key.
std::optional<std::pair<kube::GroupVersionKind, ResourceKey>> parseManagedEntry(
    const std::string& entry) {
  const auto space = entry.find(' ');
  if (space == std::string::npos) return std::nullopt;
  auto key = ResourceKey::parse(std::string_view(entry).substr(space + 1));
  if (!key.ok()) return std::nullopt;
  return std::make_pair(kube::GroupVersionKind::fromApiVersion(entry.substr(0, space), key->kind),
                        std::move(key).value());
}

// Whether the cache shows the applied version or a later one. resourceVersions are opaque by
// contract but etcd revisions (decimal) in every apiserver; anything else compares by equality,
// with kExpectationTimeout as the backstop.
bool atLeastVersion(const std::string& seen, const std::string& applied) {
  if (seen.empty()) return false;
  if (seen == applied) return true;
  const auto numeric = [](const std::string& text) {
    return !text.empty() && text.size() < 20 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return numeric(seen) && numeric(applied) && std::stoull(seen) >= std::stoull(applied);
}

std::chrono::milliseconds healDelay(int streak, std::chrono::milliseconds base,
                                    std::chrono::milliseconds cap) {
  if (streak <= 0) return std::chrono::milliseconds::zero();
  auto delay = base;
  for (int i = 1; i < streak && delay < cap; ++i) delay *= 3;
  return std::min(delay, cap);
}

}  // namespace

struct AppController::Desired {
  kube::GroupVersionKind type;
  ResourceKey key;
  kube::Object object;  // with namespace defaulted and the tracking annotation
};

struct AppController::SyncRun {
  std::string initiated_by;
  bool automated = true;
  bool dry_run = false;
  bool force = false;
  std::string request_id;
};

struct AppController::AppRuntime {
  std::mutex mutex;  // guards app, pending, starting, refresh, hard_refresh, rendered*
  ManagedApp app;
  struct Pending {
    std::string id;
    SyncRequest request;
  };
  std::optional<Pending> pending;  // an API operation not started yet
  // The operation a worker took from `pending` and has not published as Running yet; still
  // shown as pending, so a client never sees it in neither place.
  std::optional<PendingOperation> starting;
  bool refresh = false;       // fetch the repository before the next compare
  bool hard_refresh = false;  // and bypass the render and dry-run caches
  // The last compared render, its commit and its types' scopes (for manifests()).
  std::shared_ptr<const manifest::ManifestSet> rendered;
  std::string rendered_revision;
  std::map<kube::GroupVersionKind, bool> namespaced;
  std::atomic<bool> operating{false};  // an operation (API or automated) is running
  std::atomic<bool> terminate{false};  // stop the running operation between objects
  // Owned by the worker reconciling the application (one at a time).
  bool loaded_state = false;
  std::string last_synced_revision;
  std::set<std::string> managed;  // managedEntry() of what the last sync applied
  std::string failed_revision;
  int failed_attempts = 0;
  Clock::time_point retry_not_before{};
  struct Heal {
    int streak = 0;
    Clock::time_point last{};
  };
  std::map<ResourceKey, Heal> heals;            // self-heal streaks, per object
  std::map<ResourceKey, std::string> expected;  // resourceVersions the last sync applied
  Clock::time_point expected_since{};
  std::map<std::string, Json> dry_runs;  // desiredHash|resourceVersion → predicted
};

AppController::AppController(ControllerOptions options, git::MirrorSet& mirrors, StateStore& store,
                             std::map<std::string, kube::KubeClient*> clusters,
                             const core::Clock& clock, core::Logger logger)
    : options_(std::move(options)),
      mirrors_(mirrors),
      store_(store),
      clusters_(std::move(clusters)),
      clock_(clock),
      logger_(std::move(logger)),
      sync_total_(options_.metrics->counter("gitopsd_app_sync_total",
                                            "Syncs finished, by application and phase.",
                                            {"name", "phase"})),
      self_heal_total_(options_.metrics->counter(
          "gitopsd_app_self_heal_total", "Self-heal syncs started, by application.", {"name"})),
      reconcile_seconds_(options_.metrics->histogram(
          "gitopsd_app_reconcile_duration_seconds",
          "Time one reconcile of an application took (compare, and sync when one ran).",
          {"name"})) {
  if (options_.record_events) {
    for (const auto& [cluster, client] : clusters_) {
      events_[cluster] =
          std::make_unique<EventRecorder>(*client, clock_, logger_.with({{"cluster", cluster}}));
    }
  }
  app_info_ = core::ScopedCollector(*options_.metrics, [this](core::Emitter& out) {
    const std::lock_guard lock(apps_mutex_);
    for (const auto& [name, rt] : apps_) {
      const std::lock_guard app_lock(rt->mutex);
      const auto& spec = rt->app.spec;
      const auto found = statuses_.find(name);
      const bool known = found != statuses_.end();
      out.gauge("gitopsd_app_info", "Information about each application (always 1).",
                {"name", "project", "repo", "dest_server", "dest_namespace", "sync_status",
                 "health_status", "autosync_enabled"},
                {name, spec.project, git::redactUrl(spec.source.repo_url),
                 spec.destination.server.empty() ? spec.destination.name : spec.destination.server,
                 spec.destination.namespace_, known ? found->second.sync_status : "Unknown",
                 known ? found->second.health : "Unknown", automatedOn(spec) ? "true" : "false"},
                1);
    }
  });
}

AppController::~AppController() { stop(); }

std::shared_ptr<AppController::AppRuntime> AppController::runtime(const std::string& name) const {
  const std::lock_guard lock(apps_mutex_);
  const auto found = apps_.find(name);
  return found == apps_.end() ? nullptr : found->second;
}

void AppController::setApplications(std::vector<ManagedApp> apps) {
  std::vector<std::string> changed;
  std::vector<std::pair<std::string, ManagedApp>> removed;
  {
    const std::lock_guard lock(apps_mutex_);
    std::set<std::string> wanted;
    for (auto& app : apps) {
      const std::string name = app.spec.name;
      wanted.insert(name);
      if (const auto git_error = mirrors_.track(app.spec.source.repo_url); !git_error.ok()) {
        app.spec_error = git_error.message();
      }
      auto& slot = apps_[name];
      if (!slot) slot = std::make_shared<AppRuntime>();
      const std::lock_guard app_lock(slot->mutex);
      slot->app = std::move(app);
      changed.push_back(name);
    }
    for (auto it = apps_.begin(); it != apps_.end();) {
      if (wanted.contains(it->first)) {
        ++it;
        continue;
      }
      const std::lock_guard app_lock(it->second->mutex);
      removed.emplace_back(it->first, it->second->app);
      statuses_.erase(it->first);
      it = apps_.erase(it);
    }
  }
  for (const auto& [name, app] : removed) {
    const bool cascade = std::find(app.spec.finalizers.begin(), app.spec.finalizers.end(),
                                   kCascadeFinalizer) != app.spec.finalizers.end();
    logger_.info("application removed", {{"app", name}, {"cascade", cascade}});
    if (cascade && app.spec_error.empty()) cascadeDelete(name, app);
    if (Status deleted = store_.deleteAppState(name); !deleted.ok()) {
      logger_.warn("forgetting the application's state failed",
                   {{"app", name}, {"error", deleted.message()}});
    }
    if (!options_.status_dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove(std::filesystem::path(options_.status_dir) / (name + ".json"),
                              ignored);
    }
  }
  for (const auto& name : changed) queue_.add(name);
}

LiveCache* AppController::liveCache(const std::string& cluster) {
  return clusters_.count(cluster) != 0 ? liveCacheFor(cluster) : nullptr;
}

LiveCache* AppController::liveCacheFor(const std::string& cluster) {
  const std::lock_guard lock(live_mutex_);
  auto& slot = live_[cluster];
  if (!slot) {
    slot = std::make_unique<LiveCache>(
        *clusters_.at(cluster), logger_.with({{"cluster", cluster}}),
        [this](const std::string& app) { queue_.add(app); },
        LiveCacheMetrics{cluster, options_.metrics});
  }
  return slot.get();
}

void AppController::start() {
  if (started_.exchange(true)) return;
  stopping_ = false;
  auto interrupted = store_.markInterrupted();
  if (interrupted.ok()) {
    for (const auto& record : *interrupted) {
      logger_.warn("a sync was interrupted by a stop or crash; syncing again",
                   {{"app", record.app}, {"sync_id", record.id}, {"revision", record.revision}});
      queue_.add(record.app);
    }
  } else {
    logger_.error("reading the sync history failed", {{"error", interrupted.status().message()}});
  }
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    threads_.emplace_back([this] { worker(); });
  }
  threads_.emplace_back([this](std::stop_token stop) { poller(stop); });
}

void AppController::stop() {
  if (!started_.exchange(false)) return;
  stopping_ = true;
  queue_.shutDown();
  for (auto& thread : threads_) thread.request_stop();
  threads_.clear();  // joins
  const std::lock_guard lock(live_mutex_);
  live_.clear();
}

std::optional<AppStatus> AppController::status(const std::string& app) const {
  const std::lock_guard lock(apps_mutex_);
  const auto found = statuses_.find(app);
  if (found == statuses_.end()) return std::nullopt;
  return found->second;
}

namespace {

PendingOperation pendingOf(const std::string& id, const SyncRequest& request) {
  return PendingOperation{id, request.rollback_id ? "rollback" : "sync", request.requested_by};
}

}  // namespace

std::vector<AppView> AppController::views() const {
  std::vector<AppView> out;
  const std::lock_guard lock(apps_mutex_);
  for (const auto& [name, rt] : apps_) {
    AppView view;
    {
      const std::lock_guard app_lock(rt->mutex);
      view.spec = rt->app.spec;
      if (rt->pending) {
        view.status.pending = pendingOf(rt->pending->id, rt->pending->request);
      } else if (rt->starting) {
        view.status.pending = rt->starting;
      }
    }
    if (const auto found = statuses_.find(name); found != statuses_.end()) {
      auto pending = std::move(view.status.pending);
      view.status = found->second;
      view.status.pending = std::move(pending);
    }
    view.status.name = name;
    out.push_back(std::move(view));
  }
  return out;  // apps_ is a sorted map
}

std::optional<AppView> AppController::view(const std::string& app) const {
  auto rt = runtime(app);
  if (!rt) return std::nullopt;
  AppView view;
  {
    const std::lock_guard lock(rt->mutex);
    view.spec = rt->app.spec;
  }
  if (auto current = status(app)) view.status = std::move(*current);
  view.status.name = app;
  const std::lock_guard lock(rt->mutex);
  if (rt->pending) {
    view.status.pending = pendingOf(rt->pending->id, rt->pending->request);
  } else if (rt->starting) {
    view.status.pending = rt->starting;
  }
  return view;
}

core::Result<std::string> AppController::requestSync(const std::string& app, SyncRequest request) {
  auto rt = runtime(app);
  if (!rt) return core::notFoundError("application '" + app + "' not found");
  const auto current = status(app);
  for (const auto& key : request.resources) {
    const bool known =
        current && std::any_of(current->resources.begin(), current->resources.end(),
                               [&](const ResourceStatus& r) { return r.key == key; });
    if (!known) {
      return core::invalidError("resources: " + key.toString() +
                                " is not a resource of application '" + app + "'");
    }
  }
  std::string id;
  const std::string requested_by = request.requested_by;
  {
    const std::lock_guard lock(rt->mutex);
    if (!rt->app.spec_error.empty()) {
      return core::invalidError("application '" + app +
                                "' has an invalid spec: " + rt->app.spec_error);
    }
    const bool automated = automatedOn(rt->app.spec);
    if (automated &&
        (request.rollback_id ||
         (!request.revision.empty() && request.revision != rt->app.spec.source.target_revision))) {
      return core::Status(
          core::StatusCode::kConflict,
          std::string(request.rollback_id ? "rollback" : "a sync to another revision") +
              " cannot be started while automated sync is on for application '" + app +
              "'; turn syncPolicy.automated off first");
    }
    if (rt->pending || rt->operating) {
      return core::Status(core::StatusCode::kConflict,
                          "another operation is already " +
                              std::string(rt->pending ? "queued" : "running") +
                              " for application '" + app + "'");
    }
    id = std::to_string(next_request_++);
    rt->pending = AppRuntime::Pending{id, std::move(request)};
  }
  logger_.info("operation requested", {{"app", app}, {"request_id", id}, {"by", requested_by}});
  queue_.add(app);
  return id;
}

core::Result<std::string> AppController::requestRollback(const std::string& app, std::int64_t id,
                                                         SyncRequest request) {
  if (!runtime(app)) return core::notFoundError("application '" + app + "' not found");
  auto record = store_.record(app, id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return core::notFoundError("application '" + app + "' has no history record " +
                               std::to_string(id));
  }
  request.revision = (*record)->revision;
  request.rollback_id = id;
  return requestSync(app, std::move(request));
}

core::Status AppController::terminate(const std::string& app) {
  auto rt = runtime(app);
  if (!rt) return core::notFoundError("application '" + app + "' not found");
  {
    const std::lock_guard lock(rt->mutex);
    if (rt->pending) {
      rt->pending.reset();
      logger_.info("queued operation dropped", {{"app", app}});
      return {};
    }
  }
  if (!rt->operating) {
    return core::notFoundError("application '" + app + "' has no operation running");
  }
  rt->terminate = true;
  logger_.info("terminating the running operation", {{"app", app}});
  return {};
}

core::Status AppController::refresh(const std::string& app, bool hard) {
  auto rt = runtime(app);
  if (!rt) return core::notFoundError("application '" + app + "' not found");
  {
    const std::lock_guard lock(rt->mutex);
    rt->refresh = true;
    rt->hard_refresh = rt->hard_refresh || hard;
  }
  queue_.add(app);
  return {};
}

std::vector<std::string> AppController::refreshWhere(
    const std::function<bool(const config::Application&)>& matches) {
  std::vector<std::string> names;
  {
    const std::lock_guard lock(apps_mutex_);
    for (const auto& [name, rt] : apps_) {
      const std::lock_guard app_lock(rt->mutex);
      if (!matches(rt->app.spec)) continue;
      rt->refresh = true;
      names.push_back(name);
    }
  }
  for (const auto& name : names) queue_.add(name);
  return names;
}

core::Result<DesiredManifests> AppController::manifests(const std::string& app) const {
  auto rt = runtime(app);
  if (!rt) return core::notFoundError("application '" + app + "' not found");
  std::shared_ptr<const manifest::ManifestSet> rendered;
  std::map<kube::GroupVersionKind, bool> namespaced;
  config::Application spec;
  DesiredManifests out;
  {
    const std::lock_guard lock(rt->mutex);
    rendered = rt->rendered;
    namespaced = rt->namespaced;
    spec = rt->app.spec;
    out.revision = rt->rendered_revision;
  }
  if (!rendered) {
    return core::unavailableError("application '" + app +
                                  "' has not been rendered yet (see its conditions)");
  }
  std::map<kube::GroupVersionKind, bool> ignored;
  auto built = buildDesired(
      *rendered, spec,
      [&namespaced](const kube::GroupVersionKind& type) -> core::Result<bool> {
        const auto found = namespaced.find(type);
        if (found == namespaced.end()) return core::notFoundError("scope unknown");
        return found->second;
      },
      ignored);
  if (!built.ok()) return built.status();
  for (auto& item : *built) out.objects.push_back(std::move(item.object));
  return out;
}

core::Result<std::vector<SyncRecord>> AppController::history(const std::string& app) const {
  if (!runtime(app)) return core::notFoundError("application '" + app + "' not found");
  return store_.history(app, StateStore::kDefaultHistoryLimit);
}

bool AppController::ready(std::string& reason) const {
  if (!started_) {
    reason = "the controller has not started";
    return false;
  }
  const std::lock_guard lock(apps_mutex_);
  std::size_t waiting = 0;
  std::string first;
  for (const auto& [name, rt] : apps_) {
    if (statuses_.contains(name)) continue;
    if (waiting++ == 0) first = name;
  }
  if (waiting == 0) return true;
  reason = std::to_string(waiting) + " application(s) not compared yet, e.g. '" + first + "'";
  return false;
}

void AppController::worker() {
  while (auto name = queue_.get()) {
    try {
      const auto began = Clock::now();
      reconcile(*name);
      reconcile_seconds_.labels({*name}).observe(
          std::chrono::duration<double>(Clock::now() - began).count());
    } catch (const std::exception& error) {
      logger_.error("reconcile failed unexpectedly", {{"app", *name}, {"error", error.what()}});
      queue_.addAfter(*name, std::chrono::seconds(5));
    }
    queue_.done(*name);
  }
}

void AppController::poller(std::stop_token stop) {
  std::mt19937 random(std::random_device{}());
  auto next_resync = Clock::now() + options_.resync_interval;
  std::mutex mutex;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    std::set<std::string> moved;
    for (const auto& result : mirrors_.pollAll()) {
      if (result.fetched || !result.status.ok()) moved.insert(result.url);
    }
    const bool resync = Clock::now() >= next_resync;
    if (resync) next_resync = Clock::now() + options_.resync_interval;
    {
      const std::lock_guard lock(apps_mutex_);
      for (const auto& [name, rt] : apps_) {
        const std::lock_guard app_lock(rt->mutex);
        if (resync || moved.contains(git::normalizeUrl(rt->app.spec.source.repo_url))) {
          queue_.add(name);
        }
      }
    }
    // Jitter spreads the polls of several daemons over time.
    const auto interval = options_.poll_interval;
    const auto jitter = std::chrono::milliseconds(
        options_.poll_jitter.count() > 0
            ? std::uniform_int_distribution<long>(0, options_.poll_jitter.count())(random)
            : 0);
    std::unique_lock lock(mutex);
    wake.wait_for(lock, stop, interval + jitter, [] { return false; });
  }
}

void AppController::publish(const std::string& name, AppStatus status) {
  status.name = name;
  status.reconciled_at = clock_.wallNow();
  bool changed = true;
  {
    const std::lock_guard lock(apps_mutex_);
    if (!apps_.contains(name)) return;  // removed meanwhile
    auto& slot = statuses_[name];
    AppStatus previous = slot;
    previous.reconciled_at = status.reconciled_at;
    changed = previous.toJson() != status.toJson() || slot.name.empty();
    slot = status;
  }
  if (changed && !options_.status_dir.empty()) {
    const std::filesystem::path dir(options_.status_dir);
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    const auto temporary = dir / ("." + name + ".json.tmp");
    {
      std::ofstream out(temporary, std::ios::trunc);
      out << status.toJson().dump(2) << '\n';
    }
    std::filesystem::rename(temporary, dir / (name + ".json"), error);
    if (error) {
      logger_.warn("writing the status file failed", {{"app", name}, {"error", error.message()}});
    }
  }
}

void AppController::cascadeDelete(const std::string& name, const ManagedApp& app) {
  const auto cluster = clusters_.find(app.cluster);
  if (cluster == clusters_.end()) return;
  LiveCache* live = liveCacheFor(app.cluster);
  if (auto state = store_.appState(name); state.ok() && state->has_value()) {
    for (const auto& entry : (*state)->managed_keys) {
      if (auto parsed = parseManagedEntry(entry)) {
        (void)live->ensure(parsed->first, options_.watch_sync_timeout);
      }
    }
  }
  for (const auto& ref : live->ownedBy(name)) {
    kube::ObjectRef object{ref.type, ref.namespace_, ref.name};
    kube::DeleteOptions options;
    options.propagation_policy = "Foreground";
    Status deleted = cluster->second->remove(object, options);
    if (!deleted.ok() && deleted.code() != core::StatusCode::kNotFound) {
      logger_.warn("cascade delete failed",
                   {{"app", name}, {"object", object.toString()}, {"error", deleted.message()}});
    } else {
      logger_.info("deleted (cascade)", {{"app", name}, {"object", object.toString()}});
    }
  }
}

namespace {

void setCondition(AppStatus& status, std::string type, std::string message) {
  status.conditions.push_back({std::move(type), std::move(message)});
}

std::string resultsJson(const std::vector<ResourceResult>& results) {
  Json out = Json::array();
  for (const auto& result : results) {
    out.push_back({{"object", result.key.toString()},
                   {"action", result.action},
                   {"result", result.message},
                   {"ok", result.ok}});
  }
  return out.dump();
}

}  // namespace

core::Result<std::vector<AppController::Desired>> AppController::buildDesired(
    const manifest::ManifestSet& set, const config::Application& spec,
    const ScopeLookup& namespaced_of, std::map<kube::GroupVersionKind, bool>& namespaced_by_type) {
  // A kind the server does not serve yet is accepted when the same render defines its CRD.
  std::map<std::pair<std::string, std::string>, bool> crd_scopes;  // (group, kind) → namespaced
  for (const auto& entry : set.entries) {
    const auto& object = entry.manifest.object;
    if (entry.key.group == "apiextensions.k8s.io" && entry.key.kind == "CustomResourceDefinition") {
      const auto& crd_spec = object.value("spec", Json::object());
      crd_scopes[{crd_spec.value("group", ""),
                  crd_spec.value("names", Json::object()).value("kind", "")}] =
          crd_spec.value("scope", "Namespaced") == "Namespaced";
    }
  }
  std::vector<Desired> out;
  std::set<ResourceKey> keys;
  for (const auto& entry : set.entries) {
    kube::Object object = entry.manifest.object;
    const std::string origin = entry.manifest.file + ":" + std::to_string(entry.manifest.line);
    const auto type = kube::GroupVersionKind::fromApiVersion(object.value("apiVersion", ""),
                                                             object.value("kind", ""));
    bool namespaced = true;
    if (auto served = namespaced_of(type); served.ok()) {
      namespaced = *served;
    } else if (const auto crd = crd_scopes.find({type.group, type.kind}); crd != crd_scopes.end()) {
      namespaced = crd->second;
    } else {
      return served.status().withContext(origin + ": " + type.toString());
    }
    namespaced_by_type[type] = namespaced;
    // Namespaces defaulted as kubectl apply -n would.
    auto& metadata = object["metadata"];
    if (!namespaced) {
      metadata.erase("namespace");
    } else if (metadata.value("namespace", "").empty()) {
      if (spec.destination.namespace_.empty()) {
        return core::invalidError(origin + ": " + type.kind + " " + metadata.value("name", "") +
                                  " has no namespace and the application's destination names "
                                  "none");
      }
      metadata["namespace"] = spec.destination.namespace_;
    }
    const auto ref = kube::ObjectRef::of(object, /*accept_generate_name=*/true);
    if (!ref.ok()) return ref.status().withContext(origin);
    ResourceKey key = ref->key();
    if (!keys.insert(key).second) {
      return core::invalidError("two objects are " + key.toString() +
                                " once namespaces are defaulted");
    }
    // Hooks are created for each sync and cleaned up by their delete policies: not tracked,
    // so never pruned, and not compared.
    if (!sync::looksLikeHook(object)) setTracking(object, spec.name, key);
    out.push_back({type, std::move(key), std::move(object)});
  }
  return out;
}

void AppController::reconcile(const std::string& name) {
  auto rt = runtime(name);
  if (!rt) return;
  ManagedApp app;
  std::optional<AppRuntime::Pending> op;
  bool refresh = false;
  bool hard = false;
  {
    const std::lock_guard lock(rt->mutex);
    app = rt->app;
    op = std::exchange(rt->pending, std::nullopt);
    if (op) {
      rt->operating = true;
      rt->terminate = false;
      rt->starting = pendingOf(op->id, op->request);
    }
    refresh = std::exchange(rt->refresh, false) || op;
    hard = std::exchange(rt->hard_refresh, false);
  }
  const auto& spec = app.spec;
  auto log = logger_.with({{"app", name}});
  AppStatus status;
  if (auto previous = this->status(name)) status = *previous;
  status.conditions.clear();
  status.pending.reset();
  // An API operation ends in operationState whatever happens: one that could not start (the
  // revision does not resolve, the render fails ...) is an Error with the reason.
  const auto started_at = clock_.wallNow();
  auto finish = [&] {
    if (op) {
      if (status.operation.request_id != op->id) {
        status.operation = OperationState{};
        status.operation.request_id = op->id;
        status.operation.phase = "Error";
        status.operation.message = status.conditions.empty()
                                       ? std::string("the operation could not start")
                                       : status.conditions.back().message;
        status.operation.initiated_by = op->request.requested_by;
        status.operation.dry_run = op->request.dry_run;
        status.operation.started_at = started_at;
        status.operation.finished_at = clock_.wallNow();
      }
      rt->operating = false;
    }
    publish(name, status);
    if (op) {
      const std::lock_guard lock(rt->mutex);
      rt->starting.reset();
    }
  };
  if (!app.spec_error.empty()) {
    setCondition(status, "InvalidSpecError", app.spec_error);
    status.sync_status = "Unknown";
    return finish();
  }
  kube::KubeClient& client = *clusters_.at(app.cluster);
  LiveCache& live = *liveCacheFor(app.cluster);
  if (!rt->loaded_state) {
    if (auto state = store_.appState(name); state.ok() && state->has_value()) {
      rt->last_synced_revision = (*state)->last_synced_revision;
      rt->managed = {(*state)->managed_keys.begin(), (*state)->managed_keys.end()};
    }
    rt->loaded_state = true;
  }

  // 1. The commit and the rendered manifests; any failure keeps the last good state.
  if (refresh) (void)mirrors_.poll(spec.source.repo_url);  // failures are in the poll's log
  if (hard) rt->dry_runs.clear();
  const std::string& wanted_revision =
      op && !op->request.revision.empty() ? op->request.revision : spec.source.target_revision;
  auto commit = mirrors_.resolve(spec.source.repo_url, wanted_revision);
  if (!commit.ok()) {
    setCondition(status, "ComparisonError", commit.status().message());
    return finish();
  }
  core::Result<manifest::RenderedSource> rendered = core::internalError("not rendered");
  Status read = mirrors_.withMirror(spec.source.repo_url, [&](const git::Mirror& mirror) {
    git::MirrorTreeReader tree(mirror, *commit);
    manifest::RenderEnvironment render = options_.render;
    if (hard) render.cache = nullptr;
    rendered = manifest::renderSource(tree, sourceSpecOf(spec), render);
    return Status();
  });
  if (!read.ok() || !rendered.ok()) {
    setCondition(status, "ComparisonError", (!read.ok() ? read : rendered.status()).message());
    log.warn("comparison failed; nothing applied or pruned",
             {{"error", status.conditions.back().message}});
    return finish();
  }
  std::map<kube::GroupVersionKind, bool> namespaced_by_type;
  auto built = buildDesired(
      *rendered->manifests, spec,
      [&client](const kube::GroupVersionKind& type) -> core::Result<bool> {
        auto resource = client.resourceFor(type);
        if (!resource.ok()) return resource.status();
        return resource->namespaced;
      },
      namespaced_by_type);
  if (!built.ok()) {
    setCondition(status, "ComparisonError", built.status().message());
    log.warn("comparison failed; nothing applied or pruned", {{"error", built.status().message()}});
    // A kind not served yet may be a CRD being installed (by another application, or by the
    // rollout engine at start): compare again soon rather than at the next resync.
    if (built.status().code() == core::StatusCode::kNotFound) {
      queue_.addAfter(name, std::chrono::seconds(5));
    }
    return finish();
  }
  std::vector<Desired> desired = std::move(built).value();
  std::set<ResourceKey> desired_keys;
  for (const auto& item : desired) desired_keys.insert(item.key);
  status.revision = *commit;
  status.source_type = std::string(manifest::sourceTypeName(rendered->type));
  {
    // For the API: the render (shared with the render cache) and the scopes, not a copy.
    const std::lock_guard lock(rt->mutex);
    rt->rendered = rendered->manifests;
    rt->rendered_revision = *commit;
    rt->namespaced = namespaced_by_type;
  }

  // 2. Live state: watch every kind the application has now or had at its last sync.
  std::set<kube::GroupVersionKind> types;
  for (const auto& item : desired) types.insert(item.type);
  for (const auto& entry : rt->managed) {
    if (auto parsed = parseManagedEntry(entry)) types.insert(parsed->first);
  }
  std::set<kube::GroupVersionKind> unserved;
  for (const auto& type : types) {
    Status watched = live.ensure(type, options_.watch_sync_timeout);
    if (watched.code() == core::StatusCode::kNotFound) {
      unserved.insert(type);  // a CRD this sync creates, or one removed from the cluster
    } else if (!watched.ok()) {
      setCondition(status, "ComparisonError", watched.message());
      return finish();
    }
  }

  // 3. Compare: server-side dry-run apply of each desired object against its live state.
  diff::CompareOptions compare;
  compare.rules = ignoreRulesOf(spec);
  for (const auto& item : desired) {
    if (item.key.group == "argoproj.io" && item.key.kind == "Rollout") {
      const auto& ref =
          item.object.value("spec", Json::object()).value("workloadRef", Json::object());
      if (ref.value("kind", "") == "Deployment" && ref.contains("name")) {
        compare.rollout_owned.workload_ref_deployments.insert(
            {"apps", "Deployment", item.key.namespace_, ref.value("name", "")});
      }
    }
  }
  const bool needs_managed_fields = std::any_of(
      compare.rules.begin(), compare.rules.end(),
      [](const diff::IgnoreRule& rule) { return !rule.managed_fields_managers.empty(); });
  std::vector<sync::ResourceState> states;
  std::vector<health::Health> healths;
  status.resources.clear();
  bool drift = false;  // something a sync can fix
  std::map<std::string, Json> dry_runs;
  for (const auto& item : desired) {
    sync::ResourceState state;
    state.key = item.key;
    state.desired = item.object;
    state.namespaced = namespaced_by_type[item.type];
    if (sync::looksLikeHook(item.object)) {  // planned as hooks; nothing to compare
      if (!unserved.contains(item.type)) {
        state.live = live.get(item.type, item.key.namespace_, item.key.name);  // to re-create
      }
      states.push_back(std::move(state));
      continue;
    }
    ResourceStatus resource;
    resource.key = item.key;
    resource.version = item.type.version;
    kube::ObjectSnapshot current = unserved.contains(item.type)
                                       ? nullptr
                                       : live.get(item.type, item.key.namespace_, item.key.name);
    state.live = current;
    if (!current) {
      resource.status = "OutOfSync";
      resource.health = "Missing";
      healths.push_back({health::HealthStatus::kMissing, ""});
      state.out_of_sync = true;
    } else {
      if (const auto owner = owningApp(*current); owner && *owner != name) {
        // As Argo CD: a warning; syncing takes the object over (both apps keep trying).
        setCondition(status, "SharedResourceWarning",
                     item.key.toString() + " is also managed by application '" + *owner + "'");
      }
      const std::string rv = (*current)["metadata"].value("resourceVersion", "");
      const std::string cache_key = diff::desiredHash(item.object) + "|" + rv;
      Json predicted;
      if (const auto cached = rt->dry_runs.find(cache_key); cached != rt->dry_runs.end()) {
        predicted = cached->second;
      } else {
        kube::ApplyOptions dry_run;
        dry_run.force = true;
        dry_run.dry_run = true;
        auto result = client.apply(item.object, dry_run);
        if (result.ok())
          predicted = std::move(result).value();
        else
          resource.message = result.status().message();
      }
      if (!predicted.is_null()) {
        dry_runs[cache_key] = predicted;
        diff::CompareOptions options = compare;
        if (needs_managed_fields) {
          if (auto full = client.get({item.type, item.key.namespace_, item.key.name}); full.ok()) {
            options.live_managed_fields = (*full)["metadata"].value("managedFields", Json::array());
          }
        }
        auto result = diff::compareObjects(item.key, predicted, *current, options);
        state.out_of_sync = result.modified;
        if (result.modified) resource.diff = result.unified;
      } else {
        state.out_of_sync = true;
      }
      resource.status = state.out_of_sync ? "OutOfSync" : "Synced";
      if (health::hasHealthCheck(item.key.group, item.key.kind)) {
        const auto assessed = health::assessHealth(*current);
        resource.health = std::string(health::healthStatusName(assessed.status));
        resource.health_message = assessed.message;
        healths.push_back(assessed);
      }
    }
    drift = drift || state.out_of_sync;
    status.resources.push_back(std::move(resource));
    states.push_back(std::move(state));
  }
  rt->dry_runs = std::move(dry_runs);  // only entries still in use: bounded by the app's size
  const bool auto_prune = automatedOn(spec) && spec.sync_policy.automated->prune;
  bool prune_pending = false;
  bool deletion_pending = false;  // a prune candidate already being deleted: nothing to do
  std::set<ResourceKey> seen = desired_keys;
  for (const auto& ref : live.ownedBy(name)) {
    ResourceKey key{ref.type.group, ref.type.kind, ref.namespace_, ref.name};
    if (!seen.insert(key).second) continue;
    auto current = live.get(ref.type, ref.namespace_, ref.name);
    if (!current || sync::looksLikeHook(*current)) continue;
    // Already being deleted (a finalizer or foreground deletion still pending): shown, but
    // deleting it again would change nothing and count as a fight.
    const bool deleting = (*current)["metadata"].contains("deletionTimestamp");
    ResourceStatus resource;
    resource.key = key;
    resource.version = ref.type.version;
    resource.status = "OutOfSync";
    resource.requires_pruning = true;
    if (deleting) resource.message = "being deleted";
    status.resources.push_back(std::move(resource));
    if (deleting) {
      deletion_pending = true;
      continue;
    }
    sync::ResourceState state;
    state.key = key;
    state.live = current;
    state.namespaced = !ref.namespace_.empty();
    state.out_of_sync = true;
    states.push_back(std::move(state));
    prune_pending = true;
  }
  std::sort(status.resources.begin(), status.resources.end(),
            [](const ResourceStatus& a, const ResourceStatus& b) { return a.key < b.key; });
  status.sync_status = drift || prune_pending || deletion_pending ? "OutOfSync" : "Synced";
  const auto aggregated = health::aggregate(healths);
  status.health = std::string(health::healthStatusName(aggregated.status));
  status.health_message = aggregated.message;

  // What a successful sync leaves for the next reconcile and the next start.
  auto rememberSync = [&](const std::vector<sync::ResourceState>& synced) {
    rt->last_synced_revision = *commit;
    rt->managed.clear();
    for (const auto& item : desired) rt->managed.insert(managedEntry(item.type, item.key));
    for (const auto& state : synced) {
      if (!state.desired && state.live) {
        // Kept (not pruned): still ours, still to watch.
        const auto& object = *state.live;
        rt->managed.insert(managedEntry(
            kube::GroupVersionKind::fromApiVersion(object.value("apiVersion", ""), state.key.kind),
            state.key));
      }
    }
    AppState saved;
    saved.app = name;
    saved.last_synced_revision = *commit;
    saved.last_rendered_key = rendered->cache_key;
    saved.managed_keys = {rt->managed.begin(), rt->managed.end()};
    if (Status stored = store_.putAppState(saved); !stored.ok()) {
      log.error("saving the application's state failed", {{"error", stored.message()}});
    }
  };

  // 4a. An operation asked for through the API runs now, whatever the sync policy.
  if (op) {
    if (stopping_) return finish();
    const SyncRequest& request = op->request;
    std::vector<sync::ResourceState> selected;
    for (const auto& state : states) {
      const bool hook = state.desired && sync::looksLikeHook(*state.desired);
      if (request.resources.empty() ||
          (!hook && std::find(request.resources.begin(), request.resources.end(), state.key) !=
                        request.resources.end())) {
        selected.push_back(state);
      }
    }
    sync::PlanOptions plan_options;
    plan_options.prune = request.prune;
    plan_options.allow_empty = true;  // a person asked for exactly this
    plan_options.prune_last = spec.sync_policy.options.prune_last.value_or(false);
    plan_options.apply_out_of_sync_only =
        spec.sync_policy.options.apply_out_of_sync_only.value_or(false);
    plan_options.create_namespace = spec.sync_policy.options.create_namespace.value_or(false);
    plan_options.destination_namespace = spec.destination.namespace_;
    plan_options.revision = *commit;
    plan_options.operation_started = clock_.wallNow();
    SyncRun run;
    run.initiated_by = request.requested_by;
    run.automated = false;
    run.dry_run = request.dry_run;
    run.force = request.force;
    run.request_id = op->id;
    std::map<ResourceKey, std::string> applied_versions;
    auto outcome = executeSync(name, app, *rt, client, live, selected, plan_options, run, status,
                               applied_versions);
    if (!outcome.ok()) {
      setCondition(status, "SyncError", outcome.message());
    } else if (!request.dry_run) {
      rememberSync(selected);
      rt->failed_revision.clear();
      rt->failed_attempts = 0;
    }
    rt->expected = std::move(applied_versions);
    rt->expected_since = Clock::now();
    queue_.add(name);  // compare again (against the target revision)
    return finish();
  }

  // 4. Decide: automated sync once per revision; again for drift only with selfHeal.
  const bool fixable = drift || (prune_pending && auto_prune);
  // Expectations (as Kubernetes controllers keep them): right after a sync the watch cache may
  // not show what was applied yet; deciding on it would "heal" our own apply again and count
  // it as a fight. Until each applied object shows the version the apply returned (or
  // kExpectationTimeout passes), look again shortly instead of syncing.
  const auto now = Clock::now();
  if (fixable && !rt->expected.empty()) {
    std::map<ResourceKey, const sync::ResourceState*> by_key;
    for (const auto& state : states) by_key[state.key] = &state;
    bool stale = false;
    for (auto it = rt->expected.begin(); it != rt->expected.end();) {
      const auto found = by_key.find(it->first);
      if (found == by_key.end()) {  // not compared (the CreateNamespace namespace): no wait
        it = rt->expected.erase(it);
        continue;
      }
      const std::string live_version =
          found->second->live ? (*found->second->live)["metadata"].value("resourceVersion", "")
                              : std::string();
      if (atLeastVersion(live_version, it->second) ||
          now - rt->expected_since > kExpectationTimeout) {
        it = rt->expected.erase(it);
      } else {
        stale = true;
        ++it;
      }
    }
    if (stale) {
      queue_.addAfter(name, std::chrono::milliseconds(100));
      return finish();
    }
  }
  rt->expected.clear();
  if (!automatedOn(spec) || !fixable || stopping_) return finish();
  const bool new_revision = *commit != rt->last_synced_revision;
  if (!new_revision) {
    if (!spec.sync_policy.automated->self_heal) return finish();
    // Drift of an object soon after healing it means something fights back: heal k of such a
    // streak waits healDelay(k) (2 s, 6 s, 18 s ... 300 s) after the previous heal of that
    // object. Drift after a quiet period (the next delay plus the base) is healed at once and
    // starts a new streak. Streaks are per object, so unrelated changes never slow a heal.
    std::vector<ResourceKey> drifted;
    for (const auto& state : states) {
      if (state.out_of_sync && (state.desired || auto_prune)) drifted.push_back(state.key);
    }
    std::chrono::milliseconds wait{0};
    int streak = 0;
    for (const auto& key : drifted) {
      const auto found = rt->heals.find(key);
      if (found == rt->heals.end()) continue;
      const auto since = now - found->second.last;
      const auto next = healDelay(found->second.streak + 1, options_.self_heal_backoff,
                                  options_.self_heal_backoff_max);
      if (since < next) {
        wait = std::max(wait, std::chrono::duration_cast<std::chrono::milliseconds>(next - since));
        streak = std::max(streak, found->second.streak + 1);
      }
    }
    if (wait > std::chrono::milliseconds::zero()) {
      log.info("self-heal backing off: the live state keeps changing",
               {{"wait_ms", wait.count()}, {"streak", streak}});
      queue_.addAfter(name, wait);
      return finish();
    }
    for (const auto& key : drifted) {
      auto& heal = rt->heals[key];
      const bool fought = heal.last != Clock::time_point{} &&
                          now - heal.last < healDelay(heal.streak + 1, options_.self_heal_backoff,
                                                      options_.self_heal_backoff_max) +
                                                options_.self_heal_backoff;
      heal.streak = fought ? heal.streak + 1 : 0;
      heal.last = now;
    }
    self_heal_total_.labels({name}).inc();
    if (const auto found = events_.find(app.cluster); found != events_.end()) {
      std::string objects;
      for (std::size_t i = 0; i < drifted.size() && i < 5; ++i) {
        objects += (i == 0 ? "" : ", ") + drifted[i].toString();
      }
      if (drifted.size() > 5) objects += " and " + std::to_string(drifted.size() - 5) + " more";
      found->second->record(
          InvolvedObject::forApplication(name, spec.destination.namespace_), EventType::kNormal,
          event_reason::kSelfHeal,
          "live state drifted from " + commit->substr(0, 7) + "; re-applying " + objects);
    }
    // Forget objects healed long ago (bounded by the application's size anyway).
    std::erase_if(rt->heals, [&](const auto& item) {
      return now - item.second.last > options_.self_heal_backoff_max * 2;
    });
  } else if (rt->failed_revision == *commit) {
    // This revision failed before: again only per the retry policy, or with selfHeal (which
    // never gives up for good), not before the backoff set at the failure.
    const auto& retry = spec.sync_policy.retry;
    const bool retry_left = retry && (retry->limit < 0 || rt->failed_attempts <= retry->limit);
    if (!retry_left && !spec.sync_policy.automated->self_heal) return finish();
    if (now < rt->retry_not_before) {
      queue_.addAfter(
          name, std::chrono::duration_cast<std::chrono::milliseconds>(rt->retry_not_before - now));
      return finish();
    }
  }

  // 5. Sync.
  sync::PlanOptions plan_options;
  plan_options.prune = auto_prune;
  plan_options.allow_empty = spec.sync_policy.automated->allow_empty;
  plan_options.prune_last = spec.sync_policy.options.prune_last.value_or(false);
  plan_options.apply_out_of_sync_only =
      spec.sync_policy.options.apply_out_of_sync_only.value_or(false) || !new_revision;
  plan_options.create_namespace = spec.sync_policy.options.create_namespace.value_or(false);
  plan_options.destination_namespace = spec.destination.namespace_;
  plan_options.revision = *commit;
  plan_options.operation_started = clock_.wallNow();
  SyncRun run;
  run.initiated_by = new_revision ? "automated" : "automated (self-heal)";
  std::map<ResourceKey, std::string> applied_versions;
  rt->operating = true;
  rt->terminate = false;
  auto outcome = executeSync(name, app, *rt, client, live, states, plan_options, run, status,
                             applied_versions);
  rt->operating = false;
  if (outcome.ok()) {
    rememberSync(states);
    rt->failed_revision.clear();
    rt->failed_attempts = 0;
  } else {
    rt->failed_attempts = rt->failed_revision == *commit ? rt->failed_attempts + 1 : 1;
    rt->failed_revision = *commit;
    setCondition(status, "SyncError", outcome.message());
    std::chrono::milliseconds delay =
        healDelay(rt->failed_attempts, options_.self_heal_backoff, options_.self_heal_backoff_max);
    if (const auto& retry = spec.sync_policy.retry;
        retry && (retry->limit < 0 || rt->failed_attempts <= retry->limit)) {
      delay = std::chrono::duration_cast<std::chrono::milliseconds>(retry->backoff.duration);
      for (int i = 1; i < rt->failed_attempts; ++i) {
        delay = std::chrono::milliseconds(
            static_cast<long>(static_cast<double>(delay.count()) * retry->backoff.factor));
      }
      delay = std::min(delay, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  retry->backoff.max_duration));
    }
    rt->retry_not_before = Clock::now() + delay;
    log.warn("sync failed", {{"error", outcome.message()},
                             {"attempt", rt->failed_attempts},
                             {"next_attempt_in_ms", delay.count()}});
    queue_.addAfter(name, delay);
  }
  rt->expected = std::move(applied_versions);
  rt->expected_since = Clock::now();
  if (outcome.ok()) queue_.add(name);  // look again at once (watch events come too)
  finish();
}

namespace {

// How a hook or a wave's object stands while a sync waits for it.
enum class Wait { kDone, kPending, kFailed };

Wait waitState(const kube::ObjectSnapshot& object, std::string& message) {
  if (!object) return Wait::kPending;
  const auto group =
      kube::GroupVersionKind::fromApiVersion(object->value("apiVersion", ""), "").group;
  if (!health::hasHealthCheck(group, object->value("kind", ""))) return Wait::kDone;
  const auto assessed = health::assessHealth(*object);
  message = assessed.message;
  switch (assessed.status) {
    case health::HealthStatus::kHealthy:
    case health::HealthStatus::kSuspended:
      return Wait::kDone;
    case health::HealthStatus::kDegraded:
      return Wait::kFailed;
    default:
      return Wait::kPending;
  }
}

}  // namespace

core::Status AppController::waitFor(LiveCache& live, const AppRuntime& rt,
                                    const std::vector<kube::ObjectRef>& objects,
                                    std::chrono::milliseconds timeout, std::string_view what) {
  for (const auto& ref : objects) {
    if (Status watched = live.ensure(ref.type, options_.watch_sync_timeout); !watched.ok()) {
      return watched;
    }
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::vector<std::string> pending;
    for (const auto& ref : objects) {
      std::string message;
      const auto state = waitState(live.get(ref.type, ref.namespace_, ref.name), message);
      if (state == Wait::kFailed) {
        return core::Status(
            core::StatusCode::kInvalid,
            ref.toString() + " is Degraded" + (message.empty() ? std::string() : ": " + message));
      }
      if (state == Wait::kPending) pending.push_back(ref.toString());
    }
    if (pending.empty()) return {};
    if (stopping_) return core::Status(core::StatusCode::kCancelled, "gitopsd is stopping");
    if (rt.terminate) return core::Status(core::StatusCode::kCancelled, "terminated by request");
    if (Clock::now() >= deadline) {
      return core::Status(
          core::StatusCode::kTimeout,
          std::string(what) + " not healthy within " + std::to_string(timeout.count() / 1000) +
              " s: " + pending.front() +
              (pending.size() > 1 ? " and " + std::to_string(pending.size() - 1) + " more"
                                  : std::string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

core::Status AppController::executeSync(const std::string& name, const ManagedApp& app,
                                        AppRuntime& rt, kube::KubeClient& client, LiveCache& live,
                                        const std::vector<sync::ResourceState>& states,
                                        const sync::PlanOptions& plan_options, const SyncRun& run,
                                        AppStatus& status,
                                        std::map<ResourceKey, std::string>& applied_versions) {
  const std::string& commit = plan_options.revision;
  auto log = logger_.with({{"app", name}, {"revision", commit.substr(0, 7)}});
  // Events are written for real changes only, not for dry runs.
  EventRecorder* events = nullptr;
  if (const auto found = events_.find(app.cluster); found != events_.end() && !run.dry_run) {
    events = found->second.get();
  }
  const auto appEvent = [&](EventType type, std::string_view reason, const std::string& message) {
    if (events == nullptr) return;
    events->record(InvolvedObject::forApplication(name, app.spec.destination.namespace_), type,
                   reason, message);
  };
  std::int64_t sync_id = -1;
  if (!run.dry_run) {  // a dry run changes nothing, so it is no part of the history
    auto begun =
        store_.beginSync(name, commit, app.spec.source.path, run.initiated_by, run.automated);
    if (!begun.ok()) return begun.status();
    sync_id = *begun;
  }
  status.operation = OperationState{};
  status.operation.sync_id = sync_id;
  status.operation.request_id = run.request_id;
  status.operation.phase = "Running";
  status.operation.revision = commit;
  status.operation.initiated_by = run.initiated_by;
  status.operation.dry_run = run.dry_run;
  status.operation.started_at = clock_.wallNow();
  publish(name, status);
  appEvent(EventType::kNormal, event_reason::kSyncStarted,
           "sync to " + commit.substr(0, 7) + " started by " + run.initiated_by);
  {
    const std::lock_guard lock(rt.mutex);
    rt.starting.reset();
  }

  std::vector<ResourceResult>& results = status.operation.resources;
  auto conclude = [&](std::string phase, Status outcome) {
    status.operation.phase = phase;
    status.operation.message =
        outcome.ok() ? (run.dry_run ? "successfully synced (dry run)" : "successfully synced")
                     : outcome.message();
    status.operation.finished_at = clock_.wallNow();
    if (sync_id >= 0) {
      if (Status stored = store_.finishSync(name, sync_id, phase, status.operation.message,
                                            resultsJson(results));
          !stored.ok()) {
        log.error("recording the sync failed", {{"error", stored.message()}});
      }
      (void)store_.trimHistory(name, StateStore::kDefaultHistoryLimit);
    }
    sync_total_.labels({name, phase}).inc();
    appEvent(outcome.ok() ? EventType::kNormal : EventType::kWarning,
             outcome.ok() ? event_reason::kSyncSucceeded : event_reason::kSyncFailed,
             "sync to " + commit.substr(0, 7) + " " + phase + ": " + status.operation.message);
    log.info(
        "sync finished",
        {{"phase", phase}, {"message", status.operation.message}, {"objects", results.size()}});
    return outcome;
  };

  auto plan = sync::planSync(states, plan_options);
  if (!plan.ok()) return conclude("Failed", plan.status());
  log.info("sync started",
           {{"by", run.initiated_by}, {"tasks", plan->tasks.size()}, {"dry_run", run.dry_run}});
  kube::DeleteOptions prune_options;
  prune_options.propagation_policy = "Foreground";
  if (const auto& policy = app.spec.sync_policy.options.prune_propagation_policy) {
    prune_options.propagation_policy =
        *policy == config::PropagationPolicy::kBackground ? "Background"
        : *policy == config::PropagationPolicy::kOrphan   ? "Orphan"
                                                          : "Foreground";
  }
  const bool respect_ignored =
      app.spec.sync_policy.options.respect_ignore_differences.value_or(false);
  const std::vector<diff::IgnoreRule> rules = ignoreRulesOf(app.spec);
  auto runTask = [&](const sync::SyncTask& task, std::vector<kube::ObjectRef>& wait_for,
                     std::vector<kube::ObjectRef>& hooks) -> Status {
    auto ref = kube::ObjectRef::of(task.object);
    if (!ref.ok()) return ref.status();
    switch (task.action) {
      case sync::Action::kApply: {
        kube::ApplyOptions apply;
        apply.force = true;
        apply.dry_run = run.dry_run;
        kube::Object object = task.object;
        // What the rollout engine steps (weights, subset hashes, selectors) keeps its live value.
        if (task.live) diff::keepRolloutOwnedLiveValues(task.key, object, *task.live);
        if (respect_ignored && task.live) {
          if (Status kept = diff::keepIgnoredLiveValues(object, *task.live, task.key, rules);
              !kept.ok()) {
            return kept;
          }
        }
        auto applied = client.apply(object, apply);
        if (!applied.ok() && run.force && task.live &&
            applied.status().code() == core::StatusCode::kInvalid) {
          // --force: an object the server refuses to change in place (an immutable field) is
          // deleted and created again.
          kube::DeleteOptions recreate;
          recreate.propagation_policy = "Background";
          recreate.dry_run = run.dry_run;
          if (Status removed = client.remove(*ref, recreate);
              !removed.ok() && removed.code() != core::StatusCode::kNotFound) {
            return removed;
          }
          applied = client.apply(object, apply);
        }
        if (!applied.ok()) return applied.status();
        if (run.dry_run) return {};
        applied_versions[task.key] = (*applied)["metadata"].value("resourceVersion", "");
        if (events != nullptr) {
          events->record(
              InvolvedObject::forObject(*applied), EventType::kNormal,
              task.live ? event_reason::kResourceUpdated : event_reason::kResourceCreated,
              std::string(task.live ? "updated" : "created") + " by application " + name + " at " +
                  commit.substr(0, 7));
        }
        wait_for.push_back(*ref);
        return {};
      }
      case sync::Action::kPrune: {
        if (task.requires_confirmation) return {};  // Prune=confirm: left for a person
        kube::DeleteOptions options = prune_options;
        options.dry_run = run.dry_run;
        Status removed = client.remove(*ref, options);
        if (removed.ok() && events != nullptr && task.live) {
          events->record(
              InvolvedObject::forObject(*task.live), EventType::kNormal,
              event_reason::kResourceDeleted,
              "pruned by application " + name + ": no longer in Git at " + commit.substr(0, 7));
        }
        return removed.code() == core::StatusCode::kNotFound ? Status() : removed;
      }
      case sync::Action::kDeleteHookBefore: {
        if (run.dry_run) return {};  // hooks do not run in a dry run
        kube::DeleteOptions options;
        options.propagation_policy = "Background";
        Status removed = client.remove(*ref, options);
        return removed.code() == core::StatusCode::kNotFound ? Status() : removed;
      }
      case sync::Action::kCreateHook: {
        if (run.dry_run) return {};
        kube::ApplyOptions apply;
        apply.force = true;
        auto applied = client.apply(task.object, apply);
        if (!applied.ok()) return applied.status();
        hooks.push_back(*ref);
        return {};
      }
    }
    return {};
  };
  auto deleteHooks = [&](const std::vector<const sync::SyncTask*>& tasks, bool succeeded) {
    for (const auto* task : tasks) {
      if (task->action != sync::Action::kCreateHook) continue;
      if (!task->hasDeletePolicy(succeeded ? sync::HookDeletePolicy::kHookSucceeded
                                           : sync::HookDeletePolicy::kHookFailed)) {
        continue;
      }
      if (auto ref = kube::ObjectRef::of(task->object); ref.ok()) {
        kube::DeleteOptions options;
        options.propagation_policy = "Background";
        (void)client.remove(*ref, options);
      }
    }
  };
  auto runSyncFail = [&] {
    std::vector<kube::ObjectRef> ignored;
    std::vector<kube::ObjectRef> hooks;
    for (const auto& task : plan->sync_fail) {
      if (Status done = runTask(task, ignored, hooks); !done.ok()) {
        log.warn("SyncFail hook failed",
                 {{"object", task.key.toString()}, {"error", done.message()}});
      }
    }
  };

  const auto steps = plan->steps();
  for (std::size_t step = 0; step < steps.size(); ++step) {
    const auto [phase, wave] = steps[step];
    const auto tasks = plan->tasksOf(phase, wave);
    std::vector<kube::ObjectRef> wait_for;
    std::vector<kube::ObjectRef> hooks;
    for (const auto* task : tasks) {
      if (stopping_) {
        return conclude("Terminated",
                        Status(core::StatusCode::kCancelled, "gitopsd stopped during the sync"));
      }
      if (rt.terminate) {
        return conclude("Terminated", Status(core::StatusCode::kCancelled,
                                             "terminated by request during the sync"));
      }
      Status done = runTask(*task, wait_for, hooks);
      results.push_back({task->key, std::string(sync::actionName(task->action)),
                         done.ok() ? std::string(run.dry_run ? "dry run" : "done") : done.message(),
                         done.ok()});
      if (!done.ok()) {
        runSyncFail();
        return conclude("Failed", done.withContext(task->key.toString()));
      }
    }
    if (!hooks.empty()) {
      Status hooks_done = waitFor(live, rt, hooks, options_.hook_timeout, "hooks");
      deleteHooks(tasks, hooks_done.ok());
      if (!hooks_done.ok()) {
        if (hooks_done.code() == core::StatusCode::kCancelled) {
          return conclude("Terminated", hooks_done);
        }
        runSyncFail();
        return conclude("Failed", hooks_done);
      }
    }
    if (step + 1 < steps.size() && !wait_for.empty()) {
      Status healthy =
          waitFor(live, rt, wait_for, options_.wave_timeout,
                  "wave " + std::to_string(wave) + " of " + std::string(sync::phaseName(phase)));
      if (!healthy.ok()) {
        if (healthy.code() == core::StatusCode::kCancelled) return conclude("Terminated", healthy);
        runSyncFail();
        return conclude("Failed", healthy);
      }
    }
  }
  return conclude("Succeeded", {});
}

}  // namespace gitopsd::app
