#include "app/state_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "support/temp_dir.h"

using namespace std::chrono_literals;
using gitopsd::app::AppState;
using gitopsd::app::StateStore;
using gitopsd::app::SyncRecord;
using gitopsd::core::ManualClock;
using gitopsd::core::StatusCode;
using gitopsd::test_support::TempDir;

namespace {

std::unique_ptr<StateStore> openStore(const std::string& path, const ManualClock& clock) {
  auto store = StateStore::open(path, clock);
  INFO(store.status().toString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

std::int64_t begin(StateStore& store, const std::string& app, const std::string& revision) {
  auto id = store.beginSync(app, revision, "apps/" + app, "automated", true);
  INFO(id.status().toString());
  REQUIRE(id.ok());
  return *id;
}

void finish(StateStore& store, const std::string& app, std::int64_t id,
            const std::string& phase = "Succeeded") {
  auto finished = store.finishSync(app, id, phase, "done " + std::to_string(id), "[]");
  INFO(finished.toString());
  REQUIRE(finished.ok());
}

std::vector<std::int64_t> ids(const std::vector<SyncRecord>& records) {
  std::vector<std::int64_t> out;
  for (const auto& record : records) out.push_back(record.id);
  return out;
}

std::vector<std::int64_t> historyIds(const StateStore& store, const std::string& app) {
  auto history = store.history(app);
  INFO(history.status().toString());
  REQUIRE(history.ok());
  return ids(*history);
}

AppState stateOf(const std::string& app, std::vector<std::string> managed_keys = {}) {
  AppState state;
  state.app = app;
  state.managed_keys = std::move(managed_keys);
  return state;
}

// Runs raw SQL on a closed store's file, as another program (or an older/newer gitopsd) would.
void rawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  INFO(sqlite3_errmsg(db));
  CHECK(rc == SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace

TEST_CASE("state store: open creates the database file and an empty store", "[app]") {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.file("gitopsd.db");
  auto store = openStore(path, clock);
  CHECK(std::filesystem::exists(path));
  CHECK(std::filesystem::exists(path + "-wal"));  // WAL journaling is on
  CHECK(store->path() == path);
  auto apps = store->listApps();
  REQUIRE(apps.ok());
  CHECK(apps->empty());
  CHECK(historyIds(*store, "bookinfo").empty());
  auto state = store->appState("bookinfo");
  REQUIRE(state.ok());
  CHECK_FALSE(state->has_value());
  auto missing = store->record("bookinfo", 0);
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("state store: a folder that does not exist is an error naming the path", "[app]") {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.file("missing/gitopsd.db");
  auto store = StateStore::open(path, clock);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kInternal);
  CHECK_THAT(store.status().message(), Catch::Contains(path));
}

TEST_CASE("state store: reopening keeps history and application state", "[app]") {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.file("gitopsd.db");
  const auto started = clock.wallNow();
  AppState state{.app = "bookinfo",
                 .last_synced_revision = "abc123",
                 .last_rendered_key = "render-key",
                 .spec_json = R"({"source":{"path":"apps/bookinfo"}})",
                 .managed_keys = {"/Service:bookinfo/reviews", "apps/Deployment:bookinfo/reviews"}};
  {
    auto store = openStore(path, clock);
    const auto id = begin(*store, "bookinfo", "abc123");
    clock.advance(2500ms);
    REQUIRE(store
                ->finishSync("bookinfo", id, "Succeeded", "successfully synced",
                             R"([{"kind":"Service"}])")
                .ok());
    REQUIRE(store->putAppState(state).ok());
  }
  auto store = openStore(path, clock);
  auto record = store->record("bookinfo", 0);
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  const SyncRecord& r = **record;
  CHECK(r.app == "bookinfo");
  CHECK(r.revision == "abc123");
  CHECK(r.source_path == "apps/bookinfo");
  CHECK(r.phase == "Succeeded");
  CHECK(r.message == "successfully synced");
  CHECK(r.initiated_by == "automated");
  CHECK(r.automated);
  CHECK(r.started_at == started);
  CHECK(r.finished_at == started + 2500ms);
  CHECK(r.resources_json == R"([{"kind":"Service"}])");
  auto loaded = store->appState("bookinfo");
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  CHECK(**loaded == state);
  // The next id continues after a restart.
  CHECK(begin(*store, "bookinfo", "def456") == 1);
}

TEST_CASE("state store: ids count per application from 0 and history is newest first", "[app]") {
  TempDir dir;
  ManualClock clock;
  auto store = openStore(dir.file("gitopsd.db"), clock);
  for (int i = 0; i < 3; ++i) {
    CHECK(begin(*store, "a", "rev" + std::to_string(i)) == i);
    finish(*store, "a", i);
    clock.advance(1s);
  }
  CHECK(begin(*store, "b", "x") == 0);
  auto manual = store->beginSync("a", "rev3", "apps/a", "alice", false);
  REQUIRE(manual.ok());
  CHECK(*manual == 3);

  auto history = store->history("a");
  REQUIRE(history.ok());
  CHECK(ids(*history) == std::vector<std::int64_t>{3, 2, 1, 0});
  CHECK((*history)[0].phase == "Running");
  CHECK((*history)[0].initiated_by == "alice");
  CHECK_FALSE((*history)[0].automated);
  CHECK((*history)[0].finished_at == std::chrono::system_clock::time_point{});
  CHECK((*history)[1].revision == "rev2");
  CHECK((*history)[1].started_at > (*history)[2].started_at);

  auto limited = store->history("a", 2);
  REQUIRE(limited.ok());
  CHECK(ids(*limited) == std::vector<std::int64_t>{3, 2});
  CHECK(historyIds(*store, "b") == std::vector<std::int64_t>{0});

  auto apps = store->listApps();
  REQUIRE(apps.ok());
  CHECK(*apps == std::vector<std::string>{"a", "b"});

  // Ids are not reused after the records are trimmed away.
  finish(*store, "a", 3);
  REQUIRE(store->trimHistory("a", 0).ok());
  CHECK(historyIds(*store, "a").empty());
  CHECK(begin(*store, "a", "rev4") == 4);
}

TEST_CASE("state store: finishSync rejects bad phases, unknown ids and second finishes", "[app]") {
  TempDir dir;
  ManualClock clock;
  auto store = openStore(dir.file("gitopsd.db"), clock);
  const auto id = begin(*store, "a", "rev");

  auto running = store->finishSync("a", id, "Running", "", "");
  CHECK(running.code() == StatusCode::kInvalid);
  auto unknown = store->finishSync("a", 7, "Failed", "", "");
  CHECK(unknown.code() == StatusCode::kNotFound);
  CHECK_THAT(unknown.message(), Catch::Contains("gitopsd.db") && Catch::Contains("\"a\""));

  finish(*store, "a", id, "Failed");
  auto again = store->finishSync("a", id, "Succeeded", "", "");
  CHECK(again.code() == StatusCode::kConflict);
  auto record = store->record("a", id);
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  CHECK((*record)->phase == "Failed");

  auto empty = store->beginSync("", "rev", "", "automated", true);
  CHECK(empty.status().code() == StatusCode::kInvalid);
}

TEST_CASE("state store: trimHistory keeps the newest finished records and every Running one",
          "[app]") {
  TempDir dir;
  ManualClock clock;
  auto store = openStore(dir.file("gitopsd.db"), clock);
  // 0 stays Running (e.g. a hung sync), 1..11 finish, 12 is Running.
  begin(*store, "a", "r0");
  for (int i = 1; i <= 11; ++i) finish(*store, "a", begin(*store, "a", "r"));
  begin(*store, "a", "r12");
  begin(*store, "other", "r");
  finish(*store, "other", 0);

  REQUIRE(store->trimHistory("a", 3).ok());
  CHECK(historyIds(*store, "a") == std::vector<std::int64_t>{12, 11, 10, 9, 0});
  REQUIRE(store->trimHistory("a").ok());  // default limit 10: nothing more to drop
  CHECK(historyIds(*store, "a") == std::vector<std::int64_t>{12, 11, 10, 9, 0});
  REQUIRE(store->trimHistory("a", 0).ok());
  CHECK(historyIds(*store, "a") == std::vector<std::int64_t>{12, 0});
  CHECK(historyIds(*store, "other") == std::vector<std::int64_t>{0});
}

TEST_CASE("state store: markInterrupted closes syncs left Running by a crash", "[app]") {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.file("gitopsd.db");
  {
    auto store = openStore(path, clock);
    finish(*store, "a", begin(*store, "a", "r0"));
    begin(*store, "a", "r1");
    begin(*store, "b", "r0");
    // Destroyed without finishSync: the process "died" mid-sync.
  }
  clock.advance(1min);
  auto store = openStore(path, clock);
  auto interrupted = store->markInterrupted();
  INFO(interrupted.status().toString());
  REQUIRE(interrupted.ok());
  REQUIRE(interrupted->size() == 2);
  CHECK((*interrupted)[0].app == "a");
  CHECK((*interrupted)[0].id == 1);
  CHECK((*interrupted)[0].revision == "r1");
  CHECK((*interrupted)[1].app == "b");
  CHECK((*interrupted)[1].id == 0);
  for (const auto& record : *interrupted) {
    CHECK(record.phase == "Interrupted");
    CHECK(record.message == StateStore::kInterruptedMessage);
    CHECK(record.finished_at == clock.wallNow());
  }
  auto stored = store->record("a", 1);
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->phase == "Interrupted");
  CHECK((*stored)->finished_at == clock.wallNow());
  auto untouched = store->record("a", 0);
  REQUIRE(untouched.ok());
  CHECK((*untouched)->phase == "Succeeded");

  auto second = store->markInterrupted();
  REQUIRE(second.ok());
  CHECK(second->empty());
  CHECK(store->finishSync("a", 1, "Succeeded", "", "").code() == StatusCode::kConflict);
}

TEST_CASE("state store: a process killed with SIGKILL mid-sync leaves a usable database", "[app]") {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.file("gitopsd.db");
  {
    auto store = openStore(path, clock);
    finish(*store, "a", begin(*store, "a", "r0"));
  }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // No Catch2 assertions in the child: exit codes report failures.
    auto store = StateStore::open(path, clock);
    if (!store.ok()) ::_exit(2);
    if (!(*store)->beginSync("a", "r1", "apps/a", "automated", true).ok()) ::_exit(3);
    AppState state = stateOf("a", {"/Service:x/y"});
    state.last_synced_revision = "r1";
    if (!(*store)->putAppState(state).ok()) ::_exit(4);
    ::kill(::getpid(), SIGKILL);
    ::_exit(5);
  }
  int wait_status = 0;
  REQUIRE(::waitpid(child, &wait_status, 0) == child);
  INFO("child wait status " << wait_status);
  REQUIRE(WIFSIGNALED(wait_status));
  CHECK(WTERMSIG(wait_status) == SIGKILL);

  auto store = openStore(path, clock);
  auto interrupted = store->markInterrupted();
  REQUIRE(interrupted.ok());
  REQUIRE(interrupted->size() == 1);
  CHECK((*interrupted)[0].id == 1);
  CHECK((*interrupted)[0].revision == "r1");
  auto state = store->appState("a");
  REQUIRE(state.ok());
  REQUIRE(state->has_value());
  CHECK((*state)->managed_keys == std::vector<std::string>{"/Service:x/y"});
  CHECK(historyIds(*store, "a") == std::vector<std::int64_t>{1, 0});
}

TEST_CASE("state store: application state round trip, replacement and delete cascade", "[app]") {
  TempDir dir;
  ManualClock clock;
  auto store = openStore(dir.file("gitopsd.db"), clock);
  AppState state{.app = "bookinfo",
                 .last_synced_revision = "abc",
                 .last_rendered_key = "k1",
                 .spec_json = "{}",
                 .managed_keys = {"b", "a", "a", "/Namespace:/bookinfo"}};
  REQUIRE(store->putAppState(state).ok());
  auto loaded = store->appState("bookinfo");
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  CHECK(**loaded == state);  // order and duplicates kept

  state.last_synced_revision = "def";
  state.managed_keys = {"only"};
  REQUIRE(store->putAppState(state).ok());
  loaded = store->appState("bookinfo");
  REQUIRE(loaded.ok());
  CHECK(**loaded == state);

  REQUIRE(store->putAppState(stateOf("other")).ok());
  finish(*store, "bookinfo", begin(*store, "bookinfo", "def"));
  begin(*store, "history-only", "r");
  auto apps = store->listApps();
  REQUIRE(apps.ok());
  CHECK(*apps == std::vector<std::string>{"bookinfo", "history-only", "other"});

  REQUIRE(store->deleteAppState("bookinfo").ok());
  loaded = store->appState("bookinfo");
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded->has_value());
  CHECK(historyIds(*store, "bookinfo").empty());
  apps = store->listApps();
  REQUIRE(apps.ok());
  CHECK(*apps == std::vector<std::string>{"history-only", "other"});
  // A new application of the same name starts its ids again.
  CHECK(begin(*store, "bookinfo", "ghi") == 0);
  REQUIRE(store->deleteAppState("never-existed").ok());
  CHECK(store->putAppState(AppState{}).code() == StatusCode::kInvalid);
}

TEST_CASE("state store: a file of random bytes is refused with an error naming it", "[app]") {
  TempDir dir;
  ManualClock clock;
  std::mt19937 random(42);
  std::string noise(8192, '\0');
  for (char& c : noise) c = static_cast<char>(random() & 0xff);
  const std::string path = dir.write("gitopsd.db", noise);
  auto store = StateStore::open(path, clock);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kInvalid);
  CHECK_THAT(store.status().message(),
             Catch::StartsWith(path) && Catch::Contains("not an SQLite database"));
}

TEST_CASE("state store: a newer schema version is refused", "[app]") {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.file("gitopsd.db");
  {
    auto store = openStore(path, clock);
    begin(*store, "a", "r");
  }
  rawExec(path, "PRAGMA user_version = 99");
  auto store = StateStore::open(path, clock);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kInvalid);
  CHECK_THAT(store.status().message(),
             Catch::StartsWith(path) && Catch::Contains("99") && Catch::Contains("newer"));
}

TEST_CASE("state store: another program's SQLite database is refused", "[app]") {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.file("other.db");
  rawExec(path, "CREATE TABLE notes (text TEXT)");
  auto store = StateStore::open(path, clock);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kInvalid);
  CHECK_THAT(store.status().message(),
             Catch::StartsWith(path) && Catch::Contains("did not create"));
}

TEST_CASE("state store: concurrent use from 4 threads", "[app]") {
  TempDir dir;
  ManualClock clock;
  auto store = openStore(dir.file("gitopsd.db"), clock);
  constexpr int kThreads = 4;
  constexpr int kSyncs = 25;
  std::vector<std::vector<std::int64_t>> shared_ids(kThreads);
  std::vector<int> failures(kThreads, 0);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const std::string own = "app-" + std::to_string(t);
        for (int i = 0; i < kSyncs; ++i) {
          auto shared = store->beginSync("shared", "r", "p", own, false);
          auto mine = store->beginSync(own, "r", "p", "automated", true);
          if (!shared.ok() || !mine.ok() || *mine != i) {
            ++failures[t];
            continue;
          }
          shared_ids[t].push_back(*shared);
          if (!store->finishSync("shared", *shared, "Succeeded", "", "").ok()) ++failures[t];
          if (!store->finishSync(own, *mine, "Failed", "boom", "").ok()) ++failures[t];
          const AppState state = stateOf(own, {std::to_string(i)});
          if (!store->putAppState(state).ok()) ++failures[t];
          if (!store->history("shared", 5).ok() || !store->appState(own).ok()) ++failures[t];
          if (!store->trimHistory(own, 10).ok()) ++failures[t];
        }
      });
    }
  }
  for (int t = 0; t < kThreads; ++t) CHECK(failures[t] == 0);
  std::set<std::int64_t> all;
  for (const auto& list : shared_ids) all.insert(list.begin(), list.end());
  CHECK(all.size() == kThreads * kSyncs);
  CHECK(*all.begin() == 0);
  CHECK(*all.rbegin() == kThreads * kSyncs - 1);
  CHECK(historyIds(*store, "shared").size() == kThreads * kSyncs);
  for (int t = 0; t < kThreads; ++t) {
    const std::string own = "app-" + std::to_string(t);
    CHECK(historyIds(*store, own).size() == 10);
    auto state = store->appState(own);
    REQUIRE(state.ok());
    REQUIRE(state->has_value());
    CHECK((*state)->managed_keys == std::vector<std::string>{std::to_string(kSyncs - 1)});
  }
}
