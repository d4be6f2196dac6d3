// Internal to lib/config: reading one Application from a YAML node, shared by
// parseApplications and the daemon config's inline `applications:` list.
#pragma once

#include <string_view>

#include "config/application.h"
#include "config/yaml_reader.h"

namespace gitopsd::config::detail {

// Reads the Application in `node` (a mapping) into `app`, with field paths under `path`
// ("" for a file's document, "applications[2]" for an inline one); `what` names the node in
// type errors ("document 2", "applications[2]"). With require_type,
// apiVersion and kind must be present; otherwise they are optional but must match when given.
// Sets app.file and app.line from the reader and the node.
core::Status readApplication(YamlReader& reader, const YAML::Node& node, std::string_view path,
                             std::string_view what, bool require_type, Application& app);

}  // namespace gitopsd::config::detail
