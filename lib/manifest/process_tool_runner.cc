#include "manifest/process_tool_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>

namespace gitopsd::manifest {

namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

class SpawnActions {
 public:
  SpawnActions() { ::posix_spawn_file_actions_init(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  ~SpawnActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
 public:
  SpawnAttributes() { ::posix_spawnattr_init(&attributes_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attributes_); }
  posix_spawnattr_t* get() { return &attributes_; }

 private:
  posix_spawnattr_t attributes_;
};

std::string toolName(const std::string& program) {
  const auto slash = program.rfind('/');
  return slash == std::string::npos ? program : program.substr(slash + 1);
}

std::string errnoText(int error) { return std::system_category().message(error); }

// "90s", "1.5s", "0.25s".
std::string formatDuration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text + "s";
}

bool isExecutableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

// The file to execute, or why there is none.
core::Result<std::string> resolveProgram(const ToolInvocation& invocation) {
  const std::string& program = invocation.program;
  if (program.empty()) return core::invalidError("no program given to run");
  std::string path = program;
  if (program.find('/') == std::string::npos) {
    const auto env_path = invocation.env.find("PATH");
    if (env_path == invocation.env.end()) {
      return core::notFoundError("program '" + program +
                                 "' not found: the tool's environment has no PATH");
    }
    path.clear();
    std::string_view dirs = env_path->second;
    while (true) {
      const auto colon = dirs.find(':');
      std::string dir(dirs.substr(0, colon));
      if (dir.empty()) dir = ".";
      if (isExecutableFile(dir + "/" + program)) {
        path = dir + "/" + program;
        break;
      }
      if (colon == std::string_view::npos) break;
      dirs.remove_prefix(colon + 1);
    }
    if (path.empty()) {
      return core::notFoundError("program '" + program + "' not found in PATH " + env_path->second);
    }
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return core::notFoundError("program '" + program + "' not found");
    }
    return core::invalidError("program '" + program + "': " + errnoText(error));
  }
  if (!S_ISREG(info.st_mode)) {
    return core::invalidError("program '" + program + "' is not a regular file");
  }
  if (::access(path.c_str(), X_OK) != 0) {
    return core::invalidError("program '" + program + "' is not executable");
  }
  return path;
}

core::Status checkWorkingDir(const std::string& dir) {
  if (dir.empty()) return core::okStatus();
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    return core::notFoundError("working directory '" + dir + "' not found");
  }
  if (!S_ISDIR(info.st_mode)) {
    return core::invalidError("working directory '" + dir + "' is not a folder");
  }
  return core::okStatus();
}

// True once the child has ended; it stays a zombie (not reaped), so its pid and process group
// id cannot be reused while we still signal the group.
bool hasExited(pid_t pid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;  // already reaped by someone else: treat as ended
  }
  return info.si_pid == pid;
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// A pollable descriptor that becomes readable when the child exits, or an invalid Fd when the
// kernel has no pidfd_open (then the loop polls in short steps instead).
Fd openPidFd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) return Fd(static_cast<int>(fd));
#else
  (void)pid;
#endif
  return Fd();
}

bool makePipe(Fd& read_end, Fd& write_end) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return false;
  read_end = Fd(fds[0]);
  write_end = Fd(fds[1]);
  return ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK) == 0;
}

}  // namespace

core::Result<ToolOutput> ProcessToolRunner::run(const ToolInvocation& invocation) {
  const std::string tool = toolName(invocation.program);
  if (invocation.timeout.count() <= 0) {
    return core::invalidError(tool + ": the timeout must be positive");
  }
  auto program = resolveProgram(invocation);
  if (!program.ok()) return program.status();
  if (auto status = checkWorkingDir(invocation.working_dir); !status.ok()) {
    return status.withContext(tool);
  }

  std::vector<std::string> arg_storage;
  arg_storage.reserve(invocation.args.size() + 1);
  arg_storage.push_back(invocation.program);
  arg_storage.insert(arg_storage.end(), invocation.args.begin(), invocation.args.end());
  std::vector<char*> argv;
  for (auto& arg : arg_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (const auto& [name, value] : invocation.env) env_storage.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);

  Fd out_read, out_write, err_read, err_write;
  if (!makePipe(out_read, out_write) || !makePipe(err_read, err_write)) {
    return core::internalError(tool + ": cannot create pipes: " + errnoText(errno));
  }

  SpawnActions actions;
  ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(actions.get(), out_write.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(actions.get(), err_write.get(), STDERR_FILENO);
  if (!invocation.working_dir.empty()) {
    ::posix_spawn_file_actions_addchdir_np(actions.get(), invocation.working_dir.c_str());
  }
  ::posix_spawn_file_actions_addclosefrom_np(actions.get(), STDERR_FILENO + 1);

  SpawnAttributes attributes;
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  for (int sig = 1; sig < SIGRTMIN; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaddset(&default_signals, sig);
  }
  ::posix_spawnattr_setflags(
      attributes.get(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  ::posix_spawnattr_setpgroup(attributes.get(), 0);
  ::posix_spawnattr_setsigmask(attributes.get(), &empty_mask);
  ::posix_spawnattr_setsigdefault(attributes.get(), &default_signals);

  pid_t pid = -1;
  const int spawn_error = ::posix_spawn(&pid, program->c_str(), actions.get(), attributes.get(),
                                        argv.data(), envp.data());
  if (spawn_error != 0) {
    const std::string message =
        "cannot run program '" + invocation.program + "': " + errnoText(spawn_error);
    if (spawn_error == ENOENT) return core::notFoundError(message);
    if (spawn_error == EACCES || spawn_error == ENOEXEC || spawn_error == ENOTDIR) {
      return core::invalidError(message);
    }
    return core::internalError(message);
  }
  out_write.reset();
  err_write.reset();
  Fd pid_fd = openPidFd(pid);

  ToolOutput output;
  const auto deadline = Clock::now() + invocation.timeout;
  bool exited = false;
  bool timed_out = false;
  bool overflow = false;
  std::string poll_error;
  std::array<char, 65536> buffer{};

  // Reads what fd holds now; closes it at end of file.
  auto drain = [&](Fd& fd, std::string& into) {
    while (!overflow) {
      const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n > 0) {
        into.append(buffer.data(), static_cast<std::size_t>(n));
        overflow = output.out.size() + output.err.size() > invocation.max_output_bytes;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      fd.reset();  // end of file, or an error that ends this stream
      return;
    }
  };

  while (true) {
    if (!exited && hasExited(pid)) {
      exited = true;
      ::kill(-pid, SIGKILL);  // anything the tool left behind in its group
    }
    if (exited && !out_read.valid() && !err_read.valid()) break;
    const auto now = Clock::now();
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    if (!exited && !pid_fd.valid()) wait = std::min<decltype(wait)>(wait, 20);
    wait = std::min<decltype(wait)>(wait, 60000);

    std::array<pollfd, 3> fds{};
    nfds_t count = 0;
    if (out_read.valid()) fds[count++] = {out_read.get(), POLLIN, 0};
    if (err_read.valid()) fds[count++] = {err_read.get(), POLLIN, 0};
    if (!exited && pid_fd.valid()) fds[count++] = {pid_fd.get(), POLLIN, 0};
    const int ready = ::poll(fds.data(), count, static_cast<int>(wait));
    if (ready < 0) {
      if (errno == EINTR) continue;
      poll_error = errnoText(errno);
      break;
    }
    for (nfds_t i = 0; i < count && !overflow; ++i) {
      if (fds[i].revents == 0) continue;
      if (out_read.valid() && fds[i].fd == out_read.get()) drain(out_read, output.out);
      if (err_read.valid() && fds[i].fd == err_read.get()) drain(err_read, output.err);
    }
    if (overflow) break;
  }

  ::kill(-pid, SIGKILL);  // a no-op when the group is already gone
  const int exit_code = reap(pid);
  if (timed_out) {
    return core::Status(core::StatusCode::kTimeout,
                        tool + " timed out after " + formatDuration(invocation.timeout));
  }
  if (overflow) {
    return core::invalidError(tool + " wrote more than " +
                              std::to_string(invocation.max_output_bytes) +
                              " bytes of output (stdout and stderr together); stopped it");
  }
  if (!poll_error.empty()) return core::internalError(tool + ": poll failed: " + poll_error);
  if (exit_code < 0) return core::internalError(tool + ": cannot read its exit status");
  output.exit_code = exit_code;
  return output;
}

}  // namespace gitopsd::manifest
