#include "app/state_store.h"

#include <sqlite3.h>

#include <array>
#include <string_view>
#include <utility>

namespace gitopsd::app {
namespace {

using core::Result;
using core::Status;
using core::StatusCode;

constexpr std::int32_t kApplicationId = 0x67697464;  // "gitd"

// kMigrations[v] takes the schema from user_version v to v + 1. Append only; never edit one
// that has shipped.
constexpr std::array<const char*, StateStore::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE sync_history (
  app            TEXT    NOT NULL,
  id             INTEGER NOT NULL,
  revision       TEXT    NOT NULL,
  source_path    TEXT    NOT NULL,
  phase          TEXT    NOT NULL,
  message        TEXT    NOT NULL,
  initiated_by   TEXT    NOT NULL,
  automated      INTEGER NOT NULL,
  started_at_ns  INTEGER NOT NULL,
  finished_at_ns INTEGER,
  resources_json TEXT    NOT NULL,
  PRIMARY KEY (app, id)
) WITHOUT ROWID;
CREATE INDEX sync_history_running ON sync_history (app, id) WHERE phase = 'Running';
CREATE TABLE sync_counter (
  app     TEXT    NOT NULL PRIMARY KEY,
  next_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE app_state (
  app                  TEXT NOT NULL PRIMARY KEY,
  last_synced_revision TEXT NOT NULL,
  last_rendered_key    TEXT NOT NULL,
  spec_json            TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE managed_object (
  app          TEXT    NOT NULL,
  position     INTEGER NOT NULL,
  resource_key TEXT    NOT NULL,
  PRIMARY KEY (app, position)
) WITHOUT ROWID;
)sql",
};

constexpr const char* kRecordColumns =
    "app, id, revision, source_path, phase, message, initiated_by, automated, started_at_ns, "
    "finished_at_ns, resources_json";

StatusCode codeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
      return StatusCode::kUnavailable;
    case SQLITE_NOTADB:
      return StatusCode::kInvalid;
    default:
      return StatusCode::kInternal;
  }
}

// The error of the call that just returned rc on db (db may be null).
Status sqliteStatus(sqlite3* db, int rc) {
  if ((rc & 0xff) == SQLITE_NOTADB) {
    return {StatusCode::kInvalid, "file is not an SQLite database"};
  }
  return {codeFor(rc), db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)};
}

template <typename T>
Result<T> annotate(Result<T> result, const std::string& path, std::string_view what) {
  if (result.ok()) return result;
  return result.status().withContext(path + ": " + std::string(what));
}

Status annotate(const Status& status, const std::string& path, std::string_view what) {
  return status.withContext(path + ": " + std::string(what));
}

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

std::int64_t toNanos(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

std::chrono::system_clock::time_point fromNanos(std::int64_t nanos) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(nanos)));
}

// A limit or count as SQLite's LIMIT wants it: -1 for "no limit".
std::int64_t sqlLimit(std::size_t limit) {
  return limit > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())
             ? -1
             : static_cast<std::int64_t>(limit);
}

struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

// One prepared statement. Bind errors are remembered and reported by the next step().
class Statement {
 public:
  static Result<Statement> prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement(raw);
    if (rc != SQLITE_OK) return sqliteStatus(db, rc);
    return Statement(db, std::move(statement));
  }

  Statement& bindText(int index, std::string_view text) {
    remember(sqlite3_bind_text64(statement_.get(), index, text.data(), text.size(),
                                 SQLITE_TRANSIENT, SQLITE_UTF8));
    return *this;
  }
  Statement& bindInt(int index, std::int64_t value) {
    remember(sqlite3_bind_int64(statement_.get(), index, value));
    return *this;
  }
  Statement& bindNull(int index) {
    remember(sqlite3_bind_null(statement_.get(), index));
    return *this;
  }

  // true: a row is ready to read; false: the statement is done.
  Result<bool> step() {
    if (bind_rc_ != SQLITE_OK) return sqliteStatus(nullptr, bind_rc_);
    const int rc = sqlite3_step(statement_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqliteStatus(db_, rc);
  }

  // Runs a statement that returns no rows.
  Status run() {
    auto stepped = step();
    return stepped.status();
  }

  // Makes the statement ready to run again; bindings stay until replaced.
  void reset() { sqlite3_reset(statement_.get()); }

  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_.get(), column); }
  bool isNull(int column) const {
    return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
  }
  std::string text(int column) const {
    const unsigned char* data = sqlite3_column_text(statement_.get(), column);
    const int size = sqlite3_column_bytes(statement_.get(), column);
    if (data == nullptr) return {};
    return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
  }

 private:
  Statement(sqlite3* db, std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement)
      : db_(db), statement_(std::move(statement)) {}

  void remember(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement_;
  int bind_rc_ = SQLITE_OK;
};

Status exec(sqlite3* db, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status() : sqliteStatus(db, rc);
}

// A transaction that rolls back unless committed. Writers take the write lock at BEGIN
// (IMMEDIATE) so that waiting for another connection happens under busy_timeout up front and
// never as a deadlock when a reader upgrades.
class Transaction {
 public:
  enum class Kind { kRead, kWrite };

  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status begin(Kind kind) {
    Status begun = exec(db_, kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
    open_ = begun.ok();
    return begun;
  }

  Status commit() {
    Status committed = exec(db_, "COMMIT");
    if (committed.ok()) open_ = false;
    return committed;
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

Result<std::int64_t> pragmaInteger(sqlite3* db, const char* sql) {
  auto statement = Statement::prepare(db, sql);
  if (!statement.ok()) return statement.status();
  auto row = statement->step();
  if (!row.ok()) return row.status();
  if (!*row) return core::internalError(std::string("no answer to ") + sql);
  return statement->integer(0);
}

// Sets the journal mode and the matching synchronous level.
Status configure(sqlite3* db) {
  sqlite3_busy_timeout(db, static_cast<int>(StateStore::kBusyTimeout.count()));
  auto journal = Statement::prepare(db, "PRAGMA journal_mode = WAL");
  if (!journal.ok()) return journal.status();
  auto row = journal->step();
  if (!row.ok()) return row.status();
  const bool wal = *row && journal->text(0) == "wal";
  return exec(db, wal ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL");
}

Status migrate(sqlite3* db) {
  Transaction transaction(db);
  if (Status begun = transaction.begin(Transaction::Kind::kWrite); !begun.ok()) return begun;
  auto version = pragmaInteger(db, "PRAGMA user_version");
  if (!version.ok()) return version.status();
  auto application_id = pragmaInteger(db, "PRAGMA application_id");
  if (!application_id.ok()) return application_id.status();
  if (*version > StateStore::kSchemaVersion) {
    return core::invalidError(
        "schema version " + std::to_string(*version) + " is newer than this gitopsd supports (" +
        std::to_string(StateStore::kSchemaVersion) + "); it was written by a newer gitopsd");
  }
  if (*version == 0) {
    auto objects = pragmaInteger(db, "SELECT count(*) FROM sqlite_master");
    if (!objects.ok()) return objects.status();
    if (*objects > 0 || (*application_id != 0 && *application_id != kApplicationId)) {
      return core::invalidError("an SQLite database that gitopsd did not create");
    }
  } else if (*application_id != kApplicationId) {
    return core::invalidError("an SQLite database that gitopsd did not create (application_id " +
                              std::to_string(*application_id) + ")");
  }
  if (*version == StateStore::kSchemaVersion) return transaction.commit();
  for (auto v = static_cast<std::size_t>(*version); v < kMigrations.size(); ++v) {
    if (Status migrated = exec(db, kMigrations[v]); !migrated.ok()) {
      return migrated.withContext("migrating the schema to version " + std::to_string(v + 1));
    }
  }
  const std::string stamp =
      "PRAGMA application_id = " + std::to_string(kApplicationId) +
      "; PRAGMA user_version = " + std::to_string(StateStore::kSchemaVersion) + ";";
  if (Status stamped = exec(db, stamp.c_str()); !stamped.ok()) return stamped;
  return transaction.commit();
}

SyncRecord readRecord(const Statement& row) {
  SyncRecord record;
  record.app = row.text(0);
  record.id = row.integer(1);
  record.revision = row.text(2);
  record.source_path = row.text(3);
  record.phase = row.text(4);
  record.message = row.text(5);
  record.initiated_by = row.text(6);
  record.automated = row.integer(7) != 0;
  record.started_at = fromNanos(row.integer(8));
  if (!row.isNull(9)) record.finished_at = fromNanos(row.integer(9));
  record.resources_json = row.text(10);
  return record;
}

Result<std::vector<SyncRecord>> readRecords(Statement& statement) {
  std::vector<SyncRecord> records;
  while (true) {
    auto row = statement.step();
    if (!row.ok()) return row.status();
    if (!*row) return records;
    records.push_back(readRecord(statement));
  }
}

Status requireApp(const std::string& app) {
  return app.empty() ? core::invalidError("the application name is empty") : Status();
}

bool isFinalPhase(std::string_view phase) {
  return phase == "Succeeded" || phase == "Failed" || phase == "Error" || phase == "Terminated" ||
         phase == "Interrupted";
}

Result<std::int64_t> beginSyncIn(sqlite3* db, const core::Clock& clock, const std::string& app,
                                 const std::string& revision, const std::string& source_path,
                                 const std::string& initiated_by, bool automated) {
  if (Status valid = requireApp(app); !valid.ok()) return valid;
  Transaction transaction(db);
  if (Status begun = transaction.begin(Transaction::Kind::kWrite); !begun.ok()) return begun;

  auto counter = Statement::prepare(db, "SELECT next_id FROM sync_counter WHERE app = ?1");
  if (!counter.ok()) return counter.status();
  counter->bindText(1, app);
  auto row = counter->step();
  if (!row.ok()) return row.status();
  const std::int64_t id = *row ? counter->integer(0) : 0;

  auto advance = Statement::prepare(db,
                                    "INSERT INTO sync_counter (app, next_id) VALUES (?1, ?2) "
                                    "ON CONFLICT (app) DO UPDATE SET next_id = excluded.next_id");
  if (!advance.ok()) return advance.status();
  advance->bindText(1, app).bindInt(2, id + 1);
  if (Status advanced = advance->run(); !advanced.ok()) return advanced;

  auto insert =
      Statement::prepare(db, std::string("INSERT INTO sync_history (") + kRecordColumns +
                                 ") VALUES (?1, ?2, ?3, ?4, 'Running', '', ?5, ?6, ?7, NULL, '')");
  if (!insert.ok()) return insert.status();
  insert->bindText(1, app)
      .bindInt(2, id)
      .bindText(3, revision)
      .bindText(4, source_path)
      .bindText(5, initiated_by)
      .bindInt(6, automated ? 1 : 0)
      .bindInt(7, toNanos(clock.wallNow()));
  if (Status inserted = insert->run(); !inserted.ok()) return inserted;
  if (Status committed = transaction.commit(); !committed.ok()) return committed;
  return id;
}

Status finishSyncIn(sqlite3* db, const core::Clock& clock, const std::string& app, std::int64_t id,
                    const std::string& phase, const std::string& message,
                    const std::string& resources_json) {
  if (!isFinalPhase(phase)) {
    return core::invalidError(
        "phase " + quoted(phase) +
        " cannot end a sync (Succeeded, Failed, Error, Terminated or Interrupted)");
  }
  Transaction transaction(db);
  if (Status begun = transaction.begin(Transaction::Kind::kWrite); !begun.ok()) return begun;
  auto update =
      Statement::prepare(db,
                         "UPDATE sync_history SET phase = ?3, message = ?4, resources_json = ?5, "
                         "finished_at_ns = ?6 WHERE app = ?1 AND id = ?2 AND phase = 'Running'");
  if (!update.ok()) return update.status();
  update->bindText(1, app)
      .bindInt(2, id)
      .bindText(3, phase)
      .bindText(4, message)
      .bindText(5, resources_json)
      .bindInt(6, toNanos(clock.wallNow()));
  if (Status updated = update->run(); !updated.ok()) return updated;
  if (sqlite3_changes(db) == 0) {
    auto existing =
        Statement::prepare(db, "SELECT phase FROM sync_history WHERE app = ?1 AND id = ?2");
    if (!existing.ok()) return existing.status();
    existing->bindText(1, app).bindInt(2, id);
    auto row = existing->step();
    if (!row.ok()) return row.status();
    if (!*row) return core::notFoundError("no such sync");
    return core::conflictError("the sync already ended with phase " + existing->text(0));
  }
  return transaction.commit();
}

}  // namespace

void StateStore::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

StateStore::StateStore(std::string path, const core::Clock& clock,
                       std::unique_ptr<sqlite3, Closer> db)
    : path_(std::move(path)), clock_(clock), db_(std::move(db)) {}

StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::open(const std::string& path,
                                                     const core::Clock& clock) {
  sqlite3* raw = nullptr;
  // The store's mutex serialises every use of the connection, so SQLite's own is not needed.
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, Closer> db(raw);
  if (rc != SQLITE_OK) {
    return annotate(sqliteStatus(raw, rc), path, "cannot open the state database");
  }
  if (Status configured = configure(db.get()); !configured.ok()) {
    return annotate(configured, path, "cannot open the state database");
  }
  if (Status migrated = migrate(db.get()); !migrated.ok()) {
    return annotate(migrated, path, "cannot use the state database");
  }
  return std::unique_ptr<StateStore>(new StateStore(path, clock, std::move(db)));
}

Result<std::int64_t> StateStore::beginSync(const std::string& app, const std::string& revision,
                                           const std::string& source_path,
                                           const std::string& initiated_by, bool automated) {
  std::lock_guard lock(mutex_);
  return annotate(
      beginSyncIn(db_.get(), clock_, app, revision, source_path, initiated_by, automated), path_,
      "starting a sync of " + quoted(app));
}

Status StateStore::finishSync(const std::string& app, std::int64_t id, const std::string& phase,
                              const std::string& message, const std::string& resources_json) {
  std::lock_guard lock(mutex_);
  Status finished = finishSyncIn(db_.get(), clock_, app, id, phase, message, resources_json);
  if (finished.ok()) return finished;
  return annotate(finished, path_, "finishing sync " + std::to_string(id) + " of " + quoted(app));
}

Result<std::vector<SyncRecord>> StateStore::history(const std::string& app,
                                                    std::size_t limit) const {
  std::lock_guard lock(mutex_);
  auto read = [&]() -> Result<std::vector<SyncRecord>> {
    auto statement = Statement::prepare(
        db_.get(), std::string("SELECT ") + kRecordColumns +
                       " FROM sync_history WHERE app = ?1 ORDER BY id DESC LIMIT ?2");
    if (!statement.ok()) return statement.status();
    statement->bindText(1, app).bindInt(2, sqlLimit(limit));
    return readRecords(*statement);
  };
  return annotate(read(), path_, "reading the sync history of " + quoted(app));
}

Result<std::optional<SyncRecord>> StateStore::record(const std::string& app,
                                                     std::int64_t id) const {
  std::lock_guard lock(mutex_);
  auto read = [&]() -> Result<std::optional<SyncRecord>> {
    auto statement =
        Statement::prepare(db_.get(), std::string("SELECT ") + kRecordColumns +
                                          " FROM sync_history WHERE app = ?1 AND id = ?2");
    if (!statement.ok()) return statement.status();
    statement->bindText(1, app).bindInt(2, id);
    auto row = statement->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<SyncRecord>();
    return std::optional<SyncRecord>(readRecord(*statement));
  };
  return annotate(read(), path_, "reading sync " + std::to_string(id) + " of " + quoted(app));
}

Status StateStore::trimHistory(const std::string& app, std::size_t keep) {
  std::lock_guard lock(mutex_);
  auto statement = Statement::prepare(
      db_.get(),
      "DELETE FROM sync_history WHERE app = ?1 AND phase <> 'Running' AND id NOT IN ("
      "SELECT id FROM sync_history WHERE app = ?1 AND phase <> 'Running' "
      "ORDER BY id DESC LIMIT ?2)");
  if (!statement.ok()) {
    return annotate(statement.status(), path_, "trimming the sync history of " + quoted(app));
  }
  statement->bindText(1, app).bindInt(2, sqlLimit(keep));
  Status trimmed = statement->run();
  if (trimmed.ok()) return trimmed;
  return annotate(trimmed, path_, "trimming the sync history of " + quoted(app));
}

Result<std::vector<SyncRecord>> StateStore::markInterrupted() {
  std::lock_guard lock(mutex_);
  auto mark = [&]() -> Result<std::vector<SyncRecord>> {
    sqlite3* db = db_.get();
    Transaction transaction(db);
    if (Status begun = transaction.begin(Transaction::Kind::kWrite); !begun.ok()) return begun;
    auto select = Statement::prepare(db, std::string("SELECT ") + kRecordColumns +
                                             " FROM sync_history WHERE phase = 'Running' "
                                             "ORDER BY app, id");
    if (!select.ok()) return select.status();
    auto records = readRecords(*select);
    if (!records.ok() || records->empty()) return records;

    const auto now = clock_.wallNow();
    auto update = Statement::prepare(
        db,
        "UPDATE sync_history SET phase = 'Interrupted', message = ?1, finished_at_ns = ?2 "
        "WHERE phase = 'Running'");
    if (!update.ok()) return update.status();
    update->bindText(1, kInterruptedMessage).bindInt(2, toNanos(now));
    if (Status updated = update->run(); !updated.ok()) return updated;
    if (Status committed = transaction.commit(); !committed.ok()) return committed;
    for (auto& record : *records) {
      record.phase = "Interrupted";
      record.message = kInterruptedMessage;
      record.finished_at = now;
    }
    return records;
  };
  return annotate(mark(), path_, "marking interrupted syncs");
}

Status StateStore::putAppState(const AppState& state) {
  std::lock_guard lock(mutex_);
  auto put = [&]() -> Status {
    if (Status valid = requireApp(state.app); !valid.ok()) return valid;
    sqlite3* db = db_.get();
    Transaction transaction(db);
    if (Status begun = transaction.begin(Transaction::Kind::kWrite); !begun.ok()) return begun;
    auto upsert = Statement::prepare(
        db,
        "INSERT INTO app_state (app, last_synced_revision, last_rendered_key, spec_json) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (app) DO UPDATE SET "
        "last_synced_revision = excluded.last_synced_revision, "
        "last_rendered_key = excluded.last_rendered_key, spec_json = excluded.spec_json");
    if (!upsert.ok()) return upsert.status();
    upsert->bindText(1, state.app)
        .bindText(2, state.last_synced_revision)
        .bindText(3, state.last_rendered_key)
        .bindText(4, state.spec_json);
    if (Status upserted = upsert->run(); !upserted.ok()) return upserted;

    auto clear = Statement::prepare(db, "DELETE FROM managed_object WHERE app = ?1");
    if (!clear.ok()) return clear.status();
    clear->bindText(1, state.app);
    if (Status cleared = clear->run(); !cleared.ok()) return cleared;

    auto insert = Statement::prepare(
        db, "INSERT INTO managed_object (app, position, resource_key) VALUES (?1, ?2, ?3)");
    if (!insert.ok()) return insert.status();
    insert->bindText(1, state.app);
    for (std::size_t i = 0; i < state.managed_keys.size(); ++i) {
      insert->bindInt(2, static_cast<std::int64_t>(i)).bindText(3, state.managed_keys[i]);
      if (Status inserted = insert->run(); !inserted.ok()) return inserted;
      insert->reset();
    }
    return transaction.commit();
  };
  Status stored = put();
  if (stored.ok()) return stored;
  return annotate(stored, path_, "saving the state of " + quoted(state.app));
}

Result<std::optional<AppState>> StateStore::appState(const std::string& app) const {
  std::lock_guard lock(mutex_);
  auto read = [&]() -> Result<std::optional<AppState>> {
    sqlite3* db = db_.get();
    Transaction transaction(db);  // one snapshot for both reads
    if (Status begun = transaction.begin(Transaction::Kind::kRead); !begun.ok()) return begun;
    auto row_statement = Statement::prepare(
        db,
        "SELECT last_synced_revision, last_rendered_key, spec_json FROM app_state "
        "WHERE app = ?1");
    if (!row_statement.ok()) return row_statement.status();
    row_statement->bindText(1, app);
    auto row = row_statement->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<AppState>();
    AppState state;
    state.app = app;
    state.last_synced_revision = row_statement->text(0);
    state.last_rendered_key = row_statement->text(1);
    state.spec_json = row_statement->text(2);

    auto keys = Statement::prepare(
        db, "SELECT resource_key FROM managed_object WHERE app = ?1 ORDER BY position");
    if (!keys.ok()) return keys.status();
    keys->bindText(1, app);
    while (true) {
      auto key = keys->step();
      if (!key.ok()) return key.status();
      if (!*key) break;
      state.managed_keys.push_back(keys->text(0));
    }
    if (Status committed = transaction.commit(); !committed.ok()) return committed;
    return std::optional<AppState>(std::move(state));
  };
  return annotate(read(), path_, "reading the state of " + quoted(app));
}

Status StateStore::deleteAppState(const std::string& app) {
  std::lock_guard lock(mutex_);
  auto remove = [&]() -> Status {
    sqlite3* db = db_.get();
    Transaction transaction(db);
    if (Status begun = transaction.begin(Transaction::Kind::kWrite); !begun.ok()) return begun;
    for (const char* sql :
         {"DELETE FROM app_state WHERE app = ?1", "DELETE FROM managed_object WHERE app = ?1",
          "DELETE FROM sync_history WHERE app = ?1", "DELETE FROM sync_counter WHERE app = ?1"}) {
      auto statement = Statement::prepare(db, sql);
      if (!statement.ok()) return statement.status();
      statement->bindText(1, app);
      if (Status deleted = statement->run(); !deleted.ok()) return deleted;
    }
    return transaction.commit();
  };
  Status removed = remove();
  if (removed.ok()) return removed;
  return annotate(removed, path_, "deleting the state of " + quoted(app));
}

Result<std::vector<std::string>> StateStore::listApps() const {
  std::lock_guard lock(mutex_);
  auto list = [&]() -> Result<std::vector<std::string>> {
    auto statement = Statement::prepare(
        db_.get(), "SELECT app FROM app_state UNION SELECT app FROM sync_counter ORDER BY app");
    if (!statement.ok()) return statement.status();
    std::vector<std::string> apps;
    while (true) {
      auto row = statement->step();
      if (!row.ok()) return row.status();
      if (!*row) return apps;
      apps.push_back(statement->text(0));
    }
  };
  return annotate(list(), path_, "listing applications");
}

}  // namespace gitopsd::app
