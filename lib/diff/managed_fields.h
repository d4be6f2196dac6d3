// Ignoring what other field managers own, from the live object's metadata.managedFields (the
// server-side apply bookkeeping). This is Argo CD's ignoreDifferences.managedFieldsManagers:
// a field owned by a listed manager is removed from both sides of the comparison when the two
// sides differ there, whoever else also owns it (a field shared with gitopsd's own manager is
// still ignored). Fields whose values are equal stay, so the rendered diff keeps its context;
// this matches Argo CD, which removes the intersection of the owned set with the modified set.
// Pure.
//
// FieldsV1 format (k8s.io/apimachinery, sigs.k8s.io/structured-merge-diff): a JSON object
// whose keys are path elements, each mapping to the set of its children ({} for a leaf):
//   "f:<name>"  a field of an object (a struct field or a map key)
//   "k:<json>"  the list item whose fields equal the JSON object's, e.g. k:{"name":"app"}
//   "v:<json>"  the item of a list of scalars (a set) equal to the JSON value
//   "i:<n>"     the list item at index n
//   "."         the node itself (present when the node also has owned children)
// How entries are applied:
// - a leaf f: entry (no children) owns the whole value, whatever its type: removed from both
//   sides when the values differ (one side missing counts as different);
// - an f: entry with children only descends; "." on an object does not own the object's
//   other keys (structured-merge-diff never lists a struct or map node itself in a field set);
// - a list item (k:, v:, i:) present on one side only is removed from that side when it is a
//   leaf or owned itself ("."); present on both sides, a leaf item is removed from both when
//   it differs, otherwise its owned children are handled as above;
// - entries that do not fit the document (wrong types, unparsable keys) are skipped.
// Removals prune emptied containers as described in json_path.h.
//
// The entry's apiVersion is not compared with the object's: gitopsd compares objects at the
// version it applies, and fields are assumed to keep their names between served versions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gitopsd::diff {

// Applies one FieldsV1 set (the value of a managedFields entry's fieldsV1).
void removeOwnedFields(const nlohmann::json& fields_v1, nlohmann::json& predicted,
                       nlohmann::json& live);

// Applies the fieldsV1 of every entry of managed_fields (a metadata.managedFields array; any
// other value does nothing) whose manager is one of managers and whose fieldsType is FieldsV1
// (or absent).
void removeFieldsOfManagers(const nlohmann::json& managed_fields,
                            const std::vector<std::string>& managers, nlohmann::json& predicted,
                            nlohmann::json& live);

}  // namespace gitopsd::diff
