// MirrorSet: the one bare mirror of each repository a daemon uses, shared by every application
// that names it, and the poll that keeps them current with at most one remote check (and, only
// when refs moved, one fetch on the same connection) per repository per poll.
//
//   MirrorSet mirrors({.cache_dir = "/var/cache/gitopsd/repos", .credentials = store});
//   mirrors.track(app.repo_url);                      // once per application; idempotent
//   for (const auto& result : mirrors.pollAll()) ...  // on a worker thread, not the I/O thread
//   auto commit = mirrors.resolve(app.repo_url, app.target_revision);
//   mirrors.withMirror(app.repo_url, [&](const Mirror& m) { /* readFile, listTree ... */ });
//
// Identity: repositories are keyed by normalizeUrl(url) (url.h), so "git://H/x.git",
// "GIT://h/x.git/" and "git://h/x.git" are one repository, one mirror folder and one fetch. The
// Mirror is opened with the normalised URL, or with the URL as first tracked when that one
// carries a password (which normalising would drop); credentials come from the CredentialStore
// (longest prefix) as of track().
//
// Polling: pollAll() calls Mirror::fetchIfMoved() once for every tracked repository, on at most
// max_parallel_fetches worker threads that it starts and joins before returning (0 counts as
// 1). It blocks for the whole poll: call it from a worker thread or a blocking executor, never
// from the Asio I/O thread. A failing repository (server refused, bad credentials, ...) gets its
// error in its PollResult and is logged as a warning; the others are polled as usual.
//
// Thread safety: every member function may be called from any thread at once. Each mirror has
// its own mutex: a fetch, resolve() and withMirror() of the same mirror never overlap (a read
// waits for a running fetch of its repository, never for other repositories). Two pollAll()
// calls at once poll each repository twice, one after the other. track() calls are serialised;
// a repository being tracked is not seen by a poll that already started.
//
// Lifetime: repositories are never untracked; Mirrors live as long as the MirrorSet. The Mirror
// reference given to a withMirror() callback is valid only during the callback. Destroying the
// MirrorSet while another thread is inside one of its calls is undefined.
//
// Errors: track() passes on Mirror::open errors (kInternal for cache folder trouble) and refuses
// an empty URL (kInvalid). resolve() and withMirror() of an untracked URL are kNotFound naming
// the URL; other errors as in mirror.h.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/status.h"
#include "git/credentials.h"
#include "git/mirror.h"

namespace gitopsd::git {

struct MirrorSetOptions {
  std::string cache_dir;  // created if missing
  CredentialStore credentials;
  std::size_t max_parallel_fetches = 4;
  core::Logger logger = core::Logger();
};

class MirrorSet {
 public:
  struct PollResult {
    std::string url;  // normalizeUrl(url): the repository's key, without any password
    bool fetched = false;
    core::Status status;
  };

  explicit MirrorSet(MirrorSetOptions options);
  ~MirrorSet();
  MirrorSet(const MirrorSet&) = delete;
  MirrorSet& operator=(const MirrorSet&) = delete;

  // Starts keeping a mirror of url (opening or creating its folder; no network I/O). Tracking a
  // URL that is already tracked, in any spelling that normalises equal, does nothing.
  core::Status track(const std::string& url);

  // The keys (normalised URLs) of the tracked repositories, sorted.
  std::vector<std::string> urls() const;

  // fetchIfMoved for every tracked repository, bounded as above; results sorted by url.
  std::vector<PollResult> pollAll();

  // fetchIfMoved for one repository now (an API refresh or a webhook); kNotFound when url is
  // not tracked. Concurrent polls of the same repository run one after the other.
  PollResult poll(const std::string& url);

  // The commit a revision names in url's mirror, as of its last fetch (Mirror::resolve).
  core::Result<std::string> resolve(const std::string& url, const std::string& revision) const;

  // Runs read with url's mirror while holding that mirror's mutex; returns read's status, or
  // kNotFound when url is not tracked.
  core::Status withMirror(const std::string& url,
                          const std::function<core::Status(const Mirror&)>& read) const;

 private:
  struct Entry {
    explicit Entry(std::string key, Mirror opened)
        : url(std::move(key)), mirror(std::move(opened)) {}
    const std::string url;
    mutable std::mutex mutex;  // guards mirror
    Mirror mirror;
  };

  Entry* find(const std::string& url) const;
  PollResult pollEntry(Entry& entry);

  MirrorSetOptions options_;
  std::mutex track_mutex_;               // serialises track()
  mutable std::shared_mutex map_mutex_;  // guards entries_ (the map, not the Entries)
  std::map<std::string, std::unique_ptr<Entry>> entries_;
};

}  // namespace gitopsd::git
