#include "diff/json_path.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace gitopsd::diff {

using nlohmann::json;

namespace {

std::optional<std::size_t> indexOf(const PathStep& step) {
  if (const auto* index = std::get_if<std::size_t>(&step)) return *index;
  const auto& token = std::get<std::string>(step);
  if (token.empty() || token.size() > 18) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  std::size_t value = 0;
  for (const char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

// The child of node named by step, or nullptr.
json* childOf(json& node, const PathStep& step) {
  if (node.is_object()) {
    const auto* key = std::get_if<std::string>(&step);
    if (key == nullptr) return nullptr;
    auto it = node.find(*key);
    return it == node.end() ? nullptr : &*it;
  }
  if (node.is_array()) {
    const auto index = indexOf(step);
    if (!index || *index >= node.size()) return nullptr;
    return &node[*index];
  }
  return nullptr;
}

void eraseChild(json& node, const PathStep& step) {
  if (node.is_object()) {
    node.erase(std::get<std::string>(step));
  } else if (node.is_array()) {
    node.erase(node.begin() + static_cast<std::ptrdiff_t>(*indexOf(step)));
  }
}

bool isIdentifier(const std::string& key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0]))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Orders steps so that, sorted descending, later array elements come before earlier ones.
bool stepLess(const PathStep& a, const PathStep& b) {
  const auto ia = indexOf(a);
  const auto ib = indexOf(b);
  if (ia && ib) return *ia < *ib;
  const auto text = [](const PathStep& s) {
    if (const auto* k = std::get_if<std::string>(&s)) return *k;
    return std::to_string(std::get<std::size_t>(s));
  };
  return text(a) < text(b);
}

}  // namespace

core::Result<JsonPath> parseJsonPointer(std::string_view pointer) {
  JsonPath path;
  if (pointer.empty()) return path;
  if (pointer[0] != '/') {
    return core::invalidError("JSON pointer '" + std::string(pointer) +
                              "' must be empty or start with '/'");
  }
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      path.emplace_back(std::move(token));
      token.clear();
      continue;
    }
    if (pointer[i] == '~') {
      const char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (next != '0' && next != '1') {
        return core::invalidError("JSON pointer '" + std::string(pointer) +
                                  "': '~' must be followed by 0 or 1");
      }
      token += next == '0' ? '~' : '/';
      ++i;
      continue;
    }
    token += pointer[i];
  }
  return path;
}

std::string pathToString(const JsonPath& path) {
  if (path.empty()) return ".";
  std::string out;
  for (const auto& step : path) {
    if (const auto* index = std::get_if<std::size_t>(&step)) {
      if (out.empty()) out += ".";
      out += "[" + std::to_string(*index) + "]";
    } else if (const auto& key = std::get<std::string>(step); isIdentifier(key)) {
      out += "." + key;
    } else {
      if (out.empty()) out += ".";
      out += "[" + json(key).dump() + "]";
    }
  }
  return out;
}

const json* findPath(const json& root, const JsonPath& path) {
  // childOf does not modify; the const_cast only reuses the one lookup routine.
  json* node = const_cast<json*>(&root);
  for (const auto& step : path) {
    node = childOf(*node, step);
    if (node == nullptr) return nullptr;
  }
  return node;
}

bool replacePath(json& root, const JsonPath& path, const json& value) {
  json* node = &root;
  for (const auto& step : path) {
    node = childOf(*node, step);
    if (node == nullptr) return false;
  }
  *node = value;
  return true;
}

bool removePath(json& root, const JsonPath& path) {
  if (path.empty()) return false;
  std::vector<json*> chain{&root};
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    json* next = childOf(*chain.back(), path[i]);
    if (next == nullptr) return false;
    chain.push_back(next);
  }
  if (childOf(*chain.back(), path.back()) == nullptr) return false;
  eraseChild(*chain.back(), path.back());
  // chain[i] is the value at path[i - 1]; prune emptied containers held by object keys.
  for (std::size_t i = chain.size() - 1; i >= 1; --i) {
    json& node = *chain[i];
    const bool emptied = (node.is_object() || node.is_array()) && node.empty();
    if (!emptied || !chain[i - 1]->is_object()) break;
    eraseChild(*chain[i - 1], path[i - 1]);
  }
  return true;
}

void removePaths(json& root, std::vector<JsonPath> paths) {
  const auto less = [](const JsonPath& a, const JsonPath& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), stepLess);
  };
  std::sort(paths.begin(), paths.end(),
            [&](const JsonPath& a, const JsonPath& b) { return less(b, a); });
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (i > 0 && !less(paths[i], paths[i - 1]) && !less(paths[i - 1], paths[i])) continue;
    removePath(root, paths[i]);
  }
}

}  // namespace gitopsd::diff
