// The daemon at scale: 1,000 applications × 10 ConfigMaps from one repository on the sandbox
// cluster (tests/cluster/up) and the test Git servers (tests/git/up).
//
// Measures, with the real gitopsd binary as a child process:
// - time to first full sync: from start until every application's status file says Synced;
// - steady state with no changes (60 s after a 15 s settle): CPU as a share of one core (from
//   /proc/PID/stat), RSS, and the writes to the apiserver (apiserver_request_total for
//   ConfigMaps with verbs POST/PUT/PATCH/DELETE, read from /metrics before and after; nothing
//   else writes ConfigMaps in the sandbox). Targets: under 1% of a core, zero writes, RSS under
//   150 MiB;
// - drift-to-heal latency: 20 trials, each changing one ConfigMap of a different application
//   with a merge patch and polling (2 ms) until gitopsd has put it back; p50 and p99;
// - the same for Deployments (one more application of 20): scaled to 3 by hand (reverted to
//   1) and deleted by hand (recreated), 20 trials each, each on another Deployment.
// Usage: app_sync_bench CLUSTER_ENV GIT_ENV GITOPSD_BINARY
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "bench_support.h"

namespace {

namespace fs = std::filesystem;
using gitopsd::bench::progress;
using gitopsd::bench::secondsSince;
using Clock = std::chrono::steady_clock;

constexpr int kApps = 1000;
constexpr int kObjectsPerApp = 10;
constexpr int kHealTrials = 20;

long cpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  long utime = 0;
  long stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) {
      stime = std::stol(field);
      break;
    }
  }
  return utime + stime;
}

// Sum of apiserver_request_total for ConfigMap writes, from the apiserver's /metrics.
double configMapWrites(const std::map<std::string, std::string>& env) {
  const std::string command = "curl -sf --cacert '" + env.at("CA_FILE") +
                              "' -H 'Authorization: Bearer " + env.at("ADMIN_TOKEN") + "' '" +
                              env.at("APISERVER_URL") + "/metrics'";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  double total = 0;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    const std::string line = buffer;
    if (line.rfind("apiserver_request_total{", 0) != 0) continue;
    if (line.find("resource=\"configmaps\"") == std::string::npos) continue;
    const bool write = line.find("verb=\"POST\"") != std::string::npos ||
                       line.find("verb=\"PUT\"") != std::string::npos ||
                       line.find("verb=\"PATCH\"") != std::string::npos ||
                       line.find("verb=\"DELETE\"") != std::string::npos ||
                       line.find("verb=\"APPLY\"") != std::string::npos;
    if (write) total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  pclose(pipe);
  return total;
}

int syncedApps(const fs::path& status_dir) {
  int synced = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(status_dir, error)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const auto status = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (status.is_object() && status["sync"].value("status", "") == "Synced") ++synced;
  }
  return synced;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s CLUSTER_ENV GIT_ENV GITOPSD_BINARY\n", argv[0]);
    return 2;
  }
  const auto cluster = gitopsd::bench::loadSandboxEnv(2, argv);
  const auto git = gitopsd::bench::loadGitEnv(argc, argv, 2);
  const std::string gitopsd_binary = argv[3];
  auto client =
      gitopsd::bench::makeClientOrExit(gitopsd::bench::sandboxConfig(cluster, 1000, 1000));
  const fs::path scratch =
      fs::temp_directory_path() / ("gitopsd-bench-apps-" + gitopsd::bench::randomSuffix());
  const std::string repo_name = "bench-apps-" + gitopsd::bench::randomSuffix();
  const fs::path bare = fs::path(git.at("GIT_REPOS_DIR")) / (repo_name + ".git");
  const std::string url = git.at("GIT_DAEMON_URL") + "/" + repo_name + ".git";
  const std::string git_cli = "env -u GIT_SSL_CAINFO -u GIT_CONFIG_GLOBAL git";

  progress("writing " + std::to_string(kApps) + " applications × " +
           std::to_string(kObjectsPerApp) + " ConfigMaps and pushing them to " + url);
  const fs::path work = scratch / "work";
  gitopsd::bench::writeManifestRepository(work.string(), kApps, kObjectsPerApp);
  // One more application of kHealTrials Deployments for the Deployment heal trials.
  fs::create_directories(work / "deployments");
  for (int i = 0; i < kHealTrials; ++i) {
    std::ofstream(work / "deployments" / ("web-" + std::to_string(i) + ".yaml"))
        << "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-" << i
        << "\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web-" << i
        << "}\n  template:\n    metadata:\n      labels: {app: web-" << i
        << "}\n    spec:\n      containers:\n      - name: web\n        image: "
           "registry.example/web:1.0\n";
  }
  gitopsd::bench::runOrExit(git_cli + " init -q --bare -b main " + bare.string() + " && touch " +
                            bare.string() + "/git-daemon-export-ok");
  gitopsd::bench::runOrExit("cd " + work.string() + " && " + git_cli + " init -q -b main && " +
                            git_cli + " add -A && " + git_cli +
                            " -c user.name=bench -c user.email=bench@localhost commit -q -m apps"
                            " && " +
                            git_cli + " push -q " + bare.string() + " main");
  const fs::path apps_dir = scratch / "apps.d";
  fs::create_directories(apps_dir);
  for (int i = 0; i < kApps; ++i) {
    std::ofstream(apps_dir / ("app-" + std::to_string(i) + ".yaml"))
        << "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app-" << i
        << "}\nspec:\n  source: {repoURL: '" << url
        << "', targetRevision: main, path: " << gitopsd::bench::folderName(i)
        << "}\n  destination: {server: https://kubernetes.default.svc, namespace: bench}\n"
           "  syncPolicy: {automated: {prune: true, selfHeal: true}, syncOptions: "
           "[CreateNamespace=true]}\n";
  }
  std::ofstream(apps_dir / "deployments.yaml")
      << "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: deployments}\n"
         "spec:\n  source: {repoURL: '"
      << url
      << "', targetRevision: main, path: deployments}\n"
         "  destination: {server: https://kubernetes.default.svc, namespace: bench-heal}\n"
         "  syncPolicy: {automated: {prune: true, selfHeal: true}, syncOptions: "
         "[CreateNamespace=true]}\n";
  const fs::path config = scratch / "gitopsd.yaml";
  std::ofstream(config) << "cluster: {kubeconfig: " << cluster.at("KUBECONFIG")
                        << ", context: sandbox, qps: 200, burst: 400}\n"
                        << "paths: {cache: " << (scratch / "cache").string()
                        << ", state: " << (scratch / "state").string() << "}\n"
                        << "listen: {address: '127.0.0.1:" << gitopsd::bench::freePort() << "'}\n"
                        << "reconcile: {workers: 4}\napplicationDirs: [" << apps_dir.string()
                        << "]\n";

  progress("starting gitopsd; waiting until all " + std::to_string(kApps) +
           " applications are Synced");
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string log = (scratch / "gitopsd.log").string();
    std::freopen(log.c_str(), "w", stderr);
    execl(gitopsd_binary.c_str(), gitopsd_binary.c_str(), "--config", config.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  const fs::path status_dir = scratch / "state" / "status";
  int synced = 0;
  int last_reported = -1;
  while ((synced = syncedApps(status_dir)) < kApps + 1) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) {
      std::fprintf(stderr, "gitopsd exited; log: %s\n", (scratch / "gitopsd.log").c_str());
      return 1;
    }
    if (secondsSince(start) > 1800) {
      std::fprintf(stderr, "only %d of %d applications Synced after 30 minutes\n", synced, kApps);
      kill(pid, SIGTERM);
      return 1;
    }
    if (synced / 100 != last_reported) {
      last_reported = synced / 100;
      progress("  synced " + std::to_string(synced) + "/" + std::to_string(kApps) + " after " +
               std::to_string(static_cast<int>(secondsSince(start))) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const double first_sync = secondsSince(start);

  progress("steady state: settling 15 s, then measuring 60 s");
  std::this_thread::sleep_for(std::chrono::seconds(15));
  const double writes_before = configMapWrites(cluster);
  const long ticks_before = cpuTicks(pid);
  const auto steady_start = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(60));
  const double steady_seconds = secondsSince(steady_start);
  const double cpu_share = static_cast<double>(cpuTicks(pid) - ticks_before) /
                           static_cast<double>(sysconf(_SC_CLK_TCK)) / steady_seconds;
  const double writes = configMapWrites(cluster) - writes_before;
  const double rss = gitopsd::bench::vmRssMiB(pid);

  progress("drift-to-heal: " + std::to_string(kHealTrials) + " trials");
  std::vector<double> heal_ms;
  for (int trial = 0; trial < kHealTrials; ++trial) {
    const int app = trial * (kApps / kHealTrials);
    const std::string name = "cm-" + std::to_string(app) + "-0";
    const gitopsd::kube::ObjectRef ref{{"", "v1", "ConfigMap"}, "bench", name};
    const auto patched_at = Clock::now();
    auto patched =
        client->patch(ref, gitopsd::kube::PatchType::kJsonMerge, R"({"data":{"index":"drifted"}})");
    if (!patched.ok()) {
      std::fprintf(stderr, "patch %s: %s\n", name.c_str(), patched.status().toString().c_str());
      continue;
    }
    for (;;) {
      auto live = client->get(ref);
      if (live.ok() && (*live)["data"].value("index", "") == "0") break;
      if (secondsSince(patched_at) > 60) {
        std::fprintf(stderr, "%s not healed within 60 s\n", name.c_str());
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    heal_ms.push_back(secondsSince(patched_at) * 1000);
  }

  // Deployments (each trial on another one, so no self-heal backoff applies): scaled by hand,
  // then deleted by hand; timed until gitopsd has put each back.
  std::vector<double> scale_ms;
  std::vector<double> delete_ms;
  auto waitUntil = [&](const gitopsd::kube::ObjectRef& ref,
                       const std::function<bool(const gitopsd::kube::Object&)>& healed) {
    const auto started = Clock::now();
    for (;;) {
      auto live = client->get(ref);
      if (live.ok() && healed(*live)) return secondsSince(started) * 1000;
      if (secondsSince(started) > 60) {
        std::fprintf(stderr, "%s not healed within 60 s\n", ref.toString().c_str());
        return 60'000.0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  progress("Deployment heal: " + std::to_string(kHealTrials) + " scale and " +
           std::to_string(kHealTrials) + " delete trials");
  for (int i = 0; i < kHealTrials; ++i) {
    const gitopsd::kube::ObjectRef ref{
        {"apps", "v1", "Deployment"}, "bench-heal", "web-" + std::to_string(i)};
    if (!client->patch(ref, gitopsd::kube::PatchType::kJsonMerge, R"({"spec":{"replicas":3}})")
             .ok()) {
      continue;
    }
    scale_ms.push_back(
        waitUntil(ref, [](const auto& live) { return live["spec"].value("replicas", 0) == 1; }));
  }
  for (int i = 0; i < kHealTrials; ++i) {
    const gitopsd::kube::ObjectRef ref{
        {"apps", "v1", "Deployment"}, "bench-heal", "web-" + std::to_string(i)};
    auto before = client->get(ref);
    if (!before.ok() || !client->remove(ref).ok()) continue;
    const std::string old_uid = (*before)["metadata"].value("uid", "");
    delete_ms.push_back(waitUntil(
        ref, [&](const auto& live) { return live["metadata"].value("uid", "") != old_uid; }));
  }

  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::printf("\napp sync benchmark: %d applications × %d ConfigMaps, one repository\n", kApps,
              kObjectsPerApp);
  std::printf("  time to first full sync        %8.1f s\n", first_sync);
  std::printf("  steady CPU (60 s, no changes)  %8.2f %% of a core  (target < 1%%)  %s\n",
              cpu_share * 100, cpu_share < 0.01 ? "MET" : "NOT MET");
  std::printf("  steady writes to the apiserver %8.0f            (target 0)  %s\n", writes,
              writes == 0 ? "MET" : "NOT MET");
  std::printf("  RSS                            %8.1f MiB      (target < 150 MiB)  %s\n", rss,
              rss < 150 ? "MET" : "NOT MET");
  std::printf("  drift-to-heal p50 / p99        %8.0f / %.0f ms  (%zu trials)\n",
              gitopsd::bench::percentile(heal_ms, 0.5), gitopsd::bench::percentile(heal_ms, 0.99),
              heal_ms.size());
  std::printf("  Deployment scaled, reverted p50 / p99  %5.0f / %.0f ms  (%zu trials)\n",
              gitopsd::bench::percentile(scale_ms, 0.5), gitopsd::bench::percentile(scale_ms, 0.99),
              scale_ms.size());
  std::printf("  Deployment deleted, recreated p50 / p99 %4.0f / %.0f ms  (%zu trials)\n",
              gitopsd::bench::percentile(delete_ms, 0.5),
              gitopsd::bench::percentile(delete_ms, 0.99), delete_ms.size());
  progress("deleting namespaces bench and bench-heal (Background, not waiting)");
  gitopsd::bench::deleteNamespace(*client, "bench");
  gitopsd::bench::deleteNamespace(*client, "bench-heal");
  std::error_code ignored;
  fs::remove_all(scratch, ignored);
  fs::remove_all(bare, ignored);
  return 0;
}
