// Reads KEY=VALUE files (cluster.env, git.env) written by the test server scripts.
#pragma once

#include <fstream>
#include <map>
#include <string>

namespace gitopsd::test_support {

// Everything up to the first '=' is the key; an unreadable file gives an empty map.
inline std::map<std::string, std::string> readEnvFile(const char* path) {
  std::map<std::string, std::string> values;
  if (path == nullptr) return values;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto equals = line.find('=');
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

}  // namespace gitopsd::test_support
