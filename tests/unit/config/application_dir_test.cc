#include "config/application_dir.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "support/temp_dir.h"

namespace fs = std::filesystem;

using gitopsd::config::AppFileState;
using gitopsd::config::Application;
using gitopsd::config::ApplicationDirWatcher;
using gitopsd::config::DirScan;
using gitopsd::config::isApplicationFileName;
using gitopsd::config::mergeApplications;
using gitopsd::core::StatusCode;
using gitopsd::test_support::TempDir;

namespace {

// One Application document named `name` with `path` as its source path.
std::string appYaml(const std::string& name, const std::string& path = "deploy") {
  return "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name +
         "\nspec:\n  source:\n    repoURL: https://git.example/org/app.git\n    path: " + path +
         "\n  destination:\n    name: dev\n";
}

std::vector<std::string> changedPaths(const DirScan& scan) {
  std::vector<std::string> out;
  for (const auto& change : scan.changed) out.push_back(change.path);
  return out;
}

std::vector<std::string> appNames(const std::vector<Application>& apps) {
  std::vector<std::string> out;
  for (const auto& app : apps) out.push_back(app.name);
  return out;
}

Application inlineApp(const std::string& name) {
  Application app;
  app.name = name;
  app.file = "/etc/gitopsd/gitopsd.yaml";
  app.line = 20;
  return app;
}

}  // namespace

TEST_CASE("config: application file names", "[config]") {
  CHECK(isApplicationFileName("a.yaml"));
  CHECK(isApplicationFileName("a.yml"));
  CHECK(isApplicationFileName("a.json"));
  CHECK_FALSE(isApplicationFileName("a.YAML"));
  CHECK_FALSE(isApplicationFileName("a.txt"));
  CHECK_FALSE(isApplicationFileName(".a.yaml"));
  CHECK_FALSE(isApplicationFileName("..data"));
  CHECK_FALSE(isApplicationFileName("a.yaml.swp"));
}

TEST_CASE("config: dir watcher reports added, changed and removed files", "[config]") {
  TempDir dir;
  const std::string a = dir.write("apps/a.yaml", appYaml("a"));
  const std::string b = dir.write("apps/b.yml", appYaml("b") + "---\n" + appYaml("b2"));
  dir.write("apps/c.json",
            R"({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "c"},
                "spec": {"source": {"repoURL": "https://h/c.git"}, "destination": {"name": "dev"}}})");
  dir.write("apps/.hidden.yaml", appYaml("hidden"));
  dir.write("apps/notes.txt", "not an application");
  dir.write("apps/sub/nested.yaml", appYaml("nested"));
  fs::create_directories(dir.path() / "apps" / "folder.yaml");
  const std::string apps = (dir.path() / "apps").string();

  ApplicationDirWatcher watcher({apps});
  DirScan scan = watcher.scan();
  CHECK(changedPaths(scan) == std::vector<std::string>{a, b, apps + "/c.json"});
  CHECK(scan.removed.empty());
  CHECK(scan.folder_errors.empty());
  for (const auto& change : scan.changed) {
    INFO(change.result.status().toString());
    CHECK(change.result.ok());
  }
  REQUIRE(scan.changed[1].result.ok());
  CHECK(appNames(scan.changed[1].result->apps) == std::vector<std::string>{"b", "b2"});
  CHECK(scan.changed[1].result->apps[1].file == b);

  SECTION("nothing changed") { CHECK(watcher.scan().empty()); }

  SECTION("a rewrite with the same size and mtime is still seen") {
    const auto mtime = fs::last_write_time(a);
    dir.write("apps/a.yaml", appYaml("a", "deplox"));
    fs::last_write_time(a, mtime);
    REQUIRE(fs::file_size(a) == appYaml("a").size());
    scan = watcher.scan();
    REQUIRE(changedPaths(scan) == std::vector<std::string>{a});
    REQUIRE(scan.changed[0].result.ok());
    CHECK(scan.changed[0].result->apps[0].source.path == "deplox");
  }

  SECTION("a touch without a content change is not a change") {
    fs::last_write_time(a, fs::last_write_time(a) + std::chrono::seconds(5));
    CHECK(watcher.scan().empty());
  }

  SECTION("a removed file") {
    fs::remove(b);
    scan = watcher.scan();
    CHECK(scan.changed.empty());
    CHECK(scan.removed == std::vector<std::string>{b});
    CHECK(watcher.files().size() == 2);
    CHECK(watcher.scan().empty());
  }

  SECTION("a new file") {
    const std::string d = dir.write("apps/d.yaml", appYaml("d"));
    scan = watcher.scan();
    CHECK(changedPaths(scan) == std::vector<std::string>{d});
  }
}

TEST_CASE("config: an invalid file reports its error and keeps its last good apps", "[config]") {
  TempDir dir;
  const std::string a = dir.write("a.yaml", appYaml("a"));
  ApplicationDirWatcher watcher({dir.path().string()});
  REQUIRE(watcher.scan().changed.size() == 1);

  dir.write("a.yaml", appYaml("a") + "  syncPolicy: {automated: {prune: maybe}}\n");
  DirScan scan = watcher.scan();
  REQUIRE(scan.changed.size() == 1);
  REQUIRE_FALSE(scan.changed[0].result.ok());
  CHECK(scan.changed[0].result.status().message() ==
        a + ":11:35: spec.syncPolicy.automated.prune: expected a boolean (true or false), got "
            "\"maybe\"");

  const auto files = watcher.files();
  REQUIRE(files.size() == 1);
  CHECK(files[0].path == a);
  CHECK(appNames(files[0].apps) == std::vector<std::string>{"a"});
  CHECK(files[0].error.code() == StatusCode::kInvalid);

  const auto merged = mergeApplications({}, files);
  CHECK(appNames(merged.apps) == std::vector<std::string>{"a"});
  REQUIRE(merged.file_errors.count(a) == 1);
  CHECK(merged.file_errors.at(a) == files[0].error);

  SECTION("fixing the file clears the error") {
    dir.write("a.yaml", appYaml("a", "fixed"));
    scan = watcher.scan();
    REQUIRE(scan.changed.size() == 1);
    CHECK(scan.changed[0].result.ok());
    CHECK(watcher.files()[0].error.ok());
    CHECK(watcher.files()[0].apps[0].source.path == "fixed");
  }

  SECTION("a file that never parsed has no apps") {
    const std::string bad = dir.write("b.yaml", "kind: [\n");
    scan = watcher.scan();
    REQUIRE(changedPaths(scan) == std::vector<std::string>{bad});
    CHECK_FALSE(scan.changed[0].result.ok());
    const auto all = watcher.files();
    REQUIRE(all.size() == 2);
    CHECK(all[1].apps.empty());
    CHECK_FALSE(all[1].error.ok());
  }
}

TEST_CASE("config: duplicate application names across files", "[config]") {
  TempDir dir;
  const std::string a = dir.write("a.yaml", appYaml("web") + "---\n" + appYaml("api"));
  const std::string b = dir.write("b.yaml", appYaml("web", "other") + "---\n" + appYaml("db"));
  ApplicationDirWatcher watcher({dir.path().string()});
  REQUIRE(watcher.scan().changed.size() == 2);
  const auto merged = mergeApplications({}, watcher.files());
  CHECK(appNames(merged.apps) == std::vector<std::string>{"web", "api", "db"});
  CHECK(merged.apps[0].source.path == "deploy");
  REQUIRE(merged.file_errors.size() == 1);
  REQUIRE(merged.file_errors.count(b) == 1);
  CHECK(merged.file_errors.at(b).code() == StatusCode::kInvalid);
  CHECK(merged.file_errors.at(b).message() ==
        b + ":1: application \"web\" is already defined in " + a + ":1; this one is ignored");
}

TEST_CASE("config: mergeApplications puts inline applications first", "[config]") {
  AppFileState file;
  file.path = "/apps/x.yaml";
  file.apps = {inlineApp("one"), inlineApp("two")};
  file.apps[0].file = file.apps[1].file = file.path;
  file.apps[0].line = 1;
  file.apps[1].line = 12;
  file.warnings = {"/apps/x.yaml:3: metadata.uid: set by the Kubernetes API server; ignored"};
  AppFileState later;
  later.path = "/apps/y.yaml";
  later.apps = {inlineApp("two")};
  later.apps[0].file = later.path;
  later.apps[0].line = 1;
  later.error = gitopsd::core::invalidError("/apps/y.yaml:4:1: something");

  const auto merged = mergeApplications({inlineApp("one")}, {later, file});
  CHECK(appNames(merged.apps) == std::vector<std::string>{"one", "two"});
  CHECK(merged.apps[0].file == "/etc/gitopsd/gitopsd.yaml");
  CHECK(merged.apps[1].file == "/apps/x.yaml");
  REQUIRE(merged.file_errors.size() == 2);
  CHECK(merged.file_errors.at("/apps/x.yaml").message() ==
        "/apps/x.yaml:1: application \"one\" is already defined in /etc/gitopsd/gitopsd.yaml:20; "
        "this one is ignored");
  CHECK(merged.file_errors.at("/apps/y.yaml").message() ==
        "/apps/y.yaml:4:1: something; /apps/y.yaml:1: application \"two\" is already defined in "
        "/apps/x.yaml:12; this one is ignored");
  CHECK(merged.warnings == file.warnings);
}

TEST_CASE("config: a missing folder is an error, not a removal", "[config]") {
  TempDir dir;
  const std::string apps = (dir.path() / "apps").string();
  const std::string a = dir.write("apps/a.yaml", appYaml("a"));
  ApplicationDirWatcher watcher({apps, (dir.path() / "absent").string(), apps});
  CHECK(watcher.dirs().size() == 2);
  DirScan scan = watcher.scan();
  CHECK(changedPaths(scan) == std::vector<std::string>{a});
  REQUIRE(scan.folder_errors.size() == 1);
  CHECK(scan.folder_errors[0].code() == StatusCode::kNotFound);
  CHECK(scan.folder_errors[0].message().rfind(
            "application folder " + (dir.path() / "absent").string() + ": ", 0) == 0);

  fs::rename(apps, dir.path() / "moved");
  scan = watcher.scan();
  CHECK(scan.removed.empty());
  CHECK(scan.folder_errors.size() == 2);
  CHECK(watcher.files().size() == 1);

  fs::rename(dir.path() / "moved", apps);
  scan = watcher.scan();
  CHECK(scan.changed.empty());
  CHECK(scan.removed.empty());
}

TEST_CASE("config: an oversized file is reported once until it changes", "[config]") {
  TempDir dir;
  gitopsd::config::ApplicationParseLimits limits;
  limits.max_file_bytes = 64;
  const std::string a = dir.write("a.yaml", appYaml("a"));
  ApplicationDirWatcher watcher({dir.path().string()}, limits);
  DirScan scan = watcher.scan();
  REQUIRE(scan.changed.size() == 1);
  CHECK(scan.changed[0].result.status().message() ==
        a + ": " + std::to_string(appYaml("a").size()) + " bytes exceeds the limit of 64 bytes");
  CHECK(watcher.scan().empty());
  dir.write("a.yaml", "# small\n");
  scan = watcher.scan();
  REQUIRE(scan.changed.size() == 1);
  CHECK(scan.changed[0].result.ok());
}

TEST_CASE("config: symbolic links to files are followed", "[config]") {
  TempDir dir;
  const std::string target = dir.write("data/real.yaml", appYaml("linked"));
  fs::create_directories(dir.path() / "apps");
  fs::create_symlink(target, dir.path() / "apps" / "linked.yaml");
  fs::create_symlink(dir.path() / "nowhere.yaml", dir.path() / "apps" / "dangling.yaml");
  ApplicationDirWatcher watcher({(dir.path() / "apps").string()});
  const DirScan scan = watcher.scan();
  REQUIRE(scan.changed.size() == 1);
  REQUIRE(scan.changed[0].result.ok());
  CHECK(scan.changed[0].result->apps[0].name == "linked");
}
