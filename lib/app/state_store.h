// StateStore: the daemon's durable state in one SQLite file (`<state>/gitopsd.db`): the sync
// history of every application (Argo CD's status.history plus operationState) and what each
// application needs after a restart (last synced revision, last valid spec, managed objects).
//
//   auto store = StateStore::open(state_dir + "/gitopsd.db", clock);
//   for (const auto& r : *store->markInterrupted()) queue.add(r.app);   // at start-up
//   auto id = store->beginSync("bookinfo", commit, "apps/bookinfo", "automated", true);
//   ... apply ...
//   (void)store->finishSync("bookinfo", *id, "Succeeded", "successfully synced", results_json);
//   (void)store->trimHistory("bookinfo", kDefaultHistoryLimit);
//
// Durability: every write is one transaction, so a crash or kill -9 at any point leaves the
// file as it was before or after that write, never in between. The file uses WAL journaling
// with synchronous=NORMAL: committed transactions survive a process crash; a power loss or
// kernel crash may roll back the last few commits but never corrupts the file. That trade is
// right for a daemon that re-converges from Git: a lost "Running" record or a lost state
// update only means one more sync. (If the file system cannot do WAL, e.g. some network file
// systems, the file falls back to a rollback journal with synchronous=FULL.) Other connections
// to the same file (gitopsctl reading history, a second store) wait up to kBusyTimeout for a
// lock, then get kUnavailable.
//
// Schema: versioned with PRAGMA user_version and tagged with PRAGMA application_id; open()
// applies the pending migrations (all defined in one list in state_store.cc) in one
// transaction. It refuses, naming the file: a file that is not an SQLite database (kInvalid),
// an SQLite database that gitopsd did not create (kInvalid), a schema newer than this build
// knows (kInvalid: written by a newer gitopsd; never downgraded). Damage found later (SQLite's
// "database disk image is malformed") is kInternal; disk full and lock timeouts are
// kUnavailable. Every message starts with the file's path.
//
// Sync ids: per application, starting at 0 and increasing by 1 with each beginSync. An id is
// never reused while the application has state in the store, also after trimHistory removed
// the records; deleteAppState forgets the counter, so an application created again under the
// same name starts at 0 again (as a new Argo CD Application would).
//
// Times are stored as nanoseconds since the Unix epoch and read back exactly; a record that is
// still Running has finished_at == time_point{} (the epoch).
//
// Thread safety: all methods may be called from any number of threads at once; they are
// serialised by one mutex around the single connection, and each call blocks on disk I/O (keep
// it off the Asio I/O thread). The clock given to open() must outlive the store.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

struct sqlite3;

namespace gitopsd::app {

// One sync operation of one application.
struct SyncRecord {
  std::int64_t id = -1;  // per application: 0, 1, 2, ...
  std::string app;
  std::string revision;  // the commit synced
  std::string source_path;
  // Running, then one of Succeeded, Failed, Error, Terminated; Interrupted when the process
  // died while it was Running (see markInterrupted).
  std::string phase;
  std::string message;
  std::string initiated_by;  // "automated" or a user/API client name
  bool automated = false;
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point finished_at;  // epoch while Running
  std::string resources_json;                         // per-resource results, opaque
};

// What one application needs after a restart.
struct AppState {
  std::string app;
  std::string last_synced_revision;
  std::string last_rendered_key;
  // The last valid Application spec, for a cascade delete after its file is removed.
  std::string spec_json;
  // One entry (ResourceKey text or the caller's own form) per object the last successful sync
  // applied, for pruning after a restart. Order and duplicates are kept as given.
  std::vector<std::string> managed_keys;

  friend bool operator==(const AppState&, const AppState&) = default;
};

class StateStore {
 public:
  static constexpr int kSchemaVersion = 1;
  static constexpr std::size_t kDefaultHistoryLimit = 10;  // Argo CD's revisionHistoryLimit
  static constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();
  static constexpr std::chrono::milliseconds kBusyTimeout{5000};
  // The message markInterrupted gives the records it closes.
  static constexpr const char* kInterruptedMessage =
      "interrupted: gitopsd stopped before the sync finished; it will be synced again";

  // Opens the database at `path`, creating the file (not its folder) and the schema if needed,
  // and migrating an older schema. Errors as in the header comment; a missing folder or an
  // unreadable file is kInternal.
  static core::Result<std::unique_ptr<StateStore>> open(const std::string& path,
                                                        const core::Clock& clock);

  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& path() const { return path_; }

  // --- sync history ---

  // Records a new Running sync started now and returns its id. The caller runs at most one
  // sync per application at a time (the store does not refuse a second Running record).
  // kInvalid for an empty app name.
  core::Result<std::int64_t> beginSync(const std::string& app, const std::string& revision,
                                       const std::string& source_path,
                                       const std::string& initiated_by, bool automated);

  // Closes a Running record with `phase` (Succeeded, Failed, Error, Terminated or Interrupted)
  // and finished_at = now. kInvalid for another phase, kNotFound for an unknown id, kConflict
  // when the record is no longer Running (finished twice, or closed by markInterrupted).
  core::Status finishSync(const std::string& app, std::int64_t id, const std::string& phase,
                          const std::string& message, const std::string& resources_json);

  // The application's records, newest (highest id) first, at most `limit` of them.
  core::Result<std::vector<SyncRecord>> history(const std::string& app,
                                                std::size_t limit = kNoLimit) const;

  // One record, or nullopt when there is none with that id (never created, or trimmed).
  core::Result<std::optional<SyncRecord>> record(const std::string& app, std::int64_t id) const;

  // Deletes all but the `keep` newest finished records of the application. Running records
  // are never deleted and do not count towards `keep`.
  core::Status trimHistory(const std::string& app, std::size_t keep = kDefaultHistoryLimit);

  // For start-up, before any sync begins: every record still Running (its process died
  // mid-sync) becomes Interrupted with finished_at = now and kInterruptedMessage, in one
  // transaction. Returns those records as they now are, ordered by app then id, so the daemon
  // can sync those applications again.
  core::Result<std::vector<SyncRecord>> markInterrupted();

  // --- per-application state ---

  // Replaces the application's state (including the whole managed_keys list) in one
  // transaction. kInvalid for an empty app name.
  core::Status putAppState(const AppState& state);

  // The application's state, or nullopt when none was ever put (or it was deleted).
  core::Result<std::optional<AppState>> appState(const std::string& app) const;

  // Forgets the application: its state, its whole sync history and its id counter, in one
  // transaction. OK also when nothing was stored for it.
  core::Status deleteAppState(const std::string& app);

  // Every application with state or sync history in the store, sorted by name.
  core::Result<std::vector<std::string>> listApps() const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };

  StateStore(std::string path, const core::Clock& clock, std::unique_ptr<sqlite3, Closer> db);

  std::string path_;
  const core::Clock& clock_;
  mutable std::mutex mutex_;
  std::unique_ptr<sqlite3, Closer> db_;  // guarded by mutex_
};

}  // namespace gitopsd::app
