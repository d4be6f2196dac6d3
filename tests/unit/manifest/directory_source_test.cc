#include "manifest/directory_source.h"

#include <algorithm>
#include <catch2/catch.hpp>

using gitopsd::core::StatusCode;
using gitopsd::manifest::DirectoryOptions;
using gitopsd::manifest::ManifestSet;
using gitopsd::manifest::MemoryTree;
using gitopsd::manifest::normalizeAppPath;
using gitopsd::manifest::ParseLimits;
using gitopsd::manifest::renderDirectory;
using gitopsd::manifest::TreeEntry;

namespace {

std::string configMap(const std::string& name) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n";
}

DirectoryOptions options(bool recurse, std::vector<std::string> include = {},
                         std::vector<std::string> exclude = {}) {
  DirectoryOptions result;
  result.recurse = recurse;
  result.include = std::move(include);
  result.exclude = std::move(exclude);
  return result;
}

ManifestSet render(MemoryTree& tree, const std::string& path, const DirectoryOptions& opts) {
  auto set = renderDirectory(tree, path, opts);
  INFO(set.status().toString());
  REQUIRE(set.ok());
  return std::move(set).value();
}

// "file:line name" of every object, in the set's order.
std::vector<std::string> origins(const ManifestSet& set) {
  std::vector<std::string> out;
  for (const auto& entry : set.entries) {
    out.push_back(entry.manifest.origin() + " " + entry.key.name);
  }
  return out;
}

MemoryTree nestedTree() {
  MemoryTree tree("test repo at commit abc1234");
  tree.file("README.md", "# not a manifest\n")
      .file("apps/web/a.yaml", configMap("a"))
      .file("apps/web/notes.txt", "text")
      .file("apps/web/sub/b.yml", configMap("b"))
      .file("apps/web/sub/deeper/c.json",
            R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})")
      .file("apps/web/test/t.yaml", configMap("t"))
      .file("apps/other/o.yaml", configMap("o"));
  return tree;
}

}  // namespace

TEST_CASE("manifest: directory source: without recurse only the path's own files", "[manifest]") {
  MemoryTree tree = nestedTree();
  const auto set = render(tree, "apps/web", options(false));
  CHECK(origins(set) == std::vector<std::string>{"apps/web/a.yaml:1 a"});
  CHECK(set.warnings.empty());
  CHECK(tree.reads() == std::vector<std::string>{"apps/web/a.yaml"});
}

TEST_CASE("manifest: directory source: recurse reads nested YAML and JSON with repo paths",
          "[manifest]") {
  MemoryTree tree = nestedTree();
  const auto set = render(tree, "apps/web", options(true));
  CHECK(origins(set) == std::vector<std::string>{"apps/web/a.yaml:1 a", "apps/web/sub/b.yml:1 b",
                                                 "apps/web/sub/deeper/c.json:1 c",
                                                 "apps/web/test/t.yaml:1 t"});
}

TEST_CASE("manifest: directory source: include and exclude, exclude wins", "[manifest]") {
  MemoryTree tree = nestedTree();
  auto set = render(tree, "apps/web", options(true, {"**/*.yaml", "**/*.json"}, {"test/**"}));
  CHECK(origins(set) ==
        std::vector<std::string>{"apps/web/a.yaml:1 a", "apps/web/sub/deeper/c.json:1 c"});
  set = render(tree, "apps/web", options(true, {"sub/**"}, {"**/*.json"}));
  CHECK(origins(set) == std::vector<std::string>{"apps/web/sub/b.yml:1 b"});
  // Globs match the path relative to the application path, not to the repository root.
  set = render(tree, "apps/web", options(true, {"apps/web/*.yaml"}));
  CHECK(set.entries.empty());
}

TEST_CASE("manifest: directory source: the root path in its spellings, and path normalisation",
          "[manifest]") {
  MemoryTree tree;
  tree.file("root.yaml", configMap("root")).file("apps/x.yaml", configMap("x"));
  for (const std::string path : {"", ".", "./", "/"}) {
    INFO(path);
    CHECK(origins(render(tree, path, options(false))) ==
          std::vector<std::string>{"root.yaml:1 root"});
  }
  for (const std::string path : {"apps", "./apps/", "apps/", "/apps", "apps/./"}) {
    INFO(path);
    CHECK(origins(render(tree, path, options(false))) ==
          std::vector<std::string>{"apps/x.yaml:1 x"});
  }
  CHECK(normalizeAppPath("./a//b/./c/").valueOr("?") == "a/b/c");
}

TEST_CASE("manifest: directory source: '..' anywhere in the path is refused", "[manifest]") {
  MemoryTree tree;
  tree.file("apps/x.yaml", configMap("x"));
  for (const std::string path : {"..", "../apps", "apps/..", "apps/../apps", "a/b/../../c"}) {
    INFO(path);
    const auto set = renderDirectory(tree, path, options(true));
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().code() == StatusCode::kInvalid);
    CHECK_THAT(set.status().message(), Catch::Contains("'..'"));
  }
  CHECK(tree.reads().empty());
}

TEST_CASE(
    "manifest: directory source: multi-document YAML, Lists, empty documents, non-k8s warning",
    "[manifest]") {
  MemoryTree tree;
  tree.file("app/all.yaml", "---\n" + configMap("one") + "---\n# only a comment\n---\n" +
                                "apiVersion: v1\nkind: List\nitems:\n- " +
                                "apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n")
      .file("app/values.yaml", "replicas: 3\n");
  const auto set = render(tree, "app", options(false));
  CHECK(origins(set) == std::vector<std::string>{"app/all.yaml:2 one", "app/all.yaml:12 s"});
  REQUIRE(set.warnings.size() == 1);
  CHECK_THAT(set.warnings[0], Catch::StartsWith("app/values.yaml"));
}

TEST_CASE("manifest: directory source: duplicates across files name both origins", "[manifest]") {
  MemoryTree tree;
  tree.file("app/a.yaml", configMap("same")).file("app/sub/b.yaml", "\n" + configMap("same"));
  const auto set = renderDirectory(tree, "app", options(true));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK_THAT(set.status().message(),
             Catch::Contains("app/a.yaml:1") && Catch::Contains("app/sub/b.yaml:2"));
}

TEST_CASE("manifest: directory source: invalid YAML aborts the render with file:line:col",
          "[manifest]") {
  MemoryTree tree;
  tree.file("app/a.yaml", configMap("a"))
      .file("app/b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n")
      .file("app/c.yaml", configMap("c"));
  const auto set = renderDirectory(tree, "app", options(false));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK_THAT(set.status().message(), Catch::Matches("app/b\\.yaml:\\d+:\\d+: .*"));
  // The first error ends the render: the later file is not read.
  CHECK(tree.reads() == std::vector<std::string>{"app/a.yaml", "app/b.yaml"});
}

TEST_CASE("manifest: directory source: missing path is NotFound naming the tree", "[manifest]") {
  MemoryTree tree("repo at commit abc1234");
  tree.file("apps/x.yaml", configMap("x"));
  auto set = renderDirectory(tree, "apps/missing", options(false));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kNotFound);
  CHECK(set.status().message() == "path 'apps/missing' not found in repo at commit abc1234");
  // Below a file: also not found, saying why.
  set = renderDirectory(tree, "apps/x.yaml/deeper", options(false));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kNotFound);
  CHECK_THAT(set.status().message(), Catch::Contains("'apps/x.yaml' is a file"));
}

TEST_CASE("manifest: directory source: a path that is a file or a link is Invalid", "[manifest]") {
  MemoryTree tree("repo at commit abc1234");
  tree.file("apps/x.yaml", configMap("x")).symlink("apps/current", "x.yaml");
  auto set = renderDirectory(tree, "./apps/x.yaml", options(false));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK_THAT(set.status().message(),
             Catch::StartsWith("path 'apps/x.yaml' in repo at commit abc1234 is a file"));
  set = renderDirectory(tree, "apps/current", options(false));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK_THAT(set.status().message(), Catch::Contains("is a symbolic link (to 'x.yaml')"));
  CHECK(tree.reads().empty());
}

TEST_CASE("manifest: directory source: an empty folder renders nothing, successfully",
          "[manifest]") {
  MemoryTree tree;
  tree.directory("apps/empty").file("apps/empty.yaml", configMap("e"));
  const auto set = render(tree, "apps/empty", options(true));
  CHECK(set.entries.empty());
  CHECK(set.warnings.empty());
}

TEST_CASE("manifest: directory source: a link to a file inside is read under the link's name",
          "[manifest]") {
  MemoryTree tree;
  tree.file("common/shared.yaml", configMap("shared"))
      .file("app/own.yaml", configMap("own"))
      .symlink("app/shared.yaml", "../common/shared.yaml")
      .symlink("app/sub/chain.yaml", "../link2.yml")
      .symlink("app/link2.yml", "./../common/other.yaml")
      .file("common/other.yaml", configMap("other"))
      .symlink("app/ignored.txt", "../common/shared.yaml");
  const auto set = render(tree, "app", options(true, {}, {"link2.yml"}));
  CHECK(origins(set) == std::vector<std::string>{"app/sub/chain.yaml:1 other", "app/own.yaml:1 own",
                                                 "app/shared.yaml:1 shared"});
  CHECK(set.warnings.empty());
  CHECK(std::count(tree.reads().begin(), tree.reads().end(), "common/shared.yaml") == 1);
}

TEST_CASE("manifest: directory source: links leaving the repository are refused, never read",
          "[manifest]") {
  struct Case {
    std::string link;
    std::string target;
  };
  for (const Case& c :
       {Case{"app/passwd.yaml", "/etc/passwd"}, Case{"app/passwd.yaml", "../../etc/passwd"},
        Case{"app/sub/deep.yaml", "../../../x.yaml"}, Case{"app/hidden", "/etc/passwd"}}) {
    INFO(c.link << " -> " << c.target);
    MemoryTree tree;
    tree.file("app/ok.yaml", configMap("ok")).symlink(c.link, c.target);
    const auto set = renderDirectory(tree, "app", options(true));
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().code() == StatusCode::kInvalid);
    CHECK(set.status().message() ==
          c.link + ": symbolic link to '" + c.target + "' points outside the repository; refused");
    for (const auto& read : tree.reads()) CHECK(read.find("passwd") == std::string::npos);
  }
  // Reaching the outside through a chain is refused just the same.
  MemoryTree tree;
  tree.symlink("app/a.yaml", "../hop.yaml").symlink("hop.yaml", "../outside.yaml");
  const auto set = renderDirectory(tree, "app", options(false));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK_THAT(set.status().message(),
             Catch::StartsWith("app/a.yaml: symbolic link to '../hop.yaml'") &&
                 Catch::Contains("points outside the repository"));
  // Inside the repository, "../.." is fine when the link is deep enough.
  MemoryTree deep;
  deep.file("common/x.yaml", configMap("x")).symlink("apps/web/x.yaml", "../../common/x.yaml");
  CHECK(origins(render(deep, "apps/web", options(false))) ==
        std::vector<std::string>{"apps/web/x.yaml:1 x"});
}

TEST_CASE("manifest: directory source: linked folders are not descended into, with a warning",
          "[manifest]") {
  MemoryTree tree;
  tree.file("base/b.yaml", configMap("b"))
      .file("app/a.yaml", configMap("a"))
      .symlink("app/base", "../base")
      .symlink("app/self", ".");
  auto set = render(tree, "app", options(true));
  CHECK(origins(set) == std::vector<std::string>{"app/a.yaml:1 a"});
  REQUIRE(set.warnings.size() == 2);
  CHECK(set.warnings[0] ==
        "app/base: symbolic link to '../base' is a directory; linked directories are not rendered");
  CHECK_THAT(set.warnings[1], Catch::StartsWith("app/self: symbolic link to '.'"));
  // Without recurse sub-folders are not rendered anyway: no warning.
  set = render(tree, "app", options(false));
  CHECK(set.warnings.empty());
}

TEST_CASE("manifest: directory source: link loops and dangling links", "[manifest]") {
  MemoryTree loop;
  loop.symlink("app/a.yaml", "b.yaml").symlink("app/b.yaml", "a.yaml");
  auto set = renderDirectory(loop, "app", options(false));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK_THAT(set.status().message(), Catch::Contains("chain of more than"));

  MemoryTree dangling("repo");
  dangling.symlink("app/gone.yaml", "../nowhere/gone.yaml").symlink("app/gone.txt", "x");
  set = renderDirectory(dangling, "app", options(true));
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK(set.status().message() ==
        "app/gone.yaml: symbolic link to '../nowhere/gone.yaml' points to 'nowhere/gone.yaml', "
        "which does not exist in repo");
}

TEST_CASE("manifest: directory source: an oversized file is refused by size before reading",
          "[manifest]") {
  MemoryTree tree;
  tree.file("app/big.yaml", configMap("big") + std::string(200, '#'))
      .file("app/small.yaml", configMap("small"));
  ParseLimits limits;
  limits.max_file_bytes = 100;
  const auto set = renderDirectory(tree, "app", options(false), limits);
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK_THAT(set.status().message(),
             Catch::StartsWith("app/big.yaml: ") && Catch::Contains("exceeds the limit of 100"));
  CHECK(tree.reads().empty());
}

TEST_CASE("manifest: directory source: submodules are ignored", "[manifest]") {
  MemoryTree tree;
  tree.file("app/a.yaml", configMap("a")).other("app/vendor.yaml");
  CHECK(origins(render(tree, "app", options(true))) == std::vector<std::string>{"app/a.yaml:1 a"});
}

TEST_CASE("manifest: memory tree: lists like a Git tree, errors by kind", "[manifest]") {
  MemoryTree tree;
  tree.file("a/b/c.yaml", "x").symlink("a/l", "b").file("z", "");
  auto all = tree.list("", true);
  REQUIRE(all.ok());
  std::vector<std::string> paths;
  for (const auto& entry : *all) paths.push_back(entry.path);
  CHECK(paths == std::vector<std::string>{"a", "a/b", "a/b/c.yaml", "a/l", "z"});
  auto top = tree.list("a", false);
  REQUIRE(top.ok());
  REQUIRE(top->size() == 2);
  CHECK((*top)[1].type == TreeEntry::Type::kSymlink);
  CHECK((*top)[1].symlink_target == "b");
  CHECK(tree.list("missing", false).status().code() == StatusCode::kNotFound);
  CHECK(tree.list("z", false).status().code() == StatusCode::kInvalid);
  CHECK(tree.read("a/l").status().code() == StatusCode::kInvalid);
  CHECK(tree.read("a").status().code() == StatusCode::kInvalid);
  CHECK(tree.read("nope").status().code() == StatusCode::kNotFound);
  CHECK(tree.read("a/b/c.yaml").valueOr("") == "x");
}
