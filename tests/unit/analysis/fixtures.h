// Fixture loading and a small condition evaluator for the analysis unit tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "analysis/verdict.h"
#include "core/status.h"

namespace gitopsd::analysis::testing {

inline nlohmann::json loadFixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(GITOPSD_TESTDATA_DIR) / "analysis" / name,
                   std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

// Understands "<operand> <op> <number>" where operand is "result" or "result[N]" and op one of
// >=, <=, >, <, ==; "boom" and anything else are evaluation errors.
inline core::Result<bool> fakeEvaluate(std::string_view expression, const nlohmann::json& env) {
  std::istringstream in{std::string(expression)};
  std::string operand;
  std::string op;
  double bound = 0;
  if (!(in >> operand >> op >> bound)) {
    return core::invalidError("cannot evaluate \"" + std::string(expression) + "\"");
  }
  nlohmann::json value = env.at("result");
  if (operand.rfind("result[", 0) == 0) {
    if (!value.is_array()) return core::invalidError("result is not a list");
    value = value.at(std::stoul(operand.substr(7)));
  } else if (operand != "result") {
    return core::invalidError("unknown name " + operand);
  }
  if (!value.is_number()) return core::invalidError("result is not a number");
  const double x = value.get<double>();
  if (op == ">=") return x >= bound;
  if (op == "<=") return x <= bound;
  if (op == ">") return x > bound;
  if (op == "<") return x < bound;
  if (op == "==") return x == bound;
  return core::invalidError("unknown operator " + op);
}

}  // namespace gitopsd::analysis::testing
