// Parsing one manifest file (YAML or JSON text already read into memory) into Kubernetes
// objects. Pure: no file system, no Git, no rendering; safe to call from any thread.
//
// Contract of parseManifestFile:
// - The file type comes from the name's extension: ".yaml"/".yml" (any number of documents,
//   separated by "---") or ".json" (one value). Other extensions are kInvalid.
// - YAML scalars become JSON the way Kubernetes reads manifests (sigs.k8s.io/yaml over go-yaml
//   v2, then the apiserver's JSON): plain true/false (and the YAML 1.1 forms y/yes/on, n/no/off
//   in their three casings) → bool; null, ~ and empty → null; integers (decimal, 0x, 0o, 0b,
//   leading-0 octal, "_" separators) → integer; floats → float, except that a float with an
//   integral value within int64 (1.0, 1e3) becomes an integer, as it does after Kubernetes'
//   JSON round trip, and integers beyond int64 become floats; everything else (timestamps
//   included) → string. Quoted scalars and !!str stay strings; keys are always strings.
//   Anchors, aliases and merge keys (<<) are expanded; explicit keys win over merged ones.
//   .inf and .nan cannot be represented in JSON and are kInvalid.
// - A top-level `kind: List`, or any `*List` kind with an `items` array, is flattened into its
//   items. Empty documents (also documents of comments only) are skipped.
// - A mapping with no apiVersion or no kind is not an error: it is skipped with a warning
//   naming the file, document and line (values files and other YAML live next to manifests).
//   A duplicate key in a YAML mapping also only warns (the last value is used, as in
//   Kubernetes).
// - Errors (all kInvalid, the message starts with "FILE:LINE:COL: " or "FILE: "): content
//   bigger than limits.max_file_bytes (checked before parsing); invalid YAML or JSON; tabs used
//   for indentation; a document that is a list or a scalar; an object without a string
//   metadata.name (generateName alone is not accepted); List items that are not objects; more
//   values than the file can hold without alias expansion (a guard against "billion laughs").
//   Any error means the whole file yields nothing: a caller must keep its last good state and
//   never read an error as "no manifests".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "kube/types.h"

namespace gitopsd::manifest {

struct ParseLimits {
  std::size_t max_file_bytes = std::size_t{10} * 1024 * 1024;
};

// One Kubernetes object and where it came from.
struct Manifest {
  kube::Object object;
  std::string file;
  int line = 0;            // 1-based line where the document (or the List item) starts
  int document_index = 0;  // 1-based position of the document in the file ("document N")

  std::string origin() const { return file + ":" + std::to_string(line); }
};

struct ParsedFile {
  std::string file;
  std::vector<Manifest> manifests;    // in file order
  std::vector<std::string> warnings;  // each names the file
};

enum class FileType { kYaml, kJson, kUnknown };

// By extension, case-sensitive as in Argo CD: .yaml/.yml → kYaml, .json → kJson.
FileType fileTypeOf(std::string_view file_name);

core::Result<ParsedFile> parseManifestFile(std::string_view file_name, std::string_view content,
                                           const ParseLimits& limits = {});

}  // namespace gitopsd::manifest
