#include "cli/app_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/application_dir.h"

namespace gitopsd::cli {
namespace {

namespace fs = std::filesystem;
using config::Application;

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// "application:12:5: spec.x: ..." or "application:12: spec.x: ..." → "spec.x: ...".
std::string withoutPosition(std::string_view prefix, std::string message) {
  if (message.compare(0, prefix.size(), prefix) != 0) return message;
  std::size_t i = prefix.size();
  const auto digit = [&](std::size_t at) {
    return at < message.size() && message[at] >= '0' && message[at] <= '9';
  };
  for (int part = 0; part < 2 && i < message.size() && message[i] == ':' && digit(i + 1); ++part) {
    ++i;
    while (digit(i)) ++i;
  }
  if (message.compare(i, 2, ": ") == 0) return message.substr(i + 2);
  return message;
}

Application withoutOrigin(Application app) {
  app.file.clear();
  app.line = 0;
  return app;
}

core::Status parseSyncPolicy(const CreateRequest& request, config::SyncPolicy& policy) {
  const std::string& p = request.sync_policy;
  if (p == "automated" || p == "automatic" || p == "auto") {
    policy.automated.emplace();
  } else if (!p.empty() && p != "none" && p != "manual") {
    return core::invalidError("--sync-policy must be automated or none, got \"" + p + "\"");
  }
  const std::pair<bool, const char*> automated_only[] = {{request.self_heal, "--self-heal"},
                                                         {request.auto_prune, "--auto-prune"},
                                                         {request.allow_empty, "--allow-empty"}};
  for (const auto& [given, flag] : automated_only) {
    if (given && !policy.automated) {
      return core::invalidError(std::string("cannot set ") + flag +
                                ": application not configured with automated sync (add "
                                "--sync-policy automated)");
    }
  }
  if (policy.automated) {
    policy.automated->self_heal = request.self_heal;
    policy.automated->prune = request.auto_prune;
    policy.automated->allow_empty = request.allow_empty;
  }
  // Every option goes in as written; the parser below turns the ones gitopsd knows into typed
  // fields and checks their values (one set of rules for files and flags).
  policy.options.other = request.sync_options;
  return {};
}

core::Status addHelmParameters(const std::vector<std::string>& entries, const char* flag,
                               bool force_string, config::HelmSource& helm) {
  for (const auto& entry : entries) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return core::invalidError(std::string(flag) + " \"" + entry + "\" is not name=value");
    }
    helm.parameters.push_back({entry.substr(0, eq), entry.substr(eq + 1), force_string});
  }
  return {};
}

core::Status setSourceType(const CreateRequest& request, config::ApplicationSource& source) {
  const bool helm = !request.helm_set.empty() || !request.helm_set_string.empty() ||
                    !request.values.empty() || !request.release_name.empty();
  const bool kustomize = !request.name_prefix.empty() || !request.name_suffix.empty();
  if (int(request.directory_recurse) + int(helm) + int(kustomize) > 1) {
    std::vector<std::string> used;
    if (request.directory_recurse) used.emplace_back("--directory-recurse (directory)");
    if (helm) used.emplace_back("--helm-set/--helm-set-string/--values/--release-name (helm)");
    if (kustomize) used.emplace_back("--nameprefix/--namesuffix (kustomize)");
    std::string list;
    for (const auto& u : used) list += (list.empty() ? "" : ", ") + u;
    return core::invalidError("flags of different source types given: " + list +
                              "; an application has one source type");
  }
  if (request.directory_recurse) source.directory.emplace().recurse = true;
  if (kustomize) {
    source.kustomize.emplace();
    source.kustomize->name_prefix = request.name_prefix;
    source.kustomize->name_suffix = request.name_suffix;
  }
  if (helm) {
    config::HelmSource& h = source.helm.emplace();
    h.release_name = request.release_name;
    h.value_files = request.values;
    if (auto s = addHelmParameters(request.helm_set, "--helm-set", false, h); !s.ok()) return s;
    if (auto s = addHelmParameters(request.helm_set_string, "--helm-set-string", true, h);
        !s.ok()) {
      return s;
    }
  }
  return {};
}

struct DocSpan {
  std::size_t begin = 0;  // offset of its "---" line, or 0 for the first document
  std::size_t end = 0;
  int first_line = 1;
  int last_line = 1;
  bool separator = false;
};

bool isSeparator(std::string_view line) {
  return line.substr(0, 3) == "---" && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' ||
                                        line[3] == '\r' || line[3] == '\n');
}

// The "---" documents of a YAML text by lines (good enough to locate an application's
// document; every splice is checked by parsing the result).
std::vector<DocSpan> splitDocuments(std::string_view text) {
  std::vector<DocSpan> docs(1);
  int line = 1;
  for (std::size_t pos = 0; pos < text.size(); ++line) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    if (isSeparator(text.substr(pos, next - pos))) {
      docs.back().end = pos;
      docs.back().last_line = line - 1;
      docs.push_back({pos, 0, line, line, true});
    }
    pos = next;
  }
  docs.back().end = text.size();
  docs.back().last_line = std::max(docs.back().first_line, line - 1);
  return docs;
}

std::string describe(const std::vector<Application>& apps) {
  std::string out;
  for (const auto& app : apps) out += (out.empty() ? "" : ", ") + app.name;
  return out.empty() ? "no applications" : out;
}

}  // namespace

core::Result<BuiltApplication> buildApplication(const CreateRequest& request) {
  if (request.repo.empty()) return core::invalidError("--repo URL is required");
  if (request.dest_namespace.empty()) return core::invalidError("--dest-namespace is required");
  if (!request.dest_server.empty() && !request.dest_name.empty()) {
    return core::invalidError("--dest-server and --dest-name are mutually exclusive");
  }
  Application app;
  app.name = request.name;
  app.project = request.project;
  app.source.repo_url = request.repo;
  app.source.target_revision = request.revision;
  app.source.path = request.path;
  app.destination.namespace_ = request.dest_namespace;
  app.destination.name = request.dest_name;
  app.destination.server = request.dest_server;
  if (request.dest_server.empty() && request.dest_name.empty()) {
    app.destination.server = std::string(kDefaultDestServer);
  }
  if (request.set_finalizer) app.finalizers.emplace_back(config::kResourcesFinalizer);
  if (auto s = parseSyncPolicy(request, app.sync_policy); !s.ok()) return s;
  if (auto s = setSourceType(request, app.source); !s.ok()) return s;
  if (auto s = config::validateApplication(app); !s.ok()) return s;

  constexpr std::string_view kFile = "application";
  auto parsed = config::parseApplications(kFile, config::applicationToYaml(app));
  if (!parsed.ok()) return parsed.status();
  if (parsed->apps.size() != 1) {
    return core::internalError("application \"" + app.name + "\" did not read back as one");
  }
  BuiltApplication built{withoutOrigin(parsed->apps.front()), {}};
  for (auto& warning : parsed->warnings) {
    built.warnings.push_back(withoutPosition(kFile, std::move(warning)));
  }
  return built;
}

core::Result<std::string> readFile(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return core::notFoundError(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::unavailableError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return core::unavailableError(path + ": read failed");
  return content.str();
}

core::Result<std::vector<AppFile>> readAppDir(const std::string& dir) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    return core::notFoundError("application folder " + dir + " does not exist");
  }
  if (!fs::is_directory(status)) {
    return core::invalidError("application folder " + dir + " is not a folder");
  }
  std::vector<std::string> paths;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!config::isApplicationFileName(name)) continue;
    const std::string path = (fs::path(dir) / name).string();
    std::error_code file_ec;
    if (!fs::is_regular_file(fs::status(path, file_ec))) continue;
    paths.push_back(path);
  }
  if (ec) return core::invalidError("application folder " + dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());

  std::vector<AppFile> files;
  for (auto& path : paths) {
    AppFile file;
    file.path = std::move(path);
    auto text = readFile(file.path);
    if (!text.ok()) {
      file.error = text.status();
    } else {
      file.text = std::move(text).value();
      auto parsed = config::parseApplications(file.path, file.text);
      if (!parsed.ok()) {
        file.error = parsed.status();
      } else {
        file.apps = std::move(parsed->apps);
        file.warnings = std::move(parsed->warnings);
      }
    }
    files.push_back(std::move(file));
  }
  return files;
}

std::vector<Definition> findDefinitions(const std::vector<AppFile>& files, std::string_view name) {
  std::vector<Definition> found;
  for (std::size_t f = 0; f < files.size(); ++f) {
    for (std::size_t a = 0; a < files[f].apps.size(); ++a) {
      if (files[f].apps[a].name == name) found.push_back({f, a});
    }
  }
  return found;
}

std::string applicationsToYaml(const std::vector<Application>& apps) {
  std::string out;
  for (const auto& app : apps) {
    if (!out.empty()) out += "---\n";
    out += config::applicationToYaml(app);
  }
  return out;
}

core::Status checkDefines(std::string_view file, std::string_view text,
                          const std::vector<Application>& expected) {
  const std::string where(file);
  auto parsed = config::parseApplications(where, text);
  if (!parsed.ok()) {
    return core::internalError(where +
                               ": the text written does not parse: " + parsed.status().message());
  }
  bool same = parsed->apps.size() == expected.size();
  for (std::size_t i = 0; same && i < expected.size(); ++i) {
    same = withoutOrigin(parsed->apps[i]) == withoutOrigin(expected[i]);
  }
  if (!same) {
    return core::internalError(where + ": the text written reads back as " +
                               describe(parsed->apps) + " with other fields than intended (" +
                               describe(expected) + " expected)");
  }
  return {};
}

core::Result<Rewrite> rewriteFileText(const AppFile& file, std::string_view name,
                                      const std::optional<Application>& replacement) {
  const auto it = std::find_if(file.apps.begin(), file.apps.end(),
                               [&](const Application& app) { return app.name == name; });
  if (it == file.apps.end()) {
    return core::notFoundError(file.path + " does not define application '" + std::string(name) +
                               "'");
  }
  std::vector<Application> expected;
  for (const auto& app : file.apps) {
    if (app.name != name) {
      expected.push_back(app);
    } else if (replacement) {
      expected.push_back(*replacement);
    }
  }

  // Splice when the application's document holds nothing else.
  for (const DocSpan& doc : splitDocuments(file.text)) {
    if (it->line < doc.first_line || it->line > doc.last_line) continue;
    const auto in_doc = std::count_if(file.apps.begin(), file.apps.end(), [&](const auto& app) {
      return app.line >= doc.first_line && app.line <= doc.last_line;
    });
    if (in_doc != 1) break;
    std::string text = file.text.substr(0, doc.begin);
    if (replacement) {
      if (doc.separator) text += "---\n";
      text += config::applicationToYaml(*replacement);
    }
    text += file.text.substr(doc.end);
    if (checkDefines(file.path, text, expected).ok()) return Rewrite{std::move(text), false};
    break;
  }

  if (endsWith(file.path, ".json") && expected.size() > (replacement ? 1U : 0U)) {
    return core::invalidError(file.path + ": cannot rewrite this JSON file without changing " +
                              "the other applications in it (" + describe(file.apps) +
                              "); edit it by hand");
  }
  Rewrite rewrite{applicationsToYaml(expected), true};
  if (auto s = checkDefines(file.path, rewrite.text, expected); !s.ok()) return s;
  return rewrite;
}

core::Status writeFileAtomically(const std::string& path, std::string_view text,
                                 const std::function<core::Status(std::string_view)>& check) {
  const fs::path target(path);
  std::string temp =
      (target.parent_path() / ("." + target.filename().string() + ".gitopsctl-XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return core::unavailableError(
        path + ": cannot create a temporary file next to it: " + std::strerror(errno));
  }
  struct Cleanup {
    const std::string& file;
    bool keep = false;
    ~Cleanup() {
      if (!keep) ::unlink(file.c_str());
    }
  } cleanup{temp};
  const auto fail = [&](std::string_view what) {
    return core::unavailableError(path + ": " + std::string(what) + " " + temp + ": " +
                                  std::strerror(errno));
  };

  struct stat existing {};
  const mode_t mode = ::stat(path.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : 0644;
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (::close(fd) != 0) ok = false;
  if (!ok) return fail("cannot write");

  auto written = readFile(temp);
  if (!written.ok()) return written.status();
  if (*written != text) return core::internalError(path + ": " + temp + " reads back differently");
  if (check) {
    if (auto s = check(*written); !s.ok()) return s;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  cleanup.keep = true;
  // Make the rename itself durable; a failure here does not undo it.
  const std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  if (const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY); dir_fd >= 0) {
    (void)::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

core::Status removeFile(const std::string& path) {
  if (::unlink(path.c_str()) == 0) return {};
  if (errno == ENOENT) return core::notFoundError(path + ": already removed");
  return core::unavailableError(path + ": cannot remove: " + std::strerror(errno));
}

Application withResourcesFinalizer(Application app, bool cascade) {
  if (cascade && app.cascadeDelete()) return app;
  const std::string finalizer(config::kResourcesFinalizer);
  auto& f = app.finalizers;
  f.erase(std::remove_if(f.begin(), f.end(),
                         [&](const std::string& s) {
                           return s == finalizer || s == finalizer + "/foreground" ||
                                  s == finalizer + "/background";
                         }),
          f.end());
  if (cascade) f.push_back(finalizer);
  return app;
}

}  // namespace gitopsd::cli
