// Paths into a JSON document and removal of the values they name: the building block that
// ignore rules, managed-field rules and rollout-owned fields share. Pure; no shared state.
//
// A JsonPath is a list of steps from the root: an object key (std::string) or an array index
// (std::size_t). A string step applied to an array is read as an RFC 6901 array index
// ("0", "12"; no leading zeros, no "-"), so parsed JSON pointers can be used as they are.
//
// Removal contract (removePath/removePaths):
// - A path that does not exist, or whose steps do not fit the value's types, removes nothing.
// - The root itself is never removed (an empty path removes nothing).
// - Pruning: when a removal leaves an object or array empty and that container is the value
//   of a key in an object, the container is removed too, and so on upwards (never the root).
//   A container that is an array element stays (as {} or []) so the positions of its
//   siblings do not change. Pruning keeps "ignore metadata.annotations.x" from turning
//   `annotations: {x: 1}` into `annotations: {}` on one side only, which would read as drift.
//   A container that was already empty before the removal is not touched.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace gitopsd::diff {

using PathStep = std::variant<std::string, std::size_t>;
using JsonPath = std::vector<PathStep>;

// RFC 6901: "" is the root, otherwise "/"-separated tokens with ~1 → "/" and ~0 → "~".
// kInvalid (quoting the pointer) when it does not start with "/" or has a "~" not followed by
// 0 or 1. Every token is returned as a string step.
core::Result<JsonPath> parseJsonPointer(std::string_view pointer);

// Display form, e.g. ".spec.template.spec.containers[0].image" or `.metadata.labels["a.b/c"]`.
std::string pathToString(const JsonPath& path);

// The value at path, or nullptr when it does not exist.
const nlohmann::json* findPath(const nlohmann::json& root, const JsonPath& path);

// Replaces the value at path with value when the path exists (every step fits); true when it
// did. Nothing is created: a missing path changes nothing.
bool replacePath(nlohmann::json& root, const JsonPath& path, const nlohmann::json& value);

// Removes the value at path (see the contract above). True when something was removed.
bool removePath(nlohmann::json& root, const JsonPath& path);

// Removes every path, as if at once: paths are removed deepest-last-index first, so the
// indices of the others stay valid. Duplicates are fine.
void removePaths(nlohmann::json& root, std::vector<JsonPath> paths);

}  // namespace gitopsd::diff
