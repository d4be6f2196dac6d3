// libFuzzer target: compiles and evaluates arbitrary text as a condition against a small fixed
// environment. Any crash, sanitizer report, leak or hang is a bug; errors are expected.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "analysis/expr/evaluate.h"

namespace {

const nlohmann::json& fuzzEnv() {
  static const nlohmann::json env = nlohmann::json::parse(R"({
    "result": {"service_apdex": {"values": {"values": [
      {"id": "a", "value": "9950"}, {"id": "b", "value": "12.5"}, {"id": "c", "value": null}]}}},
    "n": 7, "f": -2.5, "s": "hello world", "nothing": null, "flag": true,
    "list": [1, 2.5, "three", [4], {"five": 5}], "big": 9223372036854775807
  })");
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  gitopsd::analysis::expr::Limits limits;
  limits.max_steps = 20000;  // keeps each input fast; the budget itself is under test
  auto program = gitopsd::analysis::expr::compile(source, limits);
  if (!program.ok()) return 0;
  auto value = gitopsd::analysis::expr::evaluate(*program, fuzzEnv(), limits);
  if (value.ok()) (void)value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
