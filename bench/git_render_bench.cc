// First mirror + render and no-change poll of a repository with 10,000 manifests in 1,000
// folders, served by the test git daemon (tests/git/up), against `git clone` plus reading
// every file in the same run.
//
// Setup: a bare repository is created under GIT_REPOS_DIR and filled with one commit of 1,000
// folders × 10 ConfigMaps (one file each, about 400 bytes). Then, three rounds each with an
// empty cache folder:
//   git CLI:  `git clone --bare` + `git cat-file --batch` of every file (the baseline of the
//             target), and `git clone` with checkout + reading every file from disk;
//   gitopsd:  Mirror::open + fetch + resolve("main"), then renderSource for the whole tree
//             (one application, path "", recurse) and for 1,000 applications (one per folder).
// No-change poll (20 rounds, warm render cache): Mirror::fetchIfMoved (one ls-remote, nothing
// fetched) + resolve + renderSource of the 1,000 applications (cache hits keyed by the folders'
// tree ids). Targets: no-change poll under 20 ms; first mirror + render within 1.5x of the git
// CLI's clone + read. Usage: git_render_bench GIT_ENV (or $GIT_ENV).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench_support.h"
#include "git/mirror.h"
#include "git/tree_reader.h"
#include "manifest/render_cache.h"
#include "manifest/source.h"

namespace {

namespace fs = std::filesystem;
using gitopsd::bench::progress;
using gitopsd::bench::secondsSince;
using Clock = std::chrono::steady_clock;

constexpr int kFolders = 1000;
constexpr int kFilesPerFolder = 10;
constexpr int kRounds = 3;
constexpr int kPolls = 20;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::size_t countYamlBytes(const fs::path& dir) {
  std::size_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytes += content.size();
  }
  return bytes;
}

gitopsd::manifest::SourceSpec appSpec(const std::string& path, bool recurse) {
  gitopsd::manifest::SourceSpec spec;
  spec.path = path;
  spec.directory.recurse = recurse;
  return spec;
}

// Renders the 1,000 per-folder applications; returns the number of objects, exits on error.
std::size_t renderApps(gitopsd::manifest::TreeReader& tree,
                       const gitopsd::manifest::RenderEnvironment& environment) {
  std::size_t objects = 0;
  for (int folder = 0; folder < kFolders; ++folder) {
    auto rendered = gitopsd::manifest::renderSource(
        tree, appSpec(gitopsd::bench::folderName(folder), false), environment);
    if (!rendered.ok()) {
      std::fprintf(stderr, "render %s: %s\n", gitopsd::bench::folderName(folder).c_str(),
                   rendered.status().toString().c_str());
      std::exit(1);
    }
    objects += rendered->manifests->entries.size();
  }
  return objects;
}

template <typename T>
T valueOrExit(gitopsd::core::Result<T> result, const char* what) {
  if (!result.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, result.status().toString().c_str());
    std::exit(1);
  }
  return std::move(result).value();
}

}  // namespace

int main(int argc, char** argv) {
  const auto env = gitopsd::bench::loadGitEnv(argc, argv);
  const fs::path scratch =
      fs::temp_directory_path() / ("gitopsd-bench-git-" + gitopsd::bench::randomSuffix());
  fs::create_directories(scratch);
  const std::string name = "bench-render-" + gitopsd::bench::randomSuffix();
  const fs::path bare = fs::path(env.at("GIT_REPOS_DIR")) / (name + ".git");
  const std::string url = env.at("GIT_DAEMON_URL") + "/" + name + ".git";
  // The machine may point git at other CA or config files; the bench uses plain git.
  const std::string git = "env -u GIT_SSL_CAINFO -u GIT_CONFIG_GLOBAL git";

  progress("writing " + std::to_string(kFolders * kFilesPerFolder) + " manifests in " +
           std::to_string(kFolders) + " folders and pushing them to " + url);
  const fs::path work = scratch / "work";
  gitopsd::bench::writeManifestRepository(work.string(), kFolders, kFilesPerFolder);
  gitopsd::bench::runOrExit(git + " init -q --bare -b main " + bare.string() + " && touch " +
                            bare.string() + "/git-daemon-export-ok");
  gitopsd::bench::runOrExit("cd " + work.string() + " && " + git + " init -q -b main && " + git +
                            " add -A && " + git +
                            " -c user.name=bench -c user.email=bench@localhost commit -q " +
                            "-m manifests && " + git + " push -q " + bare.string() + " main");

  std::vector<double> cli_seconds;       // bare clone + cat-file of every file
  std::vector<double> checkout_seconds;  // clone with checkout + reading the files
  std::vector<double> mirror_seconds;
  std::vector<double> tree_render_seconds;
  std::vector<double> apps_render_seconds;
  std::size_t tree_objects = 0;
  std::size_t app_objects = 0;
  std::size_t cli_bytes = 0;
  gitopsd::manifest::RenderCache cache;
  std::optional<gitopsd::git::Mirror> mirror;
  std::string commit;
  for (int round = 1; round <= kRounds; ++round) {
    progress("round " + std::to_string(round) + "/" + std::to_string(kRounds) +
             ": git clone + read, then our mirror + render");
    const fs::path clone = scratch / ("clone-" + std::to_string(round));
    auto start = Clock::now();
    gitopsd::bench::runOrExit(git + " clone --quiet " + url + " " + clone.string());
    cli_bytes = countYamlBytes(clone);
    checkout_seconds.push_back(secondsSince(start));

    const fs::path bare_clone = scratch / ("bare-" + std::to_string(round) + ".git");
    start = Clock::now();
    gitopsd::bench::runOrExit(git + " clone --quiet --bare " + url + " " + bare_clone.string() +
                              " && " + git + " -C " + bare_clone.string() +
                              " ls-tree -r --name-only HEAD | sed 's/^/HEAD:/' | " + git + " -C " +
                              bare_clone.string() + " cat-file --batch > /dev/null");
    cli_seconds.push_back(secondsSince(start));

    const fs::path cache_dir = scratch / ("cache-" + std::to_string(round));
    start = Clock::now();
    mirror.reset();
    gitopsd::git::MirrorOptions options;
    options.cache_dir = cache_dir.string();
    options.url = url;
    mirror.emplace(valueOrExit(gitopsd::git::Mirror::open(options), "open"));
    if (auto fetched = mirror->fetch(); !fetched.ok()) {
      std::fprintf(stderr, "fetch: %s\n", fetched.toString().c_str());
      return 1;
    }
    commit = valueOrExit(mirror->resolve("main"), "resolve");
    mirror_seconds.push_back(secondsSince(start));

    gitopsd::git::MirrorTreeReader tree(*mirror, commit);
    gitopsd::manifest::RenderEnvironment uncached;
    start = Clock::now();
    auto whole = valueOrExit(gitopsd::manifest::renderSource(tree, appSpec("", true), uncached),
                             "render the whole tree");
    tree_render_seconds.push_back(secondsSince(start));
    tree_objects = whole.manifests->entries.size();

    gitopsd::manifest::RenderEnvironment cached;
    gitopsd::manifest::RenderCache round_cache;
    cached.cache = round == kRounds ? &cache : &round_cache;
    start = Clock::now();
    app_objects = renderApps(tree, cached);
    apps_render_seconds.push_back(secondsSince(start));
  }

  progress("no-change polls: " + std::to_string(kPolls) + " × (ls-remote + resolve + " +
           std::to_string(kFolders) + " cached renders)");
  std::vector<double> poll_ms;
  std::vector<double> remote_check_ms;
  gitopsd::manifest::RenderEnvironment cached;
  cached.cache = &cache;
  for (int poll = 0; poll < kPolls; ++poll) {
    const auto start = Clock::now();
    const bool fetched = valueOrExit(mirror->fetchIfMoved(), "fetchIfMoved");
    remote_check_ms.push_back(secondsSince(start) * 1000);
    const std::string now = valueOrExit(mirror->resolve("main"), "resolve");
    gitopsd::git::MirrorTreeReader tree(*mirror, now);
    renderApps(tree, cached);
    poll_ms.push_back(secondsSince(start) * 1000);
    if (fetched || now != commit) {
      std::fprintf(stderr, "the remote moved during the no-change polls\n");
      return 1;
    }
  }
  const auto stats = cache.stats();

  const double cli = median(cli_seconds);
  const double first = median(mirror_seconds) + median(tree_render_seconds);
  const double first_apps = median(mirror_seconds) + median(apps_render_seconds);
  const double poll_p50 = gitopsd::bench::percentile(poll_ms, 0.5);
  const double poll_max = *std::max_element(poll_ms.begin(), poll_ms.end());
  std::printf(
      "\ngit render benchmark: %d manifests in %d folders, git daemon on loopback, "
      "medians of %d rounds\n",
      kFolders * kFilesPerFolder, kFolders, kRounds);
  std::printf(
      "  git CLI: clone --bare + cat-file    %8.3f s  (every file through cat-file --batch)\n",
      cli);
  std::printf("  git CLI: clone + read checkout      %8.3f s  (%zu bytes of YAML)\n",
              median(checkout_seconds), cli_bytes);
  std::printf("  ours: mirror (open, fetch, resolve) %8.3f s\n", median(mirror_seconds));
  std::printf("  ours: render whole tree (1 app)     %8.3f s  (%zu objects)\n",
              median(tree_render_seconds), tree_objects);
  std::printf("  ours: render 1,000 apps (uncached)  %8.3f s  (%zu objects)\n",
              median(apps_render_seconds), app_objects);
  std::printf(
      "  first mirror + render, 1 app        %8.3f s  = %.2fx the bare CLI (target <= 1.5x)  %s\n",
      first, first / cli, first / cli <= 1.5 ? "MET" : "NOT MET");
  std::printf("  first mirror + render, 1,000 apps   %8.3f s  = %.2fx the bare CLI\n", first_apps,
              first_apps / cli);
  std::printf("  no-change poll (1,000 apps) p50/max %8.2f / %.2f ms  (target < 20 ms)  %s\n",
              poll_p50, poll_max,
              poll_max < 20 ? "MET" : (poll_p50 < 20 ? "MET at p50" : "NOT MET"));
  std::printf("  of which the remote check p50       %8.2f ms  (ls-remote through git daemon)\n",
              gitopsd::bench::percentile(remote_check_ms, 0.5));
  std::printf("  render cache: %llu hits, %llu misses, %zu entries\n",
              static_cast<unsigned long long>(stats.hits),
              static_cast<unsigned long long>(stats.misses), stats.entries);

  mirror.reset();
  std::error_code ignored;
  fs::remove_all(scratch, ignored);
  fs::remove_all(bare, ignored);
  return tree_objects == static_cast<size_t>(kFolders * kFilesPerFolder) ? 0 : 1;
}
