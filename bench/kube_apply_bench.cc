// Server-side apply throughput against the sandbox apiserver (tests/cluster/up), one run:
//   ours     1,000 new ConfigMaps through kube::makeRestClient(...)->apply() on 16 threads, timed
//            end to end including client construction and discovery; the client's rate limit
//            is raised to 5000 qps / 5000 burst so that it measures the client, not the limit.
//   no-op    the same 1,000 again through the same client (all unchanged).
//   kubectl  the same 1,000 (another namespace) from one multi-document file with
//            `kubectl apply --server-side -f FILE`, timed end to end.
//   ceiling  the same 1,000 SSA PATCH requests (fresh names each run) sent with raw libcurl,
//            one keep-alive handle per thread (HTTP/2 over TLS when offered), 8/16/32/64
//            threads; the best objects/s is the apiserver's limit for this machine.
// Targets: kubectl/ours >= 3, ours/ceiling <= 1.3 (time ratios). Usage: CLUSTER_ENV or
// $SANDBOX_ENV. Namespaces bench-{apply,kubectl,raw}-<random> are deleted at the end.
#include <curl/curl.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "bench_support.h"

namespace {

using gitopsd::bench::progress;
using gitopsd::bench::RunStats;

constexpr int kObjects = 1000;
constexpr int kThreads = 16;
constexpr double kQps = 5000;
constexpr int kBurst = 5000;

std::string cmName(const std::string& prefix, int index) {
  return prefix + "cm-" + std::to_string(index);
}

// Runs argv with stdout to /dev/null; returns the exit status (-1 if it could not run).
int runQuiet(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDOUT_FILENO);
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Raw libcurl: what one handle per thread needs to send SSA PATCHes.
struct RawTarget {
  std::string base;  // APISERVER_URL + "/api/v1/namespaces/<ns>/configmaps/"
  std::string ca_file;
  std::string token;
};

struct RawSession {
  struct Free {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
  };
  std::unique_ptr<CURL, Free> handle;
  std::unique_ptr<curl_slist, Free> headers;
  std::string body;
};

size_t collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::atomic<long> raw_http_version{0};

// One SSA PATCH on this thread's handle (created and configured on first use).
std::string rawApply(const RawTarget& target, const std::string& ns, const std::string& name,
                     int index) {
  thread_local RawSession session;
  if (!session.handle) {
    session.handle.reset(curl_easy_init());
    CURL* h = session.handle.get();
    curl_slist* list =
        curl_slist_append(nullptr, ("Authorization: Bearer " + target.token).c_str());
    list = curl_slist_append(list, "Content-Type: application/apply-patch+yaml");
    list = curl_slist_append(list, "Accept: application/json");
    session.headers.reset(list);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(h, CURLOPT_CAINFO, target.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PATCH");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &session.body);
  }
  CURL* h = session.handle.get();
  const std::string url = target.base + name + "?fieldManager=bench-raw";
  const std::string patch = gitopsd::bench::makeConfigMap(ns, name, index).dump();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, patch.c_str());
  session.body.clear();
  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) return std::string("curl: ") + curl_easy_strerror(code);
  long status = 0;
  long version = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
  raw_http_version.store(version);
  if (status < 200 || status > 299) return "HTTP " + std::to_string(status) + ": " + session.body;
  return {};
}

void reportFailures(const std::string& what, const RunStats& stats) {
  if (stats.failures > 0) {
    std::printf("  !! %s: %d of %d failed; first: %s\n", what.c_str(), stats.failures, kObjects,
                stats.first_error.c_str());
  }
}

void printRow(const std::string& what, double seconds) {
  std::printf("  %-44s %8.3f s %9.0f objects/s\n", what.c_str(), seconds, kObjects / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const auto env = gitopsd::bench::loadSandboxEnv(argc, argv);
  const auto config = gitopsd::bench::sandboxConfig(env, kQps, kBurst);
  const std::string suffix = gitopsd::bench::randomSuffix();
  const std::string ns_ours = "bench-apply-" + suffix;
  const std::string ns_kubectl = "bench-kubectl-" + suffix;
  const std::string ns_raw = "bench-raw-" + suffix;

  auto admin = gitopsd::bench::makeClientOrExit(config);
  progress("creating namespaces " + ns_ours + ", " + ns_kubectl + ", " + ns_raw);
  for (const auto& ns : {ns_ours, ns_kubectl, ns_raw}) gitopsd::bench::createNamespace(*admin, ns);

  // a. Ours, end to end: client construction, discovery, 1,000 applies.
  progress("ours: applying " + std::to_string(kObjects) + " ConfigMaps on " +
           std::to_string(kThreads) + " threads");
  const auto ours_start = std::chrono::steady_clock::now();
  auto client = gitopsd::bench::makeClientOrExit(config);
  RunStats ours = gitopsd::bench::runParallel("ours", kObjects, kThreads, [&](int i) {
    auto applied = client->apply(gitopsd::bench::makeConfigMap(ns_ours, cmName("", i), i));
    return applied.ok() ? std::string() : applied.status().toString();
  });
  ours.seconds = gitopsd::bench::secondsSince(ours_start);

  progress("ours: re-applying the same " + std::to_string(kObjects) + " (no-op)");
  const RunStats noop = gitopsd::bench::runParallel("no-op", kObjects, kThreads, [&](int i) {
    auto applied = client->apply(gitopsd::bench::makeConfigMap(ns_ours, cmName("", i), i));
    return applied.ok() ? std::string() : applied.status().toString();
  });

  // b. kubectl on one multi-document file.
  const std::string file = "/tmp/gitopsd-bench-apply-" + suffix + ".yaml";
  {
    std::ofstream out(file);
    for (int i = 0; i < kObjects; ++i) {
      out << "---\n" << gitopsd::bench::makeConfigMap(ns_kubectl, cmName("", i), i).dump() << "\n";
    }
  }
  progress("kubectl: apply --server-side -f " + file);
  const auto kubectl_start = std::chrono::steady_clock::now();
  const int kubectl_exit = runQuiet({env.at("KUBECTL"), "--kubeconfig", env.at("KUBECONFIG"),
                                     "apply", "--server-side", "-f", file});
  const double kubectl_seconds = gitopsd::bench::secondsSince(kubectl_start);
  std::remove(file.c_str());

  // c. The ceiling: raw parallel SSA PATCHes, fresh names per run.
  const RawTarget raw{env.at("APISERVER_URL") + "/api/v1/namespaces/" + ns_raw + "/configmaps/",
                      env.at("CA_FILE"), env.at("ADMIN_TOKEN")};
  struct RawRun {
    int threads;
    RunStats stats;
  };
  std::vector<RawRun> raw_runs;
  for (const int threads : {8, 16, 32, 64}) {
    const std::string count_text = std::to_string(threads);
    progress("ceiling: raw libcurl SSA PATCH with " + count_text + " threads");
    const std::string prefix = std::string("t").append(count_text).append("-");
    raw_runs.push_back(
        {threads, gitopsd::bench::runParallel("raw x" + count_text, kObjects, threads, [&](int i) {
           return rawApply(raw, ns_raw, cmName(prefix, i), i);
         })});
  }

  progress("counting objects");
  auto count = [&](const std::string& ns) {
    gitopsd::kube::ListOptions options;
    options.label_selector = "app=gitopsd-bench";
    auto list = admin->list({"", "v1", "ConfigMap"}, ns, options);
    return list.ok() ? static_cast<long>(list->items.size()) : -1L;
  };
  const long ours_count = count(ns_ours);
  const long kubectl_count = count(ns_kubectl);
  const long raw_count = count(ns_raw);

  progress("deleting namespaces (Background, not waiting)");
  for (const auto& ns : {ns_ours, ns_kubectl, ns_raw}) gitopsd::bench::deleteNamespace(*admin, ns);

  const RawRun* best = &raw_runs.front();
  for (const auto& run : raw_runs) {
    if (run.stats.seconds < best->stats.seconds) best = &run;
  }
  const double ceiling = best->stats.seconds;
  std::printf("\nkube apply benchmark: %d small ConfigMaps, server-side apply, sandbox apiserver\n",
              kObjects);
  std::printf("  (ours: %d threads, client rate limit raised to %.0f qps / %d burst)\n", kThreads,
              kQps, kBurst);
  printRow("ours (client + discovery + applies)", ours.seconds);
  printRow("ours, no-op re-apply (all unchanged)", noop.seconds);
  printRow("kubectl apply --server-side -f (exit " + std::to_string(kubectl_exit) + ")",
           kubectl_seconds);
  for (const auto& run : raw_runs) {
    printRow("raw libcurl, " + std::to_string(run.threads) + " threads", run.stats.seconds);
  }
  printRow("ceiling (best raw: " + std::to_string(best->threads) + " threads, HTTP/" +
               (raw_http_version.load() == CURL_HTTP_VERSION_2_0 ? "2" : "1.1") + ")",
           ceiling);
  const double kubectl_ratio = kubectl_seconds / ours.seconds;
  const double ceiling_ratio = ours.seconds / ceiling;
  std::printf("  kubectl/ours time ratio  %5.2fx  (target >= 3.00x)  %s\n", kubectl_ratio,
              kubectl_ratio >= 3 ? "MET" : "NOT MET");
  std::printf("  ours/ceiling time ratio  %5.2fx  (target <= 1.30x)  %s\n", ceiling_ratio,
              ceiling_ratio <= 1.3 ? "MET" : "NOT MET");
  std::printf("  objects present: ours %ld/%d, kubectl %ld/%d, raw %ld/%d\n", ours_count, kObjects,
              kubectl_count, kObjects, raw_count, kObjects * 4);
  reportFailures("ours", ours);
  reportFailures("no-op", noop);
  for (const auto& run : raw_runs) reportFailures("raw x" + std::to_string(run.threads), run.stats);
  if (kubectl_exit != 0) std::printf("  !! kubectl exited with %d\n", kubectl_exit);
  return 0;
}
