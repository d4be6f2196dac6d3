#include "kube/credentials.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

namespace gitopsd::kube {
namespace {

using core::Clock;
using core::Result;
using core::Status;
using core::StatusCode;

std::string quote(const std::string& s) { return "\"" + s + "\""; }

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

class StaticTokenProvider final : public CredentialProvider {
 public:
  explicit StaticTokenProvider(std::string token) { credentials_.bearer_token = std::move(token); }
  Result<Credentials> current() override { return credentials_; }
  void invalidate() override {}

 private:
  Credentials credentials_;
};

class NoCredentialsProvider final : public CredentialProvider {
 public:
  Result<Credentials> current() override { return Credentials{}; }
  void invalidate() override {}
};

struct FileStamp {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  std::int64_t mtime_sec = 0;
  std::int64_t mtime_nsec = 0;

  static FileStamp of(const struct stat& st) {
    return {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  }
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

class TokenFileProvider final : public CredentialProvider {
 public:
  TokenFileProvider(std::string path, const Clock& clock, std::chrono::seconds max_age)
      : path_(std::move(path)), clock_(clock), max_age_(max_age) {}

  Result<Credentials> current() override {
    std::lock_guard lock(mutex_);
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      cached_ = false;
      return fileError(errno);
    }
    if (cached_ && FileStamp::of(st) == stamp_ && clock_.now() - read_at_ < max_age_) {
      return credentials_;
    }
    cached_ = false;
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fileError(errno);
    std::string text;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) != 0) {
      if (n < 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        ::close(fd);
        return fileError(error);
      }
      text.append(buffer, static_cast<std::size_t>(n));
    }
    // The stamp of what was read, so a rewrite during the read shows up next time.
    const int fstat_result = ::fstat(fd, &st);
    ::close(fd);
    if (fstat_result != 0) return fileError(errno);
    text = trim(text);
    if (text.empty()) return core::invalidError("token file " + path_ + " is empty");
    credentials_.bearer_token = std::move(text);
    stamp_ = FileStamp::of(st);
    read_at_ = clock_.now();
    cached_ = true;
    return credentials_;
  }

  void invalidate() override {
    std::lock_guard lock(mutex_);
    cached_ = false;
  }

 private:
  // kUnavailable rather than kNotFound even for a missing file: callers of the client read
  // kNotFound as "the object does not exist", and a projected token can vanish mid-rotation.
  Status fileError(int error) const {
    if (error == ENOENT) return core::unavailableError("token file " + path_ + " not found");
    return core::unavailableError("token file " + path_ + ": " + std::strerror(error));
  }

  const std::string path_;
  const Clock& clock_;
  const std::chrono::seconds max_age_;
  std::mutex mutex_;
  bool cached_ = false;
  Credentials credentials_;
  FileStamp stamp_;
  Clock::SteadyTime read_at_{};
};

std::string encodeBase64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool parseDigits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// RFC 3339: 2026-11-26T15:04:05Z, 2026-11-26T15:04:05.123456789+02:00.
std::optional<Clock::WallTime> parseRfc3339(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!parseDigits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !parseDigits(s, 5, 2, month) ||
      s[7] != '-' || !parseDigits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !parseDigits(s, 11, 2, hour) || s[13] != ':' || !parseDigits(s, 14, 2, minute) ||
      s[16] != ':' || !parseDigits(s, 17, 2, second)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = 19;
  std::chrono::nanoseconds fraction{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      fraction += std::chrono::nanoseconds((s[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::chrono::minutes offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!parseDigits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !parseDigits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    if (s[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const auto time = std::chrono::sys_days(date) + std::chrono::hours(hour) +
                    std::chrono::minutes(minute) + std::chrono::seconds(second) + fraction - offset;
  return std::chrono::time_point_cast<Clock::WallTime::duration>(time);
}

std::string tail(const std::string& text, std::size_t limit) {
  std::string t = trim(text);
  if (t.size() <= limit) return t;
  return "..." + t.substr(t.size() - limit);
}

struct ProcessOutput {
  int wait_status = 0;
  std::string out;
  std::string err;
};

constexpr std::size_t kMaxStdout = 1 << 20;
constexpr std::size_t kMaxStderr = 4096;

// Looks the command up on the daemon's own PATH, as exec.LookPath does for client-go.
std::optional<std::string> findExecutable(const std::string& command) {
  auto executable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (command.find('/') != std::string::npos) {
    if (executable(command)) return command;
    return std::nullopt;
  }
  const char* path_env = std::getenv("PATH");
  std::stringstream dirs(path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + command;
    if (executable(candidate)) return candidate;
  }
  return std::nullopt;
}

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Pipe() {
    closeRead();
    closeWrite();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return fds_[0] >= 0; }
  int read() const { return fds_[0]; }
  int write() const { return fds_[1]; }
  void closeRead() { closeFd(fds_[0]); }
  void closeWrite() { closeFd(fds_[1]); }

 private:
  static void closeFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int fds_[2] = {-1, -1};
};

class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawnattr_init(&attr_);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

// Runs path with argv/envp, stdin from /dev/null, capturing stdout and stderr. The child gets
// its own process group so a timeout kills whatever it started too.
Result<ProcessOutput> runProcess(const std::string& path, const std::vector<std::string>& args,
                                 const std::vector<std::string>& env,
                                 std::chrono::milliseconds timeout, const std::string& name) {
  Pipe out;
  Pipe err;
  if (!out.ok() || !err.ok()) {
    return core::unavailableError("exec plugin " + name + ": pipe: " + std::strerror(errno));
  }
  SpawnSetup setup;
  ::posix_spawn_file_actions_addopen(&setup.actions_, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&setup.actions_, out.write(), 1);
  ::posix_spawn_file_actions_adddup2(&setup.actions_, err.write(), 2);
  sigset_t mask;
  sigemptyset(&mask);
  ::posix_spawnattr_setsigmask(&setup.attr_, &mask);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP}) sigaddset(&defaults, sig);
  ::posix_spawnattr_setsigdefault(&setup.attr_, &defaults);
  ::posix_spawnattr_setpgroup(&setup.attr_, 0);
  ::posix_spawnattr_setflags(
      &setup.attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int spawn_error =
      ::posix_spawn(&pid, path.c_str(), &setup.actions_, &setup.attr_, argv.data(), envp.data());
  if (spawn_error != 0) {
    return core::invalidError("exec plugin " + name +
                              ": cannot run: " + std::strerror(spawn_error));
  }
  out.closeWrite();
  err.closeWrite();

  // A real child runs in real time, so this deadline uses the steady clock, not the injected one.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&] {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count()) + 1;
  };
  auto kill_child = [&] {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    int ignored = 0;
    while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
    }
  };
  auto timed_out = [&] {
    return core::Status(StatusCode::kTimeout, "exec plugin " + name + " did not finish within " +
                                                  std::to_string(timeout.count()) + " ms");
  };

  ProcessOutput result;
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_child();
      return timed_out();
    }
    pollfd fds[2] = {{out_open ? out.read() : -1, POLLIN, 0},
                     {err_open ? err.read() : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, remaining_ms());
    if (ready < 0 && errno != EINTR) {
      kill_child();
      return core::unavailableError("exec plugin " + name + ": poll: " + std::strerror(errno));
    }
    if (ready <= 0) continue;
    char buffer[8192];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      std::string& sink = i == 0 ? result.out : result.err;
      sink.append(buffer, static_cast<std::size_t>(n));
      if (i == 1 && sink.size() > kMaxStderr) sink.erase(0, sink.size() - kMaxStderr);
      if (i == 0 && sink.size() > kMaxStdout) {
        kill_child();
        return core::invalidError("exec plugin " + name + " wrote more than 1 MiB to stdout");
      }
    }
  }
  for (;;) {
    const pid_t done = ::waitpid(pid, &result.wait_status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      return core::internalError("exec plugin " + name + ": waitpid: " + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_child();
      return timed_out();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return result;
}

class ExecProvider final : public CredentialProvider {
 public:
  ExecProvider(const ClusterConfig& config, const Clock& clock, std::chrono::milliseconds timeout)
      : exec_(*config.exec),
        server_(config.server),
        tls_(config.tls),
        proxy_url_(config.proxy_url),
        clock_(clock),
        timeout_(timeout),
        name_(quote(exec_.command)) {}

  Result<Credentials> current() override {
    std::lock_guard lock(mutex_);
    if (cached_ && (!expiry_ || clock_.wallNow() < *expiry_)) return *cached_;
    cached_.reset();
    if (Status s = run(); !s.ok()) return s;
    return *cached_;
  }

  void invalidate() override {
    std::lock_guard lock(mutex_);
    cached_.reset();
  }

 private:
  Result<std::string> execInfo() const {
    nlohmann::json spec = {{"interactive", false}};
    if (exec_.provide_cluster_info) {
      nlohmann::json cluster = {{"server", server_}};
      if (!tls_.server_name.empty()) cluster["tls-server-name"] = tls_.server_name;
      if (tls_.insecure_skip_verify) cluster["insecure-skip-tls-verify"] = true;
      if (!proxy_url_.empty()) cluster["proxy-url"] = proxy_url_;
      std::string ca = tls_.ca_data;
      if (ca.empty() && !tls_.ca_file.empty()) {
        std::ifstream in(tls_.ca_file, std::ios::binary);
        if (!in) {
          return core::invalidError("exec plugin " + name_ +
                                    ": cannot read certificate authority " + tls_.ca_file +
                                    " for provideClusterInfo");
        }
        std::ostringstream buffer;
        buffer << in.rdbuf();
        ca = buffer.str();
      }
      if (!ca.empty()) cluster["certificate-authority-data"] = encodeBase64(ca);
      spec["cluster"] = std::move(cluster);
    }
    const nlohmann::json info = {
        {"apiVersion", exec_.api_version}, {"kind", "ExecCredential"}, {"spec", std::move(spec)}};
    return info.dump();
  }

  std::vector<std::string> environment(const std::string& exec_info) const {
    std::vector<std::string> overrides;
    for (const auto& [key, value] : exec_.env) overrides.push_back(key + "=" + value);
    overrides.push_back("KUBERNETES_EXEC_INFO=" + exec_info);
    auto overridden = [&](std::string_view entry) {
      const auto eq = entry.find('=');
      if (eq == std::string_view::npos) return false;
      const std::string_view key = entry.substr(0, eq + 1);
      return std::any_of(overrides.begin(), overrides.end(),
                         [&](const std::string& o) { return o.starts_with(key); });
    };
    std::vector<std::string> env;
    for (char** e = ::environ; e != nullptr && *e != nullptr; ++e) {
      if (!overridden(*e)) env.emplace_back(*e);
    }
    env.insert(env.end(), overrides.begin(), overrides.end());
    return env;
  }

  Status run() {
    const auto path = findExecutable(exec_.command);
    if (!path) {
      std::string message = "exec plugin " + name_ + " not found";
      if (!exec_.install_hint.empty()) message += ": " + trim(exec_.install_hint);
      return core::invalidError(message);
    }
    auto info = execInfo();
    if (!info.ok()) return info.status();
    auto output = runProcess(*path, exec_.args, environment(*info), timeout_, name_);
    if (!output.ok()) return output.status();
    const int status = output->wait_status;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::string message =
          "exec plugin " + name_ +
          (WIFEXITED(status) ? " exited with status " + std::to_string(WEXITSTATUS(status))
                             : " was killed by signal " + std::to_string(WTERMSIG(status)));
      const std::string err = tail(output->err, 500);
      if (!err.empty()) message += ": " + err;
      return core::unavailableError(message);
    }
    return parse(output->out);
  }

  // Messages here must not quote the plugin's output: it carries the token.
  Status parse(const std::string& text) {
    const std::string prefix = "exec plugin " + name_ + " ";
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      return core::invalidError(prefix + "printed invalid JSON (at byte " + std::to_string(e.byte) +
                                ")");
    }
    if (!doc.is_object()) return core::invalidError(prefix + "printed JSON that is not an object");
    auto field = [](const nlohmann::json& object, const char* key) -> std::optional<std::string> {
      const auto it = object.find(key);
      if (it == object.end() || !it->is_string()) return std::nullopt;
      return it->get<std::string>();
    };
    const std::string api_version = field(doc, "apiVersion").value_or("");
    if (api_version != exec_.api_version) {
      return core::invalidError(prefix + "returned apiVersion " + quote(tail(api_version, 80)) +
                                ", expected " + quote(exec_.api_version));
    }
    if (field(doc, "kind").value_or("") != "ExecCredential") {
      return core::invalidError(prefix + "returned a kind other than ExecCredential");
    }
    const auto status_it = doc.find("status");
    if (status_it == doc.end() || !status_it->is_object()) {
      return core::invalidError(prefix + "returned no status");
    }
    const nlohmann::json& status = *status_it;
    for (const char* key :
         {"token", "clientCertificateData", "clientKeyData", "expirationTimestamp"}) {
      if (status.contains(key) && !status[key].is_string() && !status[key].is_null()) {
        return core::invalidError(prefix + "returned status." + key + " that is not a string");
      }
    }
    Credentials credentials;
    credentials.bearer_token = field(status, "token").value_or("");
    credentials.client_cert_pem = field(status, "clientCertificateData").value_or("");
    credentials.client_key_pem = field(status, "clientKeyData").value_or("");
    if (credentials.client_cert_pem.empty() != credentials.client_key_pem.empty()) {
      return core::invalidError(prefix +
                                "returned only one of clientCertificateData and clientKeyData");
    }
    if (credentials.bearer_token.empty() && credentials.client_cert_pem.empty()) {
      return core::invalidError(prefix + "returned neither a token nor a client certificate");
    }
    std::optional<Clock::WallTime> expiry;
    if (const std::string ts = field(status, "expirationTimestamp").value_or(""); !ts.empty()) {
      expiry = parseRfc3339(ts);
      if (!expiry) {
        return core::invalidError(prefix + "returned an invalid expirationTimestamp " +
                                  quote(tail(ts, 64)));
      }
    }
    cached_ = std::move(credentials);
    expiry_ = expiry;
    return {};
  }

  const ExecConfig exec_;
  const std::string server_;
  const TlsConfig tls_;
  const std::string proxy_url_;
  const Clock& clock_;
  const std::chrono::milliseconds timeout_;
  const std::string name_;
  std::mutex mutex_;  // held while the plugin runs, so it runs at most once at a time
  std::optional<Credentials> cached_;
  std::optional<Clock::WallTime> expiry_;
};

}  // namespace

std::unique_ptr<CredentialProvider> makeCredentialProvider(const ClusterConfig& config,
                                                           const core::Clock& clock) {
  return makeCredentialProvider(config, clock, CredentialOptions{});
}

std::unique_ptr<CredentialProvider> makeCredentialProvider(const ClusterConfig& config,
                                                           const core::Clock& clock,
                                                           const CredentialOptions& options) {
  if (config.exec) return std::make_unique<ExecProvider>(config, clock, options.exec_timeout);
  if (!config.token.empty()) return std::make_unique<StaticTokenProvider>(config.token);
  if (!config.token_file.empty()) {
    return std::make_unique<TokenFileProvider>(config.token_file, clock,
                                               options.token_file_max_age);
  }
  return std::make_unique<NoCredentialsProvider>();
}

}  // namespace gitopsd::kube
