#include "core/status.h"

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>

using gitopsd::core::Result;
using gitopsd::core::Status;
using gitopsd::core::StatusCode;

TEST_CASE("status: default is OK and prints as OK", "[core]") {
  const Status status;
  CHECK(status.ok());
  CHECK(status.code() == StatusCode::kOk);
  CHECK(status.toString() == "OK");
}

TEST_CASE("status: an OK code never carries a message", "[core]") {
  const Status status(StatusCode::kOk, "ignored");
  CHECK(status.ok());
  CHECK(status.message().empty());
}

TEST_CASE("status: error prints its code name and message", "[core]") {
  const Status status(StatusCode::kNotFound, "configmap default/x not found");
  CHECK_FALSE(status.ok());
  CHECK(status.toString() == "NotFound: configmap default/x not found");
}

TEST_CASE("status: withContext prefixes the message and keeps the code", "[core]") {
  const Status status = gitopsd::core::invalidError("line 3: bad indentation")
                            .withContext("apps/guestbook/deploy.yaml");
  CHECK(status.code() == StatusCode::kInvalid);
  CHECK(status.message() == "apps/guestbook/deploy.yaml: line 3: bad indentation");
  CHECK(Status().withContext("anything").ok());
}

TEST_CASE("status: every code has a distinct name", "[core]") {
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(StatusCode::kUnimplemented); ++c) {
    names.insert(gitopsd::core::statusCodeName(static_cast<StatusCode>(c)));
  }
  CHECK(names.size() == static_cast<size_t>(StatusCode::kUnimplemented) + 1);
  CHECK_FALSE(names.contains("Unknown"));
}

TEST_CASE("result: holds a value", "[core]") {
  Result<std::string> result(std::string("abc"));
  REQUIRE(result.ok());
  CHECK(result.status().ok());
  CHECK(*result == "abc");
  CHECK(result->size() == 3);
}

TEST_CASE("result: holds an error and falls back", "[core]") {
  Result<int> result(Status(StatusCode::kUnavailable, "connection refused"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kUnavailable);
  CHECK(result.valueOr(7) == 7);
}

TEST_CASE("result: moves a move-only value out", "[core]") {
  Result<std::unique_ptr<int>> result(std::make_unique<int>(42));
  std::unique_ptr<int> value = std::move(result).value();
  REQUIRE(value);
  CHECK(*value == 42);
}
