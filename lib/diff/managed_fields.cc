#include "diff/managed_fields.h"

#include <algorithm>
#include <optional>
#include <string_view>

namespace gitopsd::diff {

using nlohmann::json;

namespace {

bool isLeaf(const json& set) { return !set.is_object() || set.empty(); }
bool ownsSelf(const json& set) { return set.is_object() && set.contains("."); }
bool isNonEmptyContainer(const json* v) {
  return v != nullptr && (v->is_object() || v->is_array()) && !v->empty();
}
bool isEmptyContainer(const json& v) { return (v.is_object() || v.is_array()) && v.empty(); }
bool differs(const json* a, const json* b) {
  if (a == nullptr || b == nullptr) return a != b;
  return *a != *b;
}

json* field(json* node, const std::string& name) {
  if (node == nullptr || !node->is_object()) return nullptr;
  auto it = node->find(name);
  return it == node->end() ? nullptr : &*it;
}

// Where a list path element ("k:", "v:" or "i:") points in list, if anywhere.
std::optional<std::size_t> findItem(const json* list, std::string_view element) {
  if (list == nullptr || !list->is_array() || element.size() < 2) return std::nullopt;
  const std::string_view prefix = element.substr(0, 2);
  const json value = json::parse(element.substr(2), nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  if (prefix == "i:") {
    if (!value.is_number_unsigned() || value.get<std::size_t>() >= list->size()) {
      return std::nullopt;
    }
    return value.get<std::size_t>();
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    if (prefix == "v:" && item == value) return i;
    if (prefix == "k:" && value.is_object() && item.is_object()) {
      const bool match =
          std::all_of(value.items().begin(), value.items().end(), [&](const auto& kv) {
            const auto it = item.find(kv.key());
            return it != item.end() && *it == kv.value();
          });
      if (match) return i;
    }
  }
  return std::nullopt;
}

void walk(const json& set, json* a, json* b);

void walkField(const std::string& name, const json& sub, json* a, json* b) {
  json* ca = field(a, name);
  json* cb = field(b, name);
  if (ca == nullptr && cb == nullptr) return;
  if (isLeaf(sub)) {
    if (differs(ca, cb)) {
      if (ca != nullptr) a->erase(name);
      if (cb != nullptr) b->erase(name);
    }
    return;
  }
  const bool a_had_content = isNonEmptyContainer(ca);
  const bool b_had_content = isNonEmptyContainer(cb);
  walk(sub, ca, cb);
  if (a_had_content && isEmptyContainer(*ca)) a->erase(name);
  if (b_had_content && isEmptyContainer(*cb)) b->erase(name);
}

void eraseIndices(json* list, std::vector<std::size_t>& indices) {
  std::sort(indices.begin(), indices.end(), std::greater<>());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  for (const std::size_t i : indices) list->erase(list->begin() + static_cast<std::ptrdiff_t>(i));
}

void walk(const json& set, json* a, json* b) {
  if (!set.is_object()) return;
  std::vector<std::size_t> remove_a;
  std::vector<std::size_t> remove_b;
  for (const auto& [element, sub] : set.items()) {
    if (element == ".") continue;
    const std::string_view prefix = std::string_view(element).substr(0, 2);
    if (prefix == "f:") {
      walkField(element.substr(2), sub, a, b);
      continue;
    }
    if (prefix != "k:" && prefix != "v:" && prefix != "i:") continue;
    const auto ia = findItem(a, element);
    const auto ib = findItem(b, element);
    json* item_a = ia ? &(*a)[*ia] : nullptr;
    json* item_b = ib ? &(*b)[*ib] : nullptr;
    if (item_a != nullptr && item_b != nullptr) {
      if (!isLeaf(sub)) {
        walk(sub, item_a, item_b);
      } else if (*item_a != *item_b) {
        remove_a.push_back(*ia);
        remove_b.push_back(*ib);
      }
    } else if (item_a != nullptr || item_b != nullptr) {
      if (isLeaf(sub) || ownsSelf(sub)) {
        (item_a != nullptr ? remove_a : remove_b).push_back(item_a != nullptr ? *ia : *ib);
      } else {
        walk(sub, item_a, item_b);
      }
    }
  }
  if (!remove_a.empty()) eraseIndices(a, remove_a);
  if (!remove_b.empty()) eraseIndices(b, remove_b);
}

}  // namespace

void removeOwnedFields(const json& fields_v1, json& predicted, json& live) {
  walk(fields_v1, &predicted, &live);
}

void removeFieldsOfManagers(const json& managed_fields, const std::vector<std::string>& managers,
                            json& predicted, json& live) {
  if (!managed_fields.is_array() || managers.empty()) return;
  for (const auto& entry : managed_fields) {
    if (!entry.is_object()) continue;
    const auto manager = entry.find("manager");
    if (manager == entry.end() || !manager->is_string()) continue;
    if (std::find(managers.begin(), managers.end(), manager->get<std::string>()) ==
        managers.end()) {
      continue;
    }
    const auto type = entry.find("fieldsType");
    if (type != entry.end() && *type != "FieldsV1") continue;
    const auto fields = entry.find("fieldsV1");
    if (fields != entry.end()) removeOwnedFields(*fields, predicted, live);
  }
}

}  // namespace gitopsd::diff
