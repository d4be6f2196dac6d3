// Mirror: the local bare mirror of one Git repository URL, kept in a cache folder, and
// everything the poller needs from it: a cheap remote check, fetch, revision resolution and
// reading trees and files straight from the object database (no working tree, no checkout).
//
//   auto mirror = Mirror::open({.cache_dir = "/var/cache/gitopsd/repos", .url = url,
//                               .credentials = store.find(url)});
//   auto fetched = mirror->fetchIfMoved();        // one ls-remote; a fetch only if refs moved
//   auto commit = mirror->resolve("main");        // 40-hex commit id
//   auto yaml = mirror->readFile(*commit, "apps/bookinfo/kustomization.yaml");
//
// Layout: <cache_dir>/<mirrorDirName(url)> is a bare repository with remote "origin" = url and
// fetch refspec "+refs/*:refs/*"; fetches prune, so refs mirror the remote exactly (a deleted
// branch disappears, a force-pushed one moves). Local HEAD follows the remote's HEAD.
//
// Authentication (RepoCredentials): HTTP(S) basic auth (password or token); SSH private key
// file with optional passphrase. A rejected credential is not retried: the operation fails
// with kUnauthorized naming the URL. SSH host keys are checked against credentials'
// known_hosts_file strictly (unknown host or changed key → kUnauthorized naming the host and
// the file), or against ~/.ssh/known_hosts when none is configured; insecure_skip_host_key_check
// turns the check off. HTTPS server certificates must be trusted by the system CAs or by
// credentials' ca_file. No password, token or passphrase appears in any message or log line;
// URLs in messages have their password removed.
//
// Damage: a mirror whose refs name objects it lacks (a fetch cut short, files lost) or whose
// objects cannot be read (a truncated or corrupt pack) is detected when fetchIfMoved checks the
// local refs or when a read fails (kInternal "the mirror of URL is damaged ..."); the next
// fetch() or fetchIfMoved() then re-clones it from scratch. A folder that is not a repository
// at all is re-created by open().
//
// Errors: kNotFound (revision, path), kInvalid (bad revision or path syntax, ambiguous short
// SHA, a path that is a directory or a symlink where a file is wanted), kUnauthorized
// (credentials or server identity refused), kUnavailable (network, server), kInternal (local
// repository trouble).
//
// Metrics (core::defaultMetrics()): every conversation with the remote counts once in
// gitopsd_git_requests_total{request} and, when it fails, in
// gitopsd_git_request_failures_total{request}: "ls-remote" for listRemote and the ref check of
// fetchIfMoved, "fetch" for a fetch (fetchIfMoved's on the same connection included), "clone"
// for a fetch into a mirror without refs (new or re-cloned). A fetch retried after a re-clone
// counts again. URLs are never labels.
//
// Thread safety: a Mirror is not synchronised; use one from one thread at a time (the poller
// owns one per URL and serialises its operations). Different Mirrors may be used from
// different threads at once, also over the same cache folder but never the same URL.
// Every call blocks on disk or network I/O: keep them off the Asio I/O thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/status.h"
#include "git/credentials.h"

namespace gitopsd::git {

namespace detail {
struct MirrorState;  // libgit2 handles and settings, defined in mirror.cc
}  // namespace detail

struct MirrorOptions {
  std::string cache_dir;  // created if missing
  std::string url;
  std::optional<RepoCredentials> credentials;  // none: anonymous access
  core::Logger logger = core::Logger();
};

struct RemoteRefs {
  std::map<std::string, std::string> refs;    // "refs/heads/main" → 40-hex id; also "HEAD"
  std::map<std::string, std::string> peeled;  // annotated "refs/tags/v1" → the tagged object
  std::string head_target;                    // "refs/heads/main" when the server names it
};

enum class EntryType { kFile, kExecutable, kSymlink, kDirectory, kSubmodule };

struct TreeEntry {
  std::string path;  // from the repository root, '/'-separated, no leading slash
  EntryType type = EntryType::kFile;
  std::uint32_t mode = 0;             // git's mode: 0100644, 0100755, 0120000, 040000, 0160000
  std::string oid;                    // blob, tree or (submodule) commit id
  std::string symlink_target;         // for kSymlink: the link text as stored; not resolved
  std::optional<std::uint64_t> size;  // for kFile and kExecutable: the blob's size in bytes
};

class Mirror {
 public:
  // Opens the mirror of options.url under options.cache_dir, creating it if missing. A mirror
  // folder that is not a valid repository, or whose origin is another URL, is removed and
  // re-created (empty: call fetch). Does no network I/O.
  static core::Result<Mirror> open(MirrorOptions options);

  Mirror(Mirror&&) noexcept;
  Mirror& operator=(Mirror&&) noexcept;
  ~Mirror();

  const std::string& url() const { return url_; }
  // The URL with any password removed, as used in messages.
  const std::string& displayUrl() const { return display_url_; }
  const std::string& path() const { return path_; }

  // The remote's refs (git ls-remote): one connection, no objects transferred.
  core::Result<RemoteRefs> listRemote();

  // Fetches every ref with prune, then points HEAD at the remote's HEAD.
  core::Status fetch();

  // listRemote, then fetch only when the remote's refs differ from the mirror's or the mirror is
  // damaged (returns true when it fetched; a damaged mirror is re-cloned). When only the remote's
  // HEAD moved to another branch, HEAD is updated without a fetch.
  core::Result<bool> fetchIfMoved();

  // The commit (40 hex) a revision names in the mirror, as of the last fetch: "HEAD" or "" (the
  // remote's default branch), a full ref name ("refs/heads/x", "refs/tags/v1"), a tag (an
  // annotated one is peeled) or branch name (tags first, as git rev-parse), a full or
  // abbreviated (>= 4 hex digits, unambiguous) commit id. kNotFound names the revision and URL.
  core::Result<std::string> resolve(const std::string& revision) const;

  // A file's content at a commit. path is relative to the repository root ("a/b.yaml", "./a/b",
  // "/a/b" all work; ".." is refused). kNotFound names path and commit; a directory, symlink
  // or submodule at path is kInvalid.
  core::Result<std::string> readFile(const std::string& commit, const std::string& path) const;

  // Entries of the directory dir ("" or "." for the root) at a commit, sorted by path; with
  // recursive, the entries of every subdirectory too (directories themselves included).
  // Symlinks are reported as kSymlink with their target, never followed.
  core::Result<std::vector<TreeEntry>> listTree(const std::string& commit, const std::string& dir,
                                                bool recursive) const;

  // The object id (40 hex) of the folder or file at path ("" is the root) at a commit: equal ids
  // mean equal content (Git is content-addressed, across repositories too), which makes them
  // render cache keys. A symlink's id covers its target text only. kNotFound when missing.
  core::Result<std::string> contentId(const std::string& commit, const std::string& path) const;

 private:
  explicit Mirror(std::unique_ptr<detail::MirrorState> state);

  std::unique_ptr<detail::MirrorState> state_;
  std::string url_;
  std::string display_url_;
  std::string path_;
};

}  // namespace gitopsd::git
