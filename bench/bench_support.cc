#include "bench_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace gitopsd::bench {

namespace {

// KEY=VALUE lines of the file named by argv[index] or the environment variable fallback; exits
// naming the file and the first of `required` it lacks.
std::map<std::string, std::string> loadEnvFile(int argc, char** argv, int index,
                                               const char* fallback, const char* what,
                                               std::initializer_list<const char*> required) {
  const char* path = argc > index ? argv[index] : std::getenv(fallback);
  if (path == nullptr) {
    std::fprintf(stderr, "%s: give %s (or set %s)\n", argv[0], what, fallback);
    std::exit(2);
  }
  std::ifstream in(path);
  std::map<std::string, std::string> env;
  for (std::string line; std::getline(in, line);) {
    const auto equals = line.find('=');
    if (equals != std::string::npos) env[line.substr(0, equals)] = line.substr(equals + 1);
  }
  for (const char* key : required) {
    if (!env.contains(key)) {
      std::fprintf(stderr, "%s: %s is missing or has no %s\n", argv[0], path, key);
      std::exit(2);
    }
  }
  return env;
}

}  // namespace

std::map<std::string, std::string> loadSandboxEnv(int argc, char** argv) {
  return loadEnvFile(argc, argv, 1, "SANDBOX_ENV", "the cluster.env of tests/cluster/up",
                     {"KUBECONFIG", "KUBECTL", "APISERVER_URL", "CA_FILE", "ADMIN_TOKEN"});
}

kube::ClusterConfig sandboxConfig(const std::map<std::string, std::string>& env, double qps,
                                  int burst) {
  kube::KubeconfigOptions options;
  options.paths = {env.at("KUBECONFIG")};
  options.context = "sandbox";
  auto config = kube::loadKubeconfig(options);
  if (!config.ok()) {
    std::fprintf(stderr, "loading the sandbox kubeconfig: %s\n",
                 config.status().toString().c_str());
    std::exit(2);
  }
  config->qps = qps;
  config->burst = burst;
  return std::move(config).value();
}

core::Logger benchLogger() {
  static core::LogSink sink(
      [](std::string_view line) {
        std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
      },
      core::LogLevel::kWarn, core::LogFormat::kLogfmt, core::SystemClock::instance());
  return core::Logger(sink);
}

std::unique_ptr<kube::KubeClient> makeClientOrExit(const kube::ClusterConfig& config) {
  auto client = kube::makeRestClient(config, core::SystemClock::instance(), benchLogger());
  if (!client.ok()) {
    std::fprintf(stderr, "building the client: %s\n", client.status().toString().c_str());
    std::exit(2);
  }
  return std::move(client).value();
}

void progress(const std::string& message) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fprintf(stderr, "[bench] %s\n", message.c_str());
}

kube::Object makeConfigMap(const std::string& namespace_, const std::string& name, int index) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", name}, {"namespace", namespace_}, {"labels", {{"app", "gitopsd-bench"}}}}},
          {"data", {{"index", std::to_string(index)}, {"greeting", "hello from gitopsd"}}}};
}

std::string randomSuffix() {
  std::random_device random;
  return std::to_string(random() % 1000000);
}

void createNamespace(kube::KubeClient& client, const std::string& name) {
  const kube::Object ns = {
      {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  if (auto created = client.apply(ns); !created.ok()) {
    std::fprintf(stderr, "creating namespace %s: %s\n", name.c_str(),
                 created.status().toString().c_str());
    std::exit(2);
  }
}

void deleteNamespace(kube::KubeClient& client, const std::string& name) {
  kube::DeleteOptions options;
  options.propagation_policy = "Background";
  const kube::ObjectRef ref{{"", "v1", "Namespace"}, "", name};
  if (auto status = client.remove(ref, options); !status.ok()) {
    progress("deleting namespace " + name + " failed: " + status.toString());
  }
}

RunStats runParallel(const std::string& label, int count, int threads,
                     const std::function<std::string(int)>& work) {
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::atomic<int> failures{0};
  std::mutex error_mutex;
  std::string first_error;
  const int report_every = count >= 10 ? count / 10 : 1;
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (int i; (i = next.fetch_add(1)) < count;) {
          if (std::string error = work(i); !error.empty()) {
            failures.fetch_add(1);
            std::lock_guard lock(error_mutex);
            if (first_error.empty()) first_error = std::move(error);
          }
          if (const int finished = done.fetch_add(1) + 1; finished % report_every == 0) {
            progress("  " + label + ": " + std::to_string(finished) + "/" + std::to_string(count));
          }
        }
      });
    }
  }
  return {secondsSince(start), failures.load(), first_error};
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::map<std::string, std::string> loadGitEnv(int argc, char** argv, int index) {
  return loadEnvFile(argc, argv, index, "GIT_ENV", "the git.env of tests/git/up",
                     {"GIT_DAEMON_URL", "GIT_REPOS_DIR"});
}

double vmRssMiB(int pid) {
  std::ifstream status(pid == 0 ? std::string("/proc/self/status")
                                : "/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return -1;
}

void runOrExit(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "command failed: %s\n", command.c_str());
    std::exit(1);
  }
}

std::string folderName(int i) { return "apps/app-" + std::to_string(i); }

void writeManifestRepository(const std::string& dir, int folders, int files_per_folder) {
  for (int folder = 0; folder < folders; ++folder) {
    const std::filesystem::path path = std::filesystem::path(dir) / folderName(folder);
    std::filesystem::create_directories(path);
    for (int file = 0; file < files_per_folder; ++file) {
      const std::string name = "cm-" + std::to_string(folder) + "-" + std::to_string(file);
      std::ofstream(path / (name + ".yaml"))
          << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " << name
          << "\n  namespace: bench\n  labels:\n    app.kubernetes.io/name: app-" << folder
          << "\n    app.kubernetes.io/part-of: bench\ndata:\n  index: \"" << file
          << "\"\n  settings.yaml: |\n    replicas: " << (file % 5 + 1)
          << "\n    feature: enabled\n    region: eu-west-" << (folder % 3) << '\n';
    }
  }
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::fprintf(stderr, "no free TCP port on 127.0.0.1\n");
    std::exit(1);
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace gitopsd::bench
