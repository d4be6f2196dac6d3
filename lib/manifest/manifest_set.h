// The desired objects of one application: the manifests of all its files, de-duplicated and
// in a deterministic order. Pure.
//
// collectManifests keys every object by core::ResourceKey (group from apiVersion, kind,
// namespace as written, name). Two objects with the same key are kInvalid, and the message
// names both origins ("a.yaml:3 and b.yaml:10"); every duplicate is listed. The namespace is
// compared as written: an object without a namespace and one in "default" are different keys
// here (which namespace applies is decided later, by the destination and discovery).
#pragma once

#include <vector>

#include "core/resource_key.h"
#include "core/status.h"
#include "manifest/parse.h"

namespace gitopsd::manifest {

struct ManifestSet {
  struct Entry {
    core::ResourceKey key;
    Manifest manifest;  // the object with its file and line
  };
  std::vector<Entry> entries;         // sorted by key
  std::vector<std::string> warnings;  // every file's warnings, in file order
};

core::Result<ManifestSet> collectManifests(std::vector<ParsedFile> files);

}  // namespace gitopsd::manifest
