// Loading tests/testdata/diff fixtures for the diff unit tests.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "manifest/parse.h"

namespace gitopsd::diff::testing {

inline std::string readFixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(GITOPSD_TESTDATA_DIR) / "diff" / name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The objects of a YAML fixture, read the way manifests are.
inline std::vector<nlohmann::json> loadObjects(const std::string& name) {
  const auto parsed = manifest::parseManifestFile(name, readFixture(name));
  INFO(parsed.status().toString());
  REQUIRE(parsed.ok());
  std::vector<nlohmann::json> objects;
  for (const auto& m : parsed->manifests) objects.push_back(m.object);
  return objects;
}

inline nlohmann::json loadObject(const std::string& name) {
  auto objects = loadObjects(name);
  REQUIRE(objects.size() == 1);
  return objects.front();
}

}  // namespace gitopsd::diff::testing
