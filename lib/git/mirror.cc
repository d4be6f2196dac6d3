#include "git/mirror.h"

#include <arpa/inet.h>
#include <git2.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <system_error>

#include "core/metrics.h"
#include "git/known_hosts.h"
#include "git/url.h"

namespace gitopsd::git {

using core::internalError;
using core::invalidError;
using core::notFoundError;
using core::Result;
using core::Status;
using core::StatusCode;

namespace {

void ensureLibgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // Keep parsed trees and commits of any size in libgit2's object cache (default: only up
    // to 4 KiB, so a folder of a few hundred entries was inflated and parsed again for every
    // file read below it). Blobs stay uncached. The cache's total size stays bounded by
    // libgit2's limit (256 MiB by default).
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, size_t{16} << 20);
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT, size_t{1} << 20);
  });
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* pointer) const { Free(pointer); }
};
using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using RemotePtr = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using ReferencePtr = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>>;
using BlobPtr = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using OdbPtr = std::unique_ptr<git_odb, Deleter<git_odb, git_odb_free>>;
using RefIteratorPtr =
    std::unique_ptr<git_reference_iterator,
                    Deleter<git_reference_iterator, git_reference_iterator_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

std::string oidHex(const git_oid* oid) {
  std::array<char, GIT_OID_HEXSZ + 1> buffer{};
  git_oid_fmt(buffer.data(), oid);
  return std::string(buffer.data(), GIT_OID_HEXSZ);
}

bool isHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string redactSecrets(std::string text, const std::optional<RepoCredentials>& credentials) {
  text = redactUrlsInText(text);
  if (credentials) {
    for (const auto& secret : credentials->secrets()) {
      for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
        text.replace(at, secret.size(), "***");
      }
    }
  }
  return text;
}

// Classes of libgit2 errors that mean the object database cannot be read: a truncated or
// corrupt pack, a missing object.
bool isObjectStoreDamage(int klass) {
  return klass == GIT_ERROR_ODB || klass == GIT_ERROR_ZLIB || klass == GIT_ERROR_OBJECT;
}

// Classes of libgit2 errors that mean the local mirror is damaged rather than the network or
// the server failing.
bool isLocalCorruption(int klass) {
  return isObjectStoreDamage(klass) || klass == GIT_ERROR_REFERENCE ||
         klass == GIT_ERROR_REPOSITORY || klass == GIT_ERROR_CONFIG;
}

// The libgit2 error of the last failed call as a Status; "what" says what was being done.
Status lastError(int code, const std::string& what,
                 const std::optional<RepoCredentials>& credentials) {
  const git_error* error = git_error_last();
  const std::string message =
      error != nullptr && error->message != nullptr ? error->message : "unknown libgit2 error";
  const int klass = error != nullptr ? error->klass : GIT_ERROR_NONE;
  StatusCode status_code = StatusCode::kInternal;
  if (code == GIT_ENOTFOUND) {
    status_code = StatusCode::kNotFound;
  } else if (code == GIT_EAUTH || code == GIT_ECERTIFICATE) {
    status_code = StatusCode::kUnauthorized;
  } else if (code == GIT_EAMBIGUOUS || code == GIT_EINVALIDSPEC) {
    status_code = StatusCode::kInvalid;
  } else if (klass == GIT_ERROR_NET || klass == GIT_ERROR_HTTP || klass == GIT_ERROR_SSH ||
             klass == GIT_ERROR_SSL || klass == GIT_ERROR_OS) {
    status_code = StatusCode::kUnavailable;
  }
  return Status(status_code, redactSecrets(what + ": " + message, credentials));
}

bool isIpAddress(const std::string& host) {
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET, host.c_str(), buffer.data()) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer.data()) == 1;
}

// Verifies a server certificate (DER) against the CAs in ca_file and the host name or address.
// Only the leaf is available from libgit2, so the CA must have signed it directly (or the file
// must also hold the intermediates).
Status verifyCertificate(const unsigned char* der, size_t length, const std::string& ca_file,
                         const std::string& host) {
  const unsigned char* cursor = der;
  X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(length)));
  if (!certificate) return invalidError("the server sent an unreadable certificate");
  X509StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) {
    return invalidError("cannot load CA file " + ca_file);
  }
  X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context ||
      X509_STORE_CTX_init(context.get(), store.get(), certificate.get(), nullptr) != 1) {
    return internalError("cannot set up certificate verification");
  }
  X509_VERIFY_PARAM* parameters = X509_STORE_CTX_get0_param(context.get());
  const int set = isIpAddress(host) ? X509_VERIFY_PARAM_set1_ip_asc(parameters, host.c_str())
                                    : X509_VERIFY_PARAM_set1_host(parameters, host.c_str(), 0);
  if (set != 1) return internalError("cannot set the host to verify");
  if (X509_verify_cert(context.get()) != 1) {
    return invalidError(X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get())));
  }
  return {};
}

// Normalises a path inside the repository: no leading "/" or "./", no empty or "."
// components; ".." is refused.
Result<std::string> cleanPath(const std::string& path) {
  std::string out;
  size_t pos = 0;
  while (pos <= path.size()) {
    const auto slash = path.find('/', pos);
    const std::string part =
        path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    pos = slash == std::string::npos ? path.size() + 1 : slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return invalidError("path '" + path + "' leaves the repository ('..')");
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

EntryType entryType(git_filemode_t mode) {
  switch (mode) {
    case GIT_FILEMODE_BLOB_EXECUTABLE:
      return EntryType::kExecutable;
    case GIT_FILEMODE_LINK:
      return EntryType::kSymlink;
    case GIT_FILEMODE_TREE:
      return EntryType::kDirectory;
    case GIT_FILEMODE_COMMIT:
      return EntryType::kSubmodule;
    default:
      return EntryType::kFile;
  }
}

}  // namespace

namespace detail {
struct MirrorState {
  RepoPtr repo;
  mutable RemotePtr origin;  // of repo, looked up once (lookupOrigin); freed before repo
  std::string url;
  std::string display_url;
  std::string path;
  std::optional<ParsedUrl> parsed;
  std::optional<RepoCredentials> credentials;
  core::Logger logger;
  // Set when reading found the object database damaged (a truncated pack, a ref to a missing
  // object); the next fetch re-clones instead of trusting the mirror.
  mutable bool damaged = false;

  Status error(int code, const std::string& what) const {
    const git_error* last = git_error_last();
    if (last != nullptr && isObjectStoreDamage(last->klass)) damaged = true;
    return lastError(code, what, credentials);
  }
};
}  // namespace detail

namespace {

// Per-operation state handed to libgit2's callbacks. A failure the callbacks detect is kept
// here, with a message of ours, and preferred over libgit2's generic one.
struct CallbackState {
  const detail::MirrorState* mirror = nullptr;
  int secret_attempts = 0;
  std::optional<Status> failure;
  bool warned_insecure = false;
};

int acquireCredential(git_credential** out, const char* /*url*/, const char* username_from_url,
                      unsigned int allowed, void* payload) {
  auto& state = *static_cast<CallbackState*>(payload);
  const auto& credentials = state.mirror->credentials;
  const std::string& url = state.mirror->display_url;
  if (!credentials) {
    state.failure = Status(StatusCode::kUnauthorized,
                           url + " requires authentication and no credentials match it");
    return GIT_EUSER;
  }
  std::string user = credentials->username;
  if (user.empty() && username_from_url != nullptr) user = username_from_url;
  if (user.empty()) user = "git";

  const bool want_key = (allowed & GIT_CREDENTIAL_SSH_KEY) != 0;
  const bool want_password = (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0;
  if ((want_key && !credentials->ssh_private_key_file.empty()) ||
      (want_password && !credentials->password.empty())) {
    // A second request means the server refused the first answer; asking again would loop.
    if (++state.secret_attempts > 1) {
      state.failure = Status(StatusCode::kUnauthorized,
                             "authentication to " + url + " failed: the server rejected the " +
                                 (want_key ? "SSH key " + credentials->ssh_private_key_file
                                           : "password or token for user " + user));
      return GIT_EUSER;
    }
    if (want_key && !credentials->ssh_private_key_file.empty()) {
      const std::string& key = credentials->ssh_private_key_file;
      std::error_code ignored;
      const std::string public_key = key + ".pub";
      const bool have_public = std::filesystem::exists(public_key, ignored);
      return git_credential_ssh_key_new(
          out, user.c_str(), have_public ? public_key.c_str() : nullptr, key.c_str(),
          credentials->ssh_passphrase.empty() ? nullptr : credentials->ssh_passphrase.c_str());
    }
    return git_credential_userpass_plaintext_new(out, user.c_str(), credentials->password.c_str());
  }
  if ((allowed & GIT_CREDENTIAL_USERNAME) != 0) {
    return git_credential_username_new(out, user.c_str());
  }
  state.failure = Status(StatusCode::kUnauthorized,
                         url + " requires authentication and its credentials have no " +
                             (want_key        ? "SSH private key"
                              : want_password ? "password or token"
                                              : "usable secret"));
  return GIT_EUSER;
}

int checkCertificate(git_cert* cert, int valid, const char* host_name, void* payload) {
  auto& state = *static_cast<CallbackState*>(payload);
  const auto& mirror = *state.mirror;
  const auto& credentials = mirror.credentials;
  const std::string host = host_name != nullptr ? host_name : "";
  const int port = mirror.parsed ? mirror.parsed->port : 0;
  const std::string host_port = host + ":" + std::to_string(port);

  if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
    if (credentials && credentials->insecure_skip_host_key_check) {
      if (!state.warned_insecure) {
        mirror.logger.warn("SSH host key not checked (insecure_skip_host_key_check)",
                           {{"url", mirror.display_url}, {"host", host_port}});
        state.warned_insecure = true;
      }
      return 0;
    }
    if (!credentials || credentials->known_hosts_file.empty()) {
      if (valid != 0) return 0;
      state.failure = Status(StatusCode::kUnauthorized,
                             "host key for " + host_port +
                                 " is not in known_hosts ~/.ssh/known_hosts (or does not match "
                                 "it); configure a known_hosts file for " +
                                 mirror.display_url);
      return GIT_ECERTIFICATE;
    }
    const std::string& file = credentials->known_hosts_file;
    const auto* hostkey = reinterpret_cast<const git_cert_hostkey*>(cert);
    if ((hostkey->type & GIT_CERT_SSH_RAW) == 0) {
      state.failure = Status(StatusCode::kUnauthorized,
                             "host key for " + host_port + " is of a type libgit2 cannot report");
      return GIT_ECERTIFICATE;
    }
    auto entries = readKnownHostsFile(file);
    if (!entries.ok()) {
      state.failure =
          Status(StatusCode::kUnauthorized,
                 "cannot check the host key for " + host_port + ": " + entries.status().message());
      return GIT_ECERTIFICATE;
    }
    const std::string_view key(hostkey->hostkey, hostkey->hostkey_len);
    switch (checkHostKey(*entries, host, port, key)) {
      case HostKeyCheck::kMatch:
        return 0;
      case HostKeyCheck::kMismatch:
        state.failure = Status(StatusCode::kUnauthorized,
                               "host key for " + host_port + " does not match known_hosts " + file +
                                   ": possible man-in-the-middle (the key changed)");
        return GIT_ECERTIFICATE;
      case HostKeyCheck::kUnknown:
        state.failure = Status(StatusCode::kUnauthorized,
                               "host key for " + host_port + " is not in known_hosts " + file);
        return GIT_ECERTIFICATE;
    }
  }

  if (cert->cert_type == GIT_CERT_X509) {
    if (valid != 0) return 0;
    // libgit2's CA locations are process-wide (GIT_OPT_SET_SSL_CERT_LOCATIONS): trusting a
    // repository's CA there would make it trusted for every repository. So a certificate the
    // system CAs refuse is verified here, with OpenSSL, against this repository's ca_file only.
    if (!credentials || credentials->ca_file.empty()) {
      state.failure = Status(StatusCode::kUnauthorized,
                             "TLS certificate of " + host_port +
                                 " is not trusted by the system CAs; configure a CA file for " +
                                 mirror.display_url);
      return GIT_ECERTIFICATE;
    }
    const auto* x509 = reinterpret_cast<const git_cert_x509*>(cert);
    const Status verified = verifyCertificate(static_cast<const unsigned char*>(x509->data),
                                              x509->len, credentials->ca_file, host);
    if (verified.ok()) return 0;
    state.failure = Status(StatusCode::kUnauthorized,
                           "TLS certificate of " + host_port + " is not trusted by CA file " +
                               credentials->ca_file + ": " + verified.message());
    return GIT_ECERTIFICATE;
  }
  return valid != 0 ? 0 : GIT_PASSTHROUGH;
}

git_remote_callbacks makeCallbacks(CallbackState& state) {
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  callbacks.credentials = acquireCredential;
  callbacks.certificate_check = checkCertificate;
  callbacks.payload = &state;
  return callbacks;
}

Status remoteError(int code, const std::string& what, const CallbackState& callbacks) {
  if (callbacks.failure) return *callbacks.failure;
  return callbacks.mirror->error(code, what);
}

// Creates an empty mirror at path: initialised beside it and renamed into place, so a crash
// never leaves a half-made mirror under the final name.
Status createMirror(const std::string& path, const std::string& url,
                    const std::optional<RepoCredentials>& credentials) {
  const std::string partial = path + ".partial";
  std::error_code error;
  std::filesystem::remove_all(partial, error);
  git_repository* raw_repo = nullptr;
  if (const int code = git_repository_init(&raw_repo, partial.c_str(), /*is_bare=*/1); code < 0) {
    return lastError(code, "creating mirror " + partial, credentials);
  }
  RepoPtr repo(raw_repo);
  git_remote* raw_remote = nullptr;
  if (const int code = git_remote_create_with_fetchspec(&raw_remote, repo.get(), "origin",
                                                        url.c_str(), "+refs/*:refs/*");
      code < 0) {
    return lastError(code, "adding remote origin to mirror " + partial, credentials);
  }
  RemotePtr remote(raw_remote);
  remote.reset();
  repo.reset();
  std::filesystem::rename(partial, path, error);
  if (error) return internalError("renaming " + partial + " to " + path + ": " + error.message());
  return {};
}

// Opens path as a mirror of url; an error when it is missing, damaged or mirrors another URL.
Result<RepoPtr> openExisting(const std::string& path, const std::string& url,
                             const std::optional<RepoCredentials>& credentials) {
  git_repository* raw_repo = nullptr;
  if (const int code = git_repository_open_bare(&raw_repo, path.c_str()); code < 0) {
    return lastError(code, "opening mirror " + path, credentials);
  }
  RepoPtr repo(raw_repo);
  git_remote* raw_remote = nullptr;
  if (const int code = git_remote_lookup(&raw_remote, repo.get(), "origin"); code < 0) {
    return lastError(code, "reading remote origin of " + path, credentials);
  }
  RemotePtr remote(raw_remote);
  const char* remote_url = git_remote_url(remote.get());
  if (remote_url == nullptr || url != remote_url) {
    return internalError("mirror " + path + " has another origin URL");
  }
  if (git_repository_head_unborn(repo.get()) < 0) {
    return lastError(-1, "reading HEAD of " + path, credentials);
  }
  return repo;
}

}  // namespace

Mirror::Mirror(std::unique_ptr<detail::MirrorState> state) : state_(std::move(state)) {
  url_ = state_->url;
  display_url_ = state_->display_url;
  path_ = state_->path;
}
Mirror::Mirror(Mirror&&) noexcept = default;
Mirror& Mirror::operator=(Mirror&&) noexcept = default;
Mirror::~Mirror() = default;

namespace {

// The last bytes of a file (fewer when it is shorter).
std::string fileTail(const std::filesystem::path& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const auto size = static_cast<std::size_t>(in.tellg());
  const std::size_t take = std::min(size, count);
  std::string out(take, '\0');
  in.seekg(static_cast<std::streamoff>(size - take));
  in.read(out.data(), static_cast<std::streamsize>(take));
  return in ? out : std::string();
}

// Whether every pack matches its index: a pack ends with its SHA-1, and its .idx repeats it
// just before the index's own checksum. A pack cut short (a crash while writing, a full disk)
// or replaced fails this; libgit2 would only report its objects as missing.
bool packsIntact(const std::string& repo_path) {
  constexpr std::size_t kHash = GIT_OID_RAWSZ;
  std::error_code error;
  const auto folder = std::filesystem::path(repo_path) / "objects" / "pack";
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().extension() != ".idx") continue;
    const std::string index_tail = fileTail(entry.path(), 2 * kHash);
    const std::string pack_tail =
        fileTail(std::filesystem::path(entry.path()).replace_extension(".pack"), kHash);
    if (index_tail.size() != 2 * kHash || pack_tail.size() != kHash ||
        index_tail.compare(0, kHash, pack_tail) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<Mirror> Mirror::open(MirrorOptions options) {
  ensureLibgit2();
  auto state = std::make_unique<detail::MirrorState>();
  state->url = options.url;
  state->display_url = redactUrl(options.url);
  state->parsed = parseUrl(options.url);
  state->credentials = std::move(options.credentials);
  state->logger = options.logger.with({{"url", state->display_url}});
  if (options.url.empty()) return invalidError("empty repository URL");

  std::error_code error;
  std::filesystem::create_directories(options.cache_dir, error);
  if (error) {
    return internalError("creating cache folder " + options.cache_dir + ": " + error.message());
  }
  state->path = (std::filesystem::path(options.cache_dir) / mirrorDirName(options.url)).string();

  if (std::filesystem::exists(state->path, error)) {
    auto repo = openExisting(state->path, state->url, state->credentials);
    if (repo.ok()) {
      state->repo = std::move(repo).value();
      if (!packsIntact(state->path)) {
        state->logger.warn(
            "mirror has a truncated or unmatched pack; it is cloned again on the "
            "next fetch",
            {{"path", state->path}});
        state->damaged = true;
      }
      return Mirror(std::move(state));
    }
    state->logger.warn("mirror is damaged or mirrors another URL; re-creating it",
                       {{"path", state->path}, {"error", repo.status().message()}});
    std::filesystem::remove_all(state->path, error);
    if (error) {
      return internalError("removing damaged mirror " + state->path + ": " + error.message());
    }
  }
  if (Status created = createMirror(state->path, state->url, state->credentials); !created.ok()) {
    return created;
  }
  auto repo = openExisting(state->path, state->url, state->credentials);
  if (!repo.ok()) return repo.status();
  state->repo = std::move(repo).value();
  return Mirror(std::move(state));
}

namespace {

// Connects origin for fetching and reads its refs.
Status connectAndList(git_remote* remote, CallbackState& callbacks_state, RemoteRefs& out) {
  const auto& mirror = *callbacks_state.mirror;
  git_remote_callbacks callbacks = makeCallbacks(callbacks_state);
  if (const int code =
          git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr);
      code < 0) {
    return remoteError(code, "connecting to " + mirror.display_url, callbacks_state);
  }
  const git_remote_head** heads = nullptr;
  size_t count = 0;
  if (const int code = git_remote_ls(&heads, &count, remote); code < 0) {
    return remoteError(code, "listing the refs of " + mirror.display_url, callbacks_state);
  }
  for (size_t i = 0; i < count; ++i) {
    const std::string name = heads[i]->name;
    const std::string oid = oidHex(&heads[i]->oid);
    if (name.ends_with("^{}")) {
      out.peeled[name.substr(0, name.size() - 3)] = oid;
      continue;
    }
    out.refs[name] = oid;
    if (name == "HEAD" && heads[i]->symref_target != nullptr) {
      out.head_target = heads[i]->symref_target;
    }
  }
  if (out.head_target.empty() && out.refs.contains("HEAD")) {
    git_buf branch = GIT_BUF_INIT;
    if (git_remote_default_branch(&branch, remote) == 0) out.head_target = branch.ptr;
    git_buf_dispose(&branch);
    git_error_clear();
  }
  return {};
}

// The remote "origin", looked up once per opened repository and kept: every lookup leaks
// pcre2 match data inside Debian's libgit2 1.5.1 (about 20 KB), which must not grow with polls.
Result<git_remote*> lookupOrigin(const detail::MirrorState& state) {
  if (!state.origin) {
    git_remote* raw = nullptr;
    if (const int code = git_remote_lookup(&raw, state.repo.get(), "origin"); code < 0) {
      return state.error(code, "reading remote origin of " + state.path);
    }
    state.origin.reset(raw);
  }
  return state.origin.get();
}

// Points the mirror's HEAD at the remote's default branch (symbolic), if it changed.
Status updateHead(const detail::MirrorState& state, const std::string& target) {
  if (!target.starts_with("refs/")) return {};
  git_reference* raw = nullptr;
  if (git_reference_lookup(&raw, state.repo.get(), "HEAD") == 0) {
    ReferencePtr head(raw);
    const char* current = git_reference_symbolic_target(head.get());
    if (current != nullptr && target == current) return {};
  }
  raw = nullptr;
  if (const int code = git_reference_symbolic_create(&raw, state.repo.get(), "HEAD", target.c_str(),
                                                     1, "gitopsd: remote HEAD");
      code < 0) {
    return state.error(code, "setting HEAD of " + state.path + " to " + target);
  }
  ReferencePtr head(raw);
  return {};
}

// The mirror's direct refs under refs/ (name → id).
Result<std::map<std::string, std::string>> localRefs(const detail::MirrorState& state) {
  std::map<std::string, std::string> out;
  git_reference_iterator* raw_iterator = nullptr;
  if (const int code = git_reference_iterator_new(&raw_iterator, state.repo.get()); code < 0) {
    return state.error(code, "listing the refs of " + state.path);
  }
  RefIteratorPtr iterator(raw_iterator);
  git_odb* raw_odb = nullptr;
  if (const int code = git_repository_odb(&raw_odb, state.repo.get()); code < 0) {
    return state.error(code, "opening the object database of " + state.path);
  }
  OdbPtr odb(raw_odb);
  for (;;) {
    git_reference* raw = nullptr;
    const int code = git_reference_next(&raw, iterator.get());
    if (code == GIT_ITEROVER) break;
    if (code < 0) return state.error(code, "listing the refs of " + state.path);
    ReferencePtr ref(raw);
    const git_oid* target = git_reference_target(ref.get());
    if (target == nullptr) continue;
    size_t size = 0;
    git_object_t kind = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &kind, odb.get(), target) < 0) {
      git_error_clear();
      state.damaged = true;  // a ref without its object: a fetch cut short, a bad disk
    }
    out[git_reference_name(ref.get())] = oidHex(target);
  }
  return out;
}

// One conversation with a remote, for gitopsd_git_requests_total and
// gitopsd_git_request_failures_total (see mirror.h). Labels never carry the URL.
enum class RemoteRequest { kLsRemote, kFetch, kClone };

void countRemoteRequest(RemoteRequest request, bool failed) {
  struct Counters {
    core::CounterFamily& requests;
    core::CounterFamily& failures;
  };
  static const Counters counters = [] {
    Counters made{
        core::defaultMetrics().counter(
            "gitopsd_git_requests_total",
            "Requests to Git remotes: ls-remote (checking the refs), fetch, and clone (a "
            "fetch into an empty or re-created mirror).",
            {"request"}),
        core::defaultMetrics().counter("gitopsd_git_request_failures_total",
                                       "Requests to Git remotes that failed.", {"request"})};
    for (const std::string_view name : {"ls-remote", "fetch", "clone"}) {
      made.requests.labels({name});  // every series exists from the start, at 0
      made.failures.labels({name});
    }
    return made;
  }();
  const std::string_view name = request == RemoteRequest::kLsRemote ? "ls-remote"
                                : request == RemoteRequest::kFetch  ? "fetch"
                                                                    : "clone";
  counters.requests.labels({name}).inc();
  if (failed) counters.failures.labels({name}).inc();
}

// Whether the mirror holds any ref yet (a fetch into one without is a clone).
bool hasLocalRefs(const detail::MirrorState& state) {
  git_reference_iterator* raw_iterator = nullptr;
  if (git_reference_iterator_new(&raw_iterator, state.repo.get()) < 0) {
    git_error_clear();
    return true;
  }
  const RefIteratorPtr iterator(raw_iterator);
  git_reference* raw = nullptr;
  const int code = git_reference_next(&raw, iterator.get());
  if (code == 0) {
    git_reference_free(raw);
    return true;
  }
  git_error_clear();
  return code != GIT_ITEROVER;
}

Status fetchConnected(const detail::MirrorState& state, git_remote* remote,
                      CallbackState& callbacks_state) {
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.callbacks = makeCallbacks(callbacks_state);
  options.prune = GIT_FETCH_PRUNE;
  options.update_fetchhead = 0;
  if (const int code = git_remote_fetch(remote, nullptr, &options, "gitopsd: fetch"); code < 0) {
    return remoteError(code, "fetching " + state.display_url, callbacks_state);
  }
  return {};
}

bool objectExists(const detail::MirrorState& state, const git_oid* id) {
  git_odb* raw = nullptr;
  if (git_repository_odb(&raw, state.repo.get()) < 0) return false;
  const OdbPtr odb(raw);
  return git_odb_exists(odb.get(), id) == 1;
}

// Replaces a damaged mirror with an empty one (the caller fetches into it).
Status reclone(detail::MirrorState& state, const std::string& reason) {
  state.logger.warn("mirror damaged; re-cloning", {{"path", state.path}, {"error", reason}});
  state.origin.reset();
  state.repo.reset();
  state.damaged = false;
  std::error_code error;
  std::filesystem::remove_all(state.path, error);
  if (Status created = createMirror(state.path, state.url, state.credentials); !created.ok()) {
    return created;
  }
  auto repo = openExisting(state.path, state.url, state.credentials);
  if (!repo.ok()) return repo.status();
  state.repo = std::move(repo).value();
  return {};
}

}  // namespace

Result<RemoteRefs> Mirror::listRemote() {
  auto remote = lookupOrigin(*state_);
  if (!remote.ok()) return remote.status();
  CallbackState callbacks_state;
  callbacks_state.mirror = state_.get();
  RemoteRefs refs;
  Status listed = connectAndList(*remote, callbacks_state, refs);
  git_remote_disconnect(*remote);
  countRemoteRequest(RemoteRequest::kLsRemote, !listed.ok());
  if (!listed.ok()) return listed;
  return refs;
}

Status Mirror::fetch() {
  if (state_->damaged) {
    if (Status recloned = reclone(*state_, "object database damaged"); !recloned.ok()) {
      return recloned;
    }
  }
  for (int attempt = 0;; ++attempt) {
    auto remote = lookupOrigin(*state_);
    Status status = remote.status();
    if (remote.ok()) {
      CallbackState callbacks_state;
      callbacks_state.mirror = state_.get();
      RemoteRefs refs;
      const RemoteRequest request =
          hasLocalRefs(*state_) ? RemoteRequest::kFetch : RemoteRequest::kClone;
      status = connectAndList(*remote, callbacks_state, refs);
      if (status.ok()) status = fetchConnected(*state_, *remote, callbacks_state);
      git_remote_disconnect(*remote);
      countRemoteRequest(request, !status.ok());
      if (status.ok()) return updateHead(*state_, refs.head_target);
      const git_error* error = git_error_last();
      if (callbacks_state.failure || error == nullptr || !isLocalCorruption(error->klass) ||
          status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kUnauthorized) {
        return status;
      }
    }
    if (attempt > 0) return status;
    // The mirror itself is damaged: start again from an empty one, once.
    if (Status recloned = reclone(*state_, status.message()); !recloned.ok()) return recloned;
  }
}

Result<bool> Mirror::fetchIfMoved() {
  auto remote = lookupOrigin(*state_);
  if (!remote.ok()) return remote.status();
  CallbackState callbacks_state;
  callbacks_state.mirror = state_.get();
  RemoteRefs refs;
  Status listed = connectAndList(*remote, callbacks_state, refs);
  countRemoteRequest(RemoteRequest::kLsRemote, !listed.ok());
  if (!listed.ok()) {
    git_remote_disconnect(*remote);
    return listed;
  }
  auto local = localRefs(*state_);
  if (!local.ok()) {
    git_remote_disconnect(*remote);
    return local.status();
  }
  std::map<std::string, std::string> wanted;
  for (const auto& [name, oid] : refs.refs) {
    if (name.starts_with("refs/")) wanted[name] = oid;
  }
  if (state_->damaged) {
    git_remote_disconnect(*remote);
    if (Status again = fetch(); !again.ok()) return again;
    return true;
  }
  if (wanted == *local) {
    git_remote_disconnect(*remote);
    if (Status head = updateHead(*state_, refs.head_target); !head.ok()) return head;
    return false;
  }
  state_->logger.debug("remote refs moved; fetching",
                       {{"remote_refs", wanted.size()}, {"local_refs", local->size()}});
  Status fetched = fetchConnected(*state_, *remote, callbacks_state);
  git_remote_disconnect(*remote);
  countRemoteRequest(local->empty() ? RemoteRequest::kClone : RemoteRequest::kFetch, !fetched.ok());
  if (!fetched.ok()) {
    // A damaged mirror gets the full treatment of fetch(), which re-clones it.
    const git_error* error = git_error_last();
    if (callbacks_state.failure || error == nullptr || !isLocalCorruption(error->klass)) {
      return fetched;
    }
    if (Status again = fetch(); !again.ok()) return again;
    return true;
  }
  if (Status head = updateHead(*state_, refs.head_target); !head.ok()) return head;
  return true;
}

Result<std::string> Mirror::resolve(const std::string& revision) const {
  git_repository* repo = state_->repo.get();
  const std::string not_found = "revision '" + revision + "' not found in " + display_url_ +
                                " (no branch, tag or commit of that name)";
  // Peels a reference to the commit it names.
  auto peelReference = [&](const std::string& name) -> std::optional<Result<std::string>> {
    git_reference* raw = nullptr;
    const int code = git_reference_lookup(&raw, repo, name.c_str());
    if (code == GIT_ENOTFOUND || code == GIT_EINVALIDSPEC) return std::nullopt;
    if (code < 0) return Result<std::string>(state_->error(code, "reading " + name));
    ReferencePtr ref(raw);
    git_object* peeled = nullptr;
    if (const int peel = git_reference_peel(&peeled, ref.get(), GIT_OBJECT_COMMIT); peel < 0) {
      if (const git_error* last = git_error_last();
          last != nullptr && isObjectStoreDamage(last->klass)) {
        return Result<std::string>(state_->error(peel, "reading " + name));
      }
      git_reference* raw_direct = nullptr;
      const bool resolves = git_reference_resolve(&raw_direct, ref.get()) == 0;
      const ReferencePtr direct(raw_direct);
      if (resolves && git_reference_target(direct.get()) != nullptr &&
          !objectExists(*state_, git_reference_target(direct.get()))) {
        state_->damaged = true;
        return Result<std::string>(
            internalError("the mirror of " + display_url_ + " is damaged: " + name +
                          " points to a missing object; it is cloned again on the next fetch"));
      }
      git_error_clear();
      if (peel == GIT_ENOTFOUND && name == "HEAD") {
        return Result<std::string>(
            notFoundError("revision 'HEAD' not found in " + display_url_ +
                          " (the mirror has no HEAD commit: empty repository or not fetched)"));
      }
      return Result<std::string>(invalidError("revision '" + revision + "' (" + name +
                                              ") does not name a commit in " + display_url_));
    }
    ObjectPtr object(peeled);
    return Result<std::string>(oidHex(git_object_id(object.get())));
  };

  if (revision.empty() || revision == "HEAD") {
    if (auto found = peelReference("HEAD")) return *found;
    return notFoundError(not_found);
  }
  if (revision.starts_with("refs/")) {
    if (auto found = peelReference(revision)) return *found;
    return notFoundError(not_found);
  }
  for (const std::string& name : {"refs/tags/" + revision, "refs/heads/" + revision}) {
    if (auto found = peelReference(name)) return *found;
  }
  if (revision.size() >= 4 && revision.size() <= GIT_OID_HEXSZ && isHex(revision)) {
    git_oid oid;
    if (git_oid_fromstrn(&oid, revision.c_str(), revision.size()) == 0) {
      git_object* raw = nullptr;
      const int code = git_object_lookup_prefix(&raw, repo, &oid, revision.size(), GIT_OBJECT_ANY);
      if (code == GIT_EAMBIGUOUS) {
        return invalidError("short commit id '" + revision + "' is ambiguous in " + display_url_ +
                            "; use more digits");
      }
      if (code == 0) {
        ObjectPtr object(raw);
        git_object* peeled = nullptr;
        if (git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT) < 0) {
          return invalidError("revision '" + revision + "' names a " +
                              git_object_type2string(git_object_type(object.get())) +
                              ", not a commit, in " + display_url_);
        }
        ObjectPtr commit(peeled);
        return oidHex(git_object_id(commit.get()));
      }
    }
  }
  git_error_clear();
  return notFoundError(not_found);
}

namespace {

Result<CommitPtr> lookupCommit(const detail::MirrorState& state, const std::string& commit) {
  git_oid oid;
  if (commit.size() != GIT_OID_HEXSZ || !isHex(commit) ||
      git_oid_fromstr(&oid, commit.c_str()) < 0) {
    return invalidError("'" + commit + "' is not a full commit id (40 hex digits)");
  }
  git_commit* raw = nullptr;
  if (const int code = git_commit_lookup(&raw, state.repo.get(), &oid); code < 0) {
    if (code != GIT_ENOTFOUND) return state.error(code, "reading commit " + commit);
    git_error_clear();
    if (state.damaged) {
      return internalError("commit " + commit + " cannot be read: the mirror of " +
                           state.display_url + " is damaged; it is cloned again on the next fetch");
    }
    return notFoundError("commit " + commit + " not found in " + state.display_url);
  }
  return CommitPtr(raw);
}

Result<TreePtr> commitTree(const detail::MirrorState& state, const std::string& commit) {
  auto found = lookupCommit(state, commit);
  if (!found.ok()) return found.status();
  git_tree* raw = nullptr;
  if (const int code = git_commit_tree(&raw, found->get()); code < 0) {
    return state.error(code, "reading the tree of commit " + commit);
  }
  return TreePtr(raw);
}

// The tree of directory dir (already cleaned) at a commit.
Result<TreePtr> directoryTree(const detail::MirrorState& state, const std::string& commit,
                              const std::string& dir, const std::string& shown) {
  auto root = commitTree(state, commit);
  if (!root.ok() || dir.empty()) return root;
  git_tree_entry* raw_entry = nullptr;
  if (const int code = git_tree_entry_bypath(&raw_entry, root->get(), dir.c_str()); code < 0) {
    git_error_clear();
    return notFoundError("directory '" + shown + "' not found at commit " + commit + " in " +
                         state.display_url);
  }
  TreeEntryPtr entry(raw_entry);
  if (git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE) {
    return invalidError("'" + shown + "' at commit " + commit + " is not a directory");
  }
  git_tree* raw = nullptr;
  if (const int code = git_tree_lookup(&raw, state.repo.get(), git_tree_entry_id(entry.get()));
      code < 0) {
    return state.error(code, "reading directory '" + shown + "' at commit " + commit);
  }
  return TreePtr(raw);
}

Status collectEntries(const detail::MirrorState& state, git_odb* odb, const git_tree* tree,
                      const std::string& prefix, bool recursive, std::vector<TreeEntry>& out) {
  const size_t count = git_tree_entrycount(tree);
  for (size_t i = 0; i < count; ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(tree, i);
    TreeEntry item;
    item.path =
        prefix.empty() ? git_tree_entry_name(entry) : prefix + "/" + git_tree_entry_name(entry);
    const git_filemode_t mode = git_tree_entry_filemode(entry);
    item.mode = static_cast<std::uint32_t>(mode);
    item.type = entryType(mode);
    item.oid = oidHex(git_tree_entry_id(entry));
    if (item.type == EntryType::kFile || item.type == EntryType::kExecutable) {
      // The object header gives the size without inflating the blob, so a huge file can be
      // refused before it is read.
      size_t size = 0;
      git_object_t kind = GIT_OBJECT_INVALID;
      if (const int code = git_odb_read_header(&size, &kind, odb, git_tree_entry_id(entry));
          code < 0) {
        return state.error(code, "reading the size of " + item.path);
      }
      item.size = size;
    } else if (item.type == EntryType::kSymlink) {
      git_blob* raw = nullptr;
      if (const int code = git_blob_lookup(&raw, state.repo.get(), git_tree_entry_id(entry));
          code < 0) {
        return state.error(code, "reading symlink " + item.path);
      }
      BlobPtr blob(raw);
      item.symlink_target.assign(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                                 static_cast<size_t>(git_blob_rawsize(blob.get())));
    }
    const std::string path = item.path;
    const bool descend = recursive && item.type == EntryType::kDirectory;
    out.push_back(std::move(item));
    if (descend) {
      git_tree* raw = nullptr;
      if (const int code = git_tree_lookup(&raw, state.repo.get(), git_tree_entry_id(entry));
          code < 0) {
        return state.error(code, "reading directory " + path);
      }
      TreePtr subtree(raw);
      if (Status status = collectEntries(state, odb, subtree.get(), path, true, out);
          !status.ok()) {
        return status;
      }
    }
  }
  return {};
}

}  // namespace

Result<std::string> Mirror::readFile(const std::string& commit, const std::string& path) const {
  auto clean = cleanPath(path);
  if (!clean.ok()) return clean.status();
  if (clean->empty()) return invalidError("'" + path + "' is the repository root, not a file");
  auto root = commitTree(*state_, commit);
  if (!root.ok()) return root.status();
  git_tree_entry* raw_entry = nullptr;
  if (git_tree_entry_bypath(&raw_entry, root->get(), clean->c_str()) < 0) {
    git_error_clear();
    return notFoundError("path '" + *clean + "' not found at commit " + commit + " in " +
                         display_url_);
  }
  TreeEntryPtr entry(raw_entry);
  const git_filemode_t mode = git_tree_entry_filemode(entry.get());
  const std::string where = "path '" + *clean + "' at commit " + commit;
  if (mode == GIT_FILEMODE_TREE) return invalidError(where + " is a directory, not a file");
  if (mode == GIT_FILEMODE_COMMIT) return invalidError(where + " is a submodule, not a file");
  git_blob* raw_blob = nullptr;
  if (const int code =
          git_blob_lookup(&raw_blob, state_->repo.get(), git_tree_entry_id(entry.get()));
      code < 0) {
    return state_->error(code, "reading " + where);
  }
  BlobPtr blob(raw_blob);
  std::string content(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                      static_cast<size_t>(git_blob_rawsize(blob.get())));
  if (mode == GIT_FILEMODE_LINK) {
    return invalidError(where + " is a symbolic link (to '" + content + "'), not a file");
  }
  return content;
}

Result<std::vector<TreeEntry>> Mirror::listTree(const std::string& commit, const std::string& dir,
                                                bool recursive) const {
  auto clean = cleanPath(dir);
  if (!clean.ok()) return clean.status();
  auto tree = directoryTree(*state_, commit, *clean, dir);
  if (!tree.ok()) return tree.status();
  git_odb* raw_odb = nullptr;
  if (const int code = git_repository_odb(&raw_odb, state_->repo.get()); code < 0) {
    return state_->error(code, "opening the object database of " + path_);
  }
  OdbPtr odb(raw_odb);
  std::vector<TreeEntry> out;
  if (Status status = collectEntries(*state_, odb.get(), tree->get(), *clean, recursive, out);
      !status.ok()) {
    return status;
  }
  std::sort(out.begin(), out.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
  return out;
}

Result<std::string> Mirror::contentId(const std::string& commit, const std::string& path) const {
  auto clean = cleanPath(path);
  if (!clean.ok()) return clean.status();
  auto root = commitTree(*state_, commit);
  if (!root.ok()) return root.status();
  if (clean->empty()) return oidHex(git_tree_id(root->get()));
  git_tree_entry* raw_entry = nullptr;
  if (git_tree_entry_bypath(&raw_entry, root->get(), clean->c_str()) < 0) {
    git_error_clear();
    return notFoundError("path '" + *clean + "' not found at commit " + commit + " in " +
                         display_url_);
  }
  TreeEntryPtr entry(raw_entry);
  return oidHex(git_tree_entry_id(entry.get()));
}

}  // namespace gitopsd::git
