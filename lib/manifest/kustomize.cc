#include "manifest/kustomize.h"

#include <utility>

#include "manifest/render_support.h"

namespace gitopsd::manifest {

namespace {

using render_detail::runTool;

// "key:value" for `kustomize edit add label|annotation`, which splits at the first ':' and
// strips one pair of surrounding double quotes from the value: quoting always keeps a value
// that is itself quoted (or empty) as written.
core::Result<std::vector<std::string>> keyValueArgs(const std::map<std::string, std::string>& map,
                                                    std::string_view kind) {
  std::vector<std::string> out;
  for (const auto& [key, value] : map) {
    if (key.empty() || key.find(':') != std::string::npos) {
      return core::invalidError("kustomize " + std::string(kind) + " key '" + key +
                                "' is empty or contains ':'");
    }
    out.push_back(key + ":\"" + value + "\"");
  }
  return out;
}

struct EditCommand {
  std::vector<std::string> args;  // after "edit"
  std::string what;               // "edit set nameprefix"
};

core::Result<std::vector<EditCommand>> editCommands(const KustomizeOptions& options) {
  std::vector<EditCommand> commands;
  if (!options.name_prefix.empty()) {
    commands.push_back({{"set", "nameprefix", "--", options.name_prefix}, "edit set nameprefix"});
  }
  if (!options.name_suffix.empty()) {
    commands.push_back({{"set", "namesuffix", "--", options.name_suffix}, "edit set namesuffix"});
  }
  if (!options.images.empty()) {
    EditCommand command{{"set", "image", "--"}, "edit set image"};
    for (const auto& image : options.images) {
      if (image.empty()) return core::invalidError("kustomize image override is empty");
      command.args.push_back(image);
    }
    commands.push_back(std::move(command));
  }
  if (!options.replicas.empty()) {
    EditCommand command{{"set", "replicas", "--"}, "edit set replicas"};
    for (const auto& [name, count] : options.replicas) {
      if (name.empty() || count < 0) {
        return core::invalidError("kustomize replicas override '" + name + "=" +
                                  std::to_string(count) + "' needs a name and a count >= 0");
      }
      command.args.push_back(name + "=" + std::to_string(count));
    }
    commands.push_back(std::move(command));
  }
  const auto metadata = [&](const std::map<std::string, std::string>& map, bool force,
                            const char* kind) -> core::Status {
    if (map.empty()) return core::okStatus();
    auto pairs = keyValueArgs(map, kind);
    if (!pairs.ok()) return pairs.status();
    EditCommand command{{"add", kind}, std::string("edit add ") + kind};
    if (force) command.args.push_back("--force");
    command.args.push_back("--");
    command.args.insert(command.args.end(), pairs->begin(), pairs->end());
    commands.push_back(std::move(command));
    return core::okStatus();
  };
  if (auto status = metadata(options.common_labels, options.force_common_labels, "label");
      !status.ok()) {
    return status;
  }
  if (auto status =
          metadata(options.common_annotations, options.force_common_annotations, "annotation");
      !status.ok()) {
    return status;
  }
  if (!options.namespace_.empty()) {
    commands.push_back({{"set", "namespace", "--", options.namespace_}, "edit set namespace"});
  }
  if (!options.components.empty()) {
    EditCommand command{{"add", "component", "--"}, "edit add component"};
    for (const auto& component : options.components) {
      if (component.empty()) return core::invalidError("kustomize component path is empty");
      command.args.push_back(component);
    }
    commands.push_back(std::move(command));
  }
  return commands;
}

}  // namespace

core::Result<ManifestSet> renderKustomize(ToolRunner& runner, const ToolPaths& tools,
                                          const std::string& checkout_root,
                                          std::string_view app_path,
                                          const KustomizeOptions& options,
                                          const ParseLimits& limits) {
  auto edits = editCommands(options);
  if (!edits.ok()) return edits.status();
  std::string display_path;
  auto app_dir = render_detail::applicationDir(checkout_root, app_path, display_path);
  if (!app_dir.ok()) return app_dir.status().withContext("kustomize build " + display_path);
  auto scratch = render_detail::ScratchDir::create();
  if (!scratch.ok()) return scratch.status().withContext("kustomize build " + display_path);

  ToolInvocation invocation;
  invocation.program = tools.kustomize;
  invocation.env = render_detail::toolEnvironment(scratch->path());
  invocation.timeout = tools.timeout;
  invocation.max_output_bytes = tools.max_output_bytes;

  invocation.working_dir = *app_dir;
  for (const auto& edit : *edits) {
    invocation.args = {"edit"};
    invocation.args.insert(invocation.args.end(), edit.args.begin(), edit.args.end());
    auto edited = runTool(runner, invocation, "kustomize " + edit.what + " in " + display_path,
                          checkout_root);
    if (!edited.ok()) return edited.status();
  }

  const std::string what = "kustomize build " + display_path;
  invocation.working_dir = checkout_root;
  invocation.args = {"build", *app_dir};
  auto built = runTool(runner, invocation, what, checkout_root);
  if (!built.ok()) return built.status();
  return render_detail::parseToolOutput(display_path + " (kustomize build)", *built, what,
                                        checkout_root, limits, tools.max_output_bytes);
}

}  // namespace gitopsd::manifest
