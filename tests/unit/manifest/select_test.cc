#include "manifest/select.h"

#include <catch2/catch.hpp>

using gitopsd::manifest::DirectoryOptions;
using gitopsd::manifest::globMatch;
using gitopsd::manifest::selectedForDirectory;

namespace {

DirectoryOptions options(bool recurse, std::vector<std::string> include = {},
                         std::vector<std::string> exclude = {}) {
  DirectoryOptions result;
  result.recurse = recurse;
  result.include = std::move(include);
  result.exclude = std::move(exclude);
  return result;
}

}  // namespace

TEST_CASE("manifest: glob * ? and classes stay within one folder", "[manifest]") {
  CHECK(globMatch("*.yaml", "a.yaml"));
  CHECK_FALSE(globMatch("*.yaml", "sub/a.yaml"));
  CHECK(globMatch("sub/*.yaml", "sub/a.yaml"));
  CHECK(globMatch("v?.json", "v1.json"));
  CHECK_FALSE(globMatch("v?.json", "v12.json"));
  CHECK(globMatch("env-[a-c]/*", "env-b/x.yaml"));
  CHECK_FALSE(globMatch("env-[a-c]/*", "env-d/x.yaml"));
  CHECK(globMatch("*.yaml", ".hidden.yaml"));
  CHECK(globMatch("\\*.yaml", "*.yaml"));
  CHECK_FALSE(globMatch("\\*.yaml", "a.yaml"));
}

TEST_CASE("manifest: glob ** matches any number of folders", "[manifest]") {
  CHECK(globMatch("**/*.yaml", "a.yaml"));
  CHECK(globMatch("**/*.yaml", "a/b/c.yaml"));
  CHECK(globMatch("base/**", "base/x/y.yaml"));
  CHECK(globMatch("base/**/deploy.yaml", "base/deploy.yaml"));
  CHECK(globMatch("base/**/deploy.yaml", "base/a/b/deploy.yaml"));
  CHECK_FALSE(globMatch("base/**/deploy.yaml", "other/a/deploy.yaml"));
  CHECK(globMatch("**/test/**", "a/test/b/c.yaml"));
  CHECK(globMatch("./*.yaml", "a.yaml"));
}

TEST_CASE("manifest: glob brace alternation, nested", "[manifest]") {
  CHECK(globMatch("{config.json,env-usw2/*}", "config.json"));
  CHECK(globMatch("{config.json,env-usw2/*}", "env-usw2/a.yaml"));
  CHECK_FALSE(globMatch("{config.json,env-usw2/*}", "env-use1/a.yaml"));
  CHECK(globMatch("*.{yml,json}", "a.yml"));
  CHECK_FALSE(globMatch("*.{yml,json}", "a.yaml"));
  CHECK(globMatch("{a,b{1,2}}/x.yaml", "b2/x.yaml"));
  CHECK_FALSE(globMatch("{a,b{1,2}}/x.yaml", "b3/x.yaml"));
  CHECK(globMatch("{unclosed", "{unclosed"));
}

TEST_CASE("manifest: directory selection takes only manifest files", "[manifest]") {
  const auto plain = options(false);
  CHECK(selectedForDirectory("a.yaml", plain));
  CHECK(selectedForDirectory("a.yml", plain));
  CHECK(selectedForDirectory("a.json", plain));
  CHECK_FALSE(selectedForDirectory("README.md", plain));
  CHECK_FALSE(selectedForDirectory("a.YAML", plain));
  CHECK_FALSE(selectedForDirectory("main.jsonnet", plain));
}

TEST_CASE("manifest: directory selection recurses only when asked", "[manifest]") {
  CHECK_FALSE(selectedForDirectory("sub/a.yaml", options(false)));
  CHECK(selectedForDirectory("sub/deeper/a.yaml", options(true)));
}

TEST_CASE("manifest: directory include and exclude, exclude wins", "[manifest]") {
  const auto include_yaml = options(true, {"**/*.yaml"});
  CHECK(selectedForDirectory("x/a.yaml", include_yaml));
  CHECK_FALSE(selectedForDirectory("x/a.json", include_yaml));
  const auto both = options(true, {"**/*.yaml"}, {"secrets/**"});
  CHECK(selectedForDirectory("app/a.yaml", both));
  CHECK_FALSE(selectedForDirectory("secrets/a.yaml", both));
  const auto same = options(false, {"a.yaml"}, {"a.yaml"});
  CHECK_FALSE(selectedForDirectory("a.yaml", same));
  const auto several = options(false, {"a.yaml", "b.json"}, {});
  CHECK(selectedForDirectory("b.json", several));
  CHECK_FALSE(selectedForDirectory("c.json", several));
}
