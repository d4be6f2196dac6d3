// Memory and sync time of the watch cache (kube::Informer) on 20,000 small ConfigMaps in one
// namespace of the sandbox apiserver (tests/cluster/up).
//
// The parent process creates the ConfigMaps (our client, 32 threads), then runs the
// measurement in a fresh child process (this program re-executed with --measure), so heap
// left over from creating them cannot hide the cache's growth. The child builds a client,
// does discovery, reads VmRSS, starts an Informer on the namespace (page_size 500, managed
// fields dropped), waits for sync and reads VmRSS again: growth = the cache plus whatever the
// allocator kept from listing. Target: growth under 80 MiB. The parent deletes the namespace
// (Background, not waiting). Usage: CLUSTER_ENV or $SANDBOX_ENV.
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "bench_support.h"
#include "kube/informer.h"

namespace {

using gitopsd::bench::progress;

constexpr int kObjects = 20'000;
constexpr int kCreateThreads = 32;
constexpr double kTargetMiB = 80;

int measure(const std::map<std::string, std::string>& env, const std::string& ns) {
  auto client = gitopsd::bench::makeClientOrExit(gitopsd::bench::sandboxConfig(env, 5000, 5000));
  if (auto resource = client->resourceFor({"", "v1", "ConfigMap"}); !resource.ok()) {
    std::fprintf(stderr, "discovery: %s\n", resource.status().toString().c_str());
    return 1;
  }
  malloc_trim(0);
  const double before = gitopsd::bench::vmRssMiB();
  progress("informer: listing and watching " + ns);
  gitopsd::kube::InformerOptions options;
  options.namespace_ = ns;
  gitopsd::kube::Informer informer(*client, {"", "v1", "ConfigMap"}, options,
                                   gitopsd::bench::benchLogger());
  const auto start = std::chrono::steady_clock::now();
  informer.start();
  if (!informer.waitForSync(std::chrono::minutes(5))) {
    std::fprintf(stderr, "informer did not sync within 5 minutes\n");
    return 1;
  }
  const double sync_seconds = gitopsd::bench::secondsSince(start);
  const double after = gitopsd::bench::vmRssMiB();
  malloc_trim(0);
  const double trimmed = gitopsd::bench::vmRssMiB();
  const size_t objects = informer.size();
  const double growth = after - before;
  std::printf("\nwatch cache benchmark: Informer on one namespace of %d small ConfigMaps\n",
              kObjects);
  std::printf("  objects in cache            %8zu\n", objects);
  std::printf("  time to sync (list + start)  %8.3f s\n", sync_seconds);
  std::printf("  VmRSS before / after sync    %8.1f / %.1f MiB\n", before, after);
  std::printf(
      "  cache RSS growth             %8.1f MiB  (%.0f bytes/object; target < %.0f MiB)  %s\n",
      growth, growth * 1024 * 1024 / static_cast<double>(objects ? objects : 1), kTargetMiB,
      growth < kTargetMiB ? "MET" : "NOT MET");
  std::printf("  growth after malloc_trim(0)  %8.1f MiB  (what stays once free heap is released)\n",
              trimmed - before);
  informer.stop();
  return objects == static_cast<size_t>(kObjects) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--measure") == 0) {
    char* env_argv[] = {argv[0], argv[3]};
    return measure(gitopsd::bench::loadSandboxEnv(2, env_argv), argv[2]);
  }
  const auto env = gitopsd::bench::loadSandboxEnv(argc, argv);
  const std::string env_path = argc > 1 ? argv[1] : std::getenv("SANDBOX_ENV");
  auto client = gitopsd::bench::makeClientOrExit(gitopsd::bench::sandboxConfig(env, 5000, 5000));
  const std::string ns = "bench-cache-" + gitopsd::bench::randomSuffix();
  progress("creating namespace " + ns + " and " + std::to_string(kObjects) + " ConfigMaps on " +
           std::to_string(kCreateThreads) + " threads");
  gitopsd::bench::createNamespace(*client, ns);
  const auto created = gitopsd::bench::runParallel("create", kObjects, kCreateThreads, [&](int i) {
    auto applied = client->apply(gitopsd::bench::makeConfigMap(ns, "cm-" + std::to_string(i), i));
    return applied.ok() ? std::string() : applied.status().toString();
  });
  progress("created in " + std::to_string(created.seconds) + " s, " +
           std::to_string(created.failures) + " failures" +
           (created.failures ? " (first: " + created.first_error + ")" : ""));

  progress("measuring in a fresh process");
  std::fflush(stdout);
  int exit_code = 1;
  if (const pid_t pid = fork(); pid == 0) {
    execl("/proc/self/exe", argv[0], "--measure", ns.c_str(), env_path.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  } else if (int status = 0; pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
    exit_code = WEXITSTATUS(status);
  }
  progress("deleting namespace " + ns + " (Background, not waiting)");
  gitopsd::bench::deleteNamespace(*client, ns);
  return exit_code;
}
