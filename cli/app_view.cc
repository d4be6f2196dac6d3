#include "cli/app_view.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "cli/json_fields.h"
#include "manifest/yaml_write.h"

namespace gitopsd::cli {
namespace {

using nlohmann::json;
using namespace json_fields;

// Byte offsets where each code point of `text` starts.
std::vector<std::size_t> codePointStarts(std::string_view text) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  return starts;
}

std::string oneLine(std::string_view cell) {
  std::string out(cell);
  for (auto& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

std::string rstrip(std::string line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

// "Label:" padded as argocd's "%-20s%s".
std::string labelLine(std::string_view label, std::string_view value) {
  std::string line(label);
  if (line.size() < 20) line.resize(20, ' ');
  return rstrip(line + std::string(value)) + "\n";
}

std::string appName(const json& app) { return text(app, {"metadata", "name"}); }

constexpr std::string_view kInClusterServer = "https://kubernetes.default.svc";

// argocd's getServer: the destination server, else its name.
std::string destinationFull(const json& app) {
  std::string server = text(app, {"spec", "destination", "server"});
  return server.empty() ? text(app, {"spec", "destination", "name"}) : server;
}

std::string destinationShort(const json& app) {
  const std::string name = text(app, {"spec", "destination", "name"});
  if (!name.empty()) return name;
  std::string server = text(app, {"spec", "destination", "server"});
  while (!server.empty() && server.back() == '/') server.pop_back();
  if (server == kInClusterServer) return "in-cluster";
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (server.rfind(scheme, 0) == 0) return server.substr(scheme.size());
  }
  return server;
}

bool isHex(std::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string shortCommit(std::string_view commit) { return std::string(commit.substr(0, 7)); }

// The columns of resource tables; `extra` (never shortened) go between NAME and MESSAGE. KIND
// is kept whole longest (a cut kind reads as a typo), then NAME (16, then 12 characters) and the
// message; NAMESPACE (mostly the destination's) and GROUP (mostly told by the kind) give early.
std::vector<TableColumn> resourceColumns(std::initializer_list<std::string> extra) {
  std::vector<TableColumn> columns = {
      {"GROUP", {{2, 8}, {5, 0}}, Cut::kEnd},
      {"KIND", {{8, 12}, {9, 0}}, Cut::kEnd},
      {"NAMESPACE", {{4, 0}}, Cut::kEnd},
      {"NAME", {{2, 32}, {3, 24}, {4, 16}, {7, 12}, {9, 0}}, Cut::kMiddle},
  };
  for (const auto& header : extra) columns.push_back({header, {}, Cut::kEnd});
  columns.push_back({"MESSAGE", {{1, 24}, {3, 16}, {5, 12}, {6, 0}}, Cut::kEnd});
  return columns;
}

std::string resourceKey(const json& resource) {
  return text(resource, {"group"}) + "/" + text(resource, {"kind"}) + "/" +
         text(resource, {"namespace"}) + "/" + text(resource, {"name"});
}

std::string outputName(Output output) {
  switch (output) {
    case Output::kDefault:
      return "";
    case Output::kWide:
      return "wide";
    case Output::kJson:
      return "json";
    case Output::kYaml:
      return "yaml";
    case Output::kName:
      return "name";
  }
  return "";
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long long daysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

core::Result<Output> parseOutput(const std::optional<std::string>& value,
                                 std::initializer_list<Output> accepted) {
  if (!value || value->empty()) return Output::kDefault;
  std::string names;
  for (const Output output : accepted) {
    if (output == Output::kDefault) continue;
    if (*value == outputName(output)) return output;
    names += (names.empty() ? "" : ", ") + outputName(output);
  }
  if (const auto last = names.rfind(", "); last != std::string::npos) {
    names.replace(last, 2, " or ");
  }
  return core::invalidError("unknown output format \"" + *value + "\" (use " + names + ")");
}

std::size_t textWidth(std::string_view text) { return codePointStarts(text).size(); }

std::string shorten(std::string_view text, std::size_t width, Cut cut) {
  const auto starts = codePointStarts(text);
  if (starts.size() <= width) return std::string(text);
  const auto prefix = [&](std::size_t count) {
    return std::string(text.substr(0, count < starts.size() ? starts[count] : text.size()));
  };
  if (width < 4) return prefix(width);
  const std::size_t keep = width - 3;
  if (cut == Cut::kEnd) return prefix(keep) + "...";
  const std::size_t head = (keep + 1) / 2;
  const std::size_t tail = keep - head;
  const std::string end = tail == 0 ? "" : std::string(text.substr(starts[starts.size() - tail]));
  return prefix(head) + "..." + end;
}

std::size_t tableWidth(Output output) { return output == Output::kWide ? 0 : kTableWidth; }

std::string renderTable(const std::vector<TableColumn>& columns, const std::vector<TableRow>& rows,
                        std::size_t max_width) {
  const std::size_t n = columns.size();
  if (n == 0) return "";
  std::vector<TableRow> cells;
  cells.reserve(rows.size());
  for (const auto& row : rows) {
    TableRow line(n);
    for (std::size_t i = 0; i < n && i < row.size(); ++i) line[i] = oneLine(row[i]);
    cells.push_back(std::move(line));
  }
  std::vector<std::size_t> widths(n);
  std::vector<std::size_t> header_widths(n);
  for (std::size_t i = 0; i < n; ++i) {
    header_widths[i] = widths[i] = textWidth(columns[i].header);
    for (const auto& row : cells) widths[i] = std::max(widths[i], textWidth(row[i]));
  }
  if (max_width > 0) {
    std::size_t total = 2 * (n - 1);
    for (const auto w : widths) total += w;
    std::set<int> tiers;
    for (const auto& column : columns) {
      for (const auto& step : column.shrink) tiers.insert(step.tier);
    }
    for (const int tier : tiers) {
      std::vector<std::optional<std::size_t>> floors(n);  // this round's floor per column
      for (std::size_t i = 0; i < n; ++i) {
        for (const auto& step : columns[i].shrink) {
          if (step.tier == tier) floors[i] = std::max(header_widths[i], step.min_width);
        }
      }
      while (total > max_width) {
        // The widest column that can still give this round; the rightmost among equals.
        std::optional<std::size_t> pick;
        for (std::size_t i = 0; i < n; ++i) {
          if (!floors[i] || widths[i] <= *floors[i]) continue;
          if (!pick || widths[i] >= widths[*pick]) pick = i;
        }
        if (!pick) break;
        --widths[*pick];
        --total;
      }
    }
  }
  std::string out;
  const auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < n; ++i) {
      std::string cell = shorten(row[i], widths[i], columns[i].cut);
      if (i + 1 < n) cell.resize(cell.size() + widths[i] - textWidth(cell) + 2, ' ');
      line += cell;
    }
    out += rstrip(std::move(line)) + "\n";
  };
  std::vector<std::string> headers;
  for (const auto& column : columns) headers.push_back(column.header);
  emit(headers);
  for (const auto& row : cells) emit(row);
  return out;
}

std::string jsonText(const json& value) {
  return value.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string yamlText(const json& value) { return manifest::toBlockYaml(value); }

std::string syncPolicySummary(const json& app) {
  const json& automated = path(app, {"spec", "syncPolicy", "automated"});
  if (!automated.is_object()) return "Manual";
  if (const json& enabled = member(automated, "enabled"); enabled.is_boolean() && !enabled) {
    return "Manual";
  }
  return flag(automated, {"prune"}) ? "Auto-Prune" : "Auto";
}

std::string conditionsSummary(const json& app) {
  std::map<std::string, int> counts;
  for (const auto& condition : array(path(app, {"status", "conditions"}))) {
    ++counts[text(condition, {"type"})];
  }
  std::string out;
  for (const auto& [type, count] : counts) {  // std::map: sorted by type
    out += (out.empty() ? "" : ",") + type;
    if (count > 1) out += "(" + std::to_string(count) + ")";
  }
  return out.empty() ? "<none>" : out;
}

std::string syncStatusText(const json& app) {
  std::string out = text(app, {"status", "sync", "status"});
  if (out.empty()) out = "Unknown";
  const std::string target = text(app, {"spec", "source", "targetRevision"});
  if (!target.empty()) {
    if (out == "Synced") out += " to " + target;
    if (out == "OutOfSync") out += " from " + target;
  }
  const std::string revision = text(app, {"status", "sync", "revision"});
  const bool target_is_commit = target.size() >= 7 && target.size() <= 40 && isHex(target);
  if (!target_is_commit && revision.size() > 7) out += " (" + shortCommit(revision) + ")";
  return out;
}

std::string formatAppList(const json& items, Output output) {
  const json& apps = array(items);
  if (output == Output::kJson) return jsonText(apps);
  if (output == Output::kYaml) return yamlText(apps);
  if (output == Output::kName) {
    std::string out;
    for (const auto& app : apps) out += appName(app) + "\n";
    return out;
  }
  const bool wide = output == Output::kWide;
  std::vector<TableColumn> columns = {
      {"NAME", {{2, 24}, {5, 8}}, Cut::kMiddle},
      {"CLUSTER", {{1, 16}, {3, 0}}, Cut::kMiddle},
      {"NAMESPACE", {{2, 12}, {4, 0}}, Cut::kEnd},
      {"STATUS"},
      {"HEALTH"},
      {"SYNCPOLICY"},
      {"CONDITIONS", {{1, 16}, {3, 0}}, Cut::kEnd},
  };
  if (wide) {
    columns.push_back({"REPO"});
    columns.push_back({"PATH"});
    columns.push_back({"TARGET"});
  }
  std::vector<TableRow> rows;
  for (const auto& app : apps) {
    TableRow row = {appName(app),
                    wide ? destinationFull(app) : destinationShort(app),
                    text(app, {"spec", "destination", "namespace"}),
                    text(app, {"status", "sync", "status"}),
                    text(app, {"status", "health", "status"}),
                    syncPolicySummary(app),
                    conditionsSummary(app)};
    if (wide) {
      row.push_back(text(app, {"spec", "source", "repoURL"}));
      row.push_back(text(app, {"spec", "source", "path"}));
      row.push_back(text(app, {"spec", "source", "targetRevision"}));
    }
    rows.push_back(std::move(row));
  }
  return renderTable(columns, rows, tableWidth(output));
}

std::string formatResourceTable(const json& app, Output output) {
  std::map<std::string, std::string> results;  // key → result of the last operation
  for (const auto& resource : array(path(app, {"status", "operationState", "resources"}))) {
    results[resourceKey(resource)] = text(resource, {"result"});
  }
  std::vector<TableRow> rows;
  for (const auto& resource : array(path(app, {"status", "resources"}))) {
    std::string message = text(resource, {"message"});
    if (message.empty() && flag(resource, {"requiresPruning"})) message = "requires pruning";
    if (message.empty()) {
      if (const auto it = results.find(resourceKey(resource)); it != results.end()) {
        message = it->second;
      }
    }
    rows.push_back({text(resource, {"group"}), text(resource, {"kind"}),
                    text(resource, {"namespace"}), text(resource, {"name"}),
                    text(resource, {"status"}), text(resource, {"health", "status"}), message});
  }
  if (rows.empty()) return "";
  return renderTable(resourceColumns({"STATUS", "HEALTH"}), rows, tableWidth(output));
}

std::string formatAppGet(const json& app, Output output) {
  if (output == Output::kJson) return jsonText(app);
  if (output == Output::kYaml) return yamlText(app);
  const bool wide = output == Output::kWide;
  std::string out;
  out += labelLine("Name:", appName(app));
  out += labelLine("Server:", destinationFull(app));
  out += labelLine("Namespace:", text(app, {"spec", "destination", "namespace"}));
  out += labelLine("Repo:", text(app, {"spec", "source", "repoURL"}));
  out += labelLine("Target:", text(app, {"spec", "source", "targetRevision"}));
  if (const std::string source_path = text(app, {"spec", "source", "path"}); !source_path.empty()) {
    out += labelLine("Path:", source_path);
  }
  std::string policy = "Manual";
  if (syncPolicySummary(app) != "Manual") {
    std::vector<std::string> traits;
    if (flag(app, {"spec", "syncPolicy", "automated", "prune"})) traits.emplace_back("Prune");
    if (flag(app, {"spec", "syncPolicy", "automated", "selfHeal"})) {
      traits.emplace_back("Self Heal");
    }
    policy = "Automated";
    for (std::size_t i = 0; i < traits.size(); ++i) {
      policy += (i == 0 ? " (" : ", ") + traits[i] + (i + 1 == traits.size() ? ")" : "");
    }
  }
  out += labelLine("Sync Policy:", policy);
  out += labelLine("Sync Status:", syncStatusText(app));
  std::string health = text(app, {"status", "health", "status"});
  if (health.empty()) health = "Unknown";
  if (const std::string message = text(app, {"status", "health", "message"}); !message.empty()) {
    health += " (" + message + ")";
  }
  out += labelLine("Health Status:", health);
  out += labelLine("Conditions:", conditionsSummary(app));
  const json& operation = path(app, {"status", "operationState"});
  std::string operation_text = "<none>";
  if (operation.is_object()) {
    operation_text = text(operation, {"phase"});
    if (const std::string message = text(operation, {"message"}); !message.empty()) {
      operation_text += ": " + message;
    }
  }
  out += labelLine("Operation:", operation_text);
  if (const json& pending = path(app, {"status", "pendingOperation"}); pending.is_object()) {
    std::string queued = text(pending, {"kind"});
    if (const std::string by = text(pending, {"requestedBy"}); !by.empty()) {
      queued += " requested by " + by;
    }
    queued += " (request " + requestIdText(member(pending, "requestId")) + ")";
    out += labelLine("Queued:", queued);
  }
  if (wide) {
    out += labelLine("Source Type:", text(app, {"status", "sourceType"}));
    out += labelLine("Revision:", text(app, {"status", "sync", "revision"}));
    out += labelLine("Reconciled At:", text(app, {"status", "reconciledAt"}));
    if (operation.is_object()) {
      out += labelLine("Operation Id:", text(operation, {"id"}));
      out += labelLine("Operation Rev.:", text(operation, {"revision"}));
      out += labelLine("Initiated By:", text(operation, {"initiatedBy"}));
      out += labelLine("Started At:", text(operation, {"startedAt"}));
      out += labelLine("Finished At:", text(operation, {"finishedAt"}));
    }
  }
  std::vector<TableRow> conditions;
  for (const auto& condition : array(path(app, {"status", "conditions"}))) {
    conditions.push_back({text(condition, {"type"}), text(condition, {"message"})});
  }
  if (!conditions.empty()) {
    out += "\n" + renderTable({{"CONDITION", {{2, 12}}, Cut::kEnd},
                               {"MESSAGE", {{1, 20}, {3, 0}}, Cut::kEnd}},
                              conditions, tableWidth(output));
  }
  if (const std::string resources = formatResourceTable(app, output); !resources.empty()) {
    out += "\n" + resources;
  }
  return out;
}

std::string formatHistory(const json& items, Output output) {
  const json& entries = array(items);
  if (output == Output::kJson) return jsonText(entries);
  if (output == Output::kYaml) return yamlText(entries);
  const bool wide = output == Output::kWide;
  std::vector<TableColumn> columns = {
      {"ID"}, {"DATE"}, {"REVISION"}, {"PHASE"}, {"INITIATED-BY", {{1, 12}}, Cut::kEnd}};
  if (wide) {
    columns.push_back({"PATH"});
    columns.push_back({"MESSAGE"});
  }
  std::vector<TableRow> rows;
  for (const auto& entry : entries) {
    std::string date = text(entry, {"finishedAt"});
    if (date.empty()) date = text(entry, {"startedAt"});
    std::string by = text(entry, {"initiatedBy"});
    if (by.empty() && flag(entry, {"automated"})) by = "automated";
    const std::string revision = text(entry, {"revision"});
    TableRow row = {text(entry, {"id"}), date, wide ? revision : shortCommit(revision),
                    text(entry, {"phase"}), by};
    if (wide) {
      row.push_back(text(entry, {"sourcePath"}));
      row.push_back(text(entry, {"message"}));
    }
    rows.push_back(std::move(row));
  }
  return renderTable(columns, rows, tableWidth(output));
}

std::string formatDiff(const json& items) {
  std::string out;
  for (const auto& item : array(items)) {
    if (!out.empty()) out += "\n";
    out += "===== " + text(item, {"group"}) + "/" + text(item, {"kind"}) + " " +
           text(item, {"namespace"}) + "/" + text(item, {"name"}) + " ======\n";
    std::string diff = text(item, {"diff"});
    if (!diff.empty() && diff.back() != '\n') diff += '\n';
    out += diff;
  }
  return out;
}

std::string formatManifests(const json& manifests, Output output) {
  const json& objects = array(manifests);
  if (output == Output::kJson) {
    return jsonText(json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", objects}});
  }
  std::string out;
  for (const auto& object : objects) out += "---\n" + manifest::toBlockYaml(object);
  return out;
}

std::optional<long long> parseTimestamp(std::string_view value) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  if (value.size() < 20 || value[4] != '-' || value[7] != '-' ||
      (value[10] != 'T' && value[10] != 't') || value[13] != ':' || value[16] != ':') {
    return std::nullopt;
  }
  const auto year = digits(value, 0, 4);
  const auto month = digits(value, 5, 2);
  const auto day = digits(value, 8, 2);
  const auto hour = digits(value, 11, 2);
  const auto minute = digits(value, 14, 2);
  const auto second = digits(value, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *month < 1 || *month > 12 ||
      *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (at < value.size() && value[at] == '.') {
    ++at;
    const std::size_t start = at;
    while (at < value.size() && std::isdigit(static_cast<unsigned char>(value[at])) != 0) ++at;
    if (at == start) return std::nullopt;
  }
  long long offset = 0;
  if (at < value.size() && (value[at] == 'Z' || value[at] == 'z') && at + 1 == value.size()) {
    offset = 0;
  } else if (at + 6 == value.size() && (value[at] == '+' || value[at] == '-') &&
             value[at + 3] == ':') {
    const auto oh = digits(value, at + 1, 2);
    const auto om = digits(value, at + 4, 2);
    if (!oh || !om) return std::nullopt;
    offset = (value[at] == '+' ? 1 : -1) * (*oh * 3600LL + *om * 60LL);
  } else {
    return std::nullopt;
  }
  const long long days =
      daysFromCivil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  return days * 86400 + *hour * 3600LL + *minute * 60LL + *second - offset;
}

std::string durationText(long long seconds) {
  std::string sign;
  if (seconds < 0) {
    sign = "-";
    seconds = -seconds;
  }
  const long long h = seconds / 3600;
  const long long m = seconds % 3600 / 60;
  const long long s = seconds % 60;
  if (h > 0)
    return sign + std::to_string(h) + "h" + std::to_string(m) + "m" + std::to_string(s) + "s";
  if (m > 0) return sign + std::to_string(m) + "m" + std::to_string(s) + "s";
  return sign + std::to_string(s) + "s";
}

std::string formatOperationResult(const json& app, std::string_view operation, Output output) {
  const json& state = path(app, {"status", "operationState"});
  if (!state.is_object()) return "";
  std::string out;
  std::string kind(operation);
  if (flag(state, {"dryRun"})) kind += " (dry run)";
  out += labelLine("Operation:", kind);
  out += labelLine("Sync Revision:", text(state, {"revision"}));
  out += labelLine("Phase:", text(state, {"phase"}));
  const std::string started = text(state, {"startedAt"});
  const std::string finished = text(state, {"finishedAt"});
  out += labelLine("Start:", started);
  out += labelLine("Finished:", finished);
  const auto start_time = parseTimestamp(started);
  const auto finish_time = parseTimestamp(finished);
  if (start_time && finish_time) {
    out += labelLine("Duration:", durationText(*finish_time - *start_time));
  }
  if (const std::string message = text(state, {"message"}); !message.empty()) {
    out += labelLine("Message:", message);
  }
  if (const std::string by = text(state, {"initiatedBy"}); !by.empty()) {
    out += labelLine("Initiated By:", by);
  }
  std::vector<TableRow> rows;
  for (const auto& resource : array(member(state, "resources"))) {
    std::string status;
    if (const json& ok = member(resource, "ok"); ok.is_boolean()) {
      status = !ok.get<bool>()                         ? "SyncFailed"
               : text(resource, {"action"}) == "prune" ? "Pruned"
                                                       : "Synced";
    }
    rows.push_back({text(resource, {"group"}), text(resource, {"kind"}),
                    text(resource, {"namespace"}), text(resource, {"name"}), status,
                    text(resource, {"result"})});
  }
  if (!rows.empty()) {
    out += "\n" + renderTable(resourceColumns({"STATUS"}), rows, tableWidth(output));
  }
  return out;
}

std::string requestIdText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  return "";
}

bool isFinalPhase(std::string_view phase) {
  return phase == "Succeeded" || phase == "Failed" || phase == "Error" || phase == "Terminated";
}

OperationView findOperation(const json& app, std::string_view request_id) {
  const json& state = path(app, {"status", "operationState"});
  const json& pending = path(app, {"status", "pendingOperation"});
  const std::string running_id = requestIdText(member(state, "requestId"));
  const std::string pending_id = requestIdText(member(pending, "requestId"));
  OperationView view;
  if (!request_id.empty() && running_id == request_id) {
    view.phase = text(state, {"phase"});
    view.message = text(state, {"message"});
    view.progress =
        isFinalPhase(view.phase) ? OperationProgress::kFinished : OperationProgress::kRunning;
    return view;
  }
  if (!request_id.empty() && pending_id == request_id) {
    view.progress = OperationProgress::kQueued;
    return view;
  }
  const auto number = [](std::string_view id) -> std::optional<long long> {
    long long value = 0;
    const auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), value);
    if (error != std::errc() || end != id.data() + id.size() || id.empty()) return std::nullopt;
    return value;
  };
  if (const auto mine = number(request_id)) {
    for (const auto& other : {running_id, pending_id}) {
      if (const auto theirs = number(other); theirs && *theirs > *mine) {
        view.progress = OperationProgress::kSuperseded;
        return view;
      }
    }
  }
  return view;
}

std::vector<std::string> unmetConditions(const json& app, const WaitConditions& want) {
  WaitConditions conditions = want;
  if (!conditions.sync && !conditions.health && !conditions.operation) {
    conditions = {true, true, true};
  }
  std::vector<std::string> unmet;
  if (conditions.sync) {
    const std::string sync = text(app, {"status", "sync", "status"});
    if (sync != "Synced") unmet.push_back("sync status is " + (sync.empty() ? "unknown" : sync));
  }
  if (conditions.health) {
    const std::string health = text(app, {"status", "health", "status"});
    if (health != "Healthy") {
      std::string phrase = "health is " + (health.empty() ? "unknown" : health);
      if (const std::string message = text(app, {"status", "health", "message"});
          !message.empty()) {
        phrase += " (" + message + ")";
      }
      unmet.push_back(phrase);
    }
  }
  if (conditions.operation) {
    const json& state = path(app, {"status", "operationState"});
    const std::string phase = text(state, {"phase"});
    if (state.is_object() && !phase.empty() && !isFinalPhase(phase)) {
      std::string phrase = "operation " + requestIdText(member(state, "requestId"));
      if (phrase.back() == ' ') phrase.pop_back();
      phrase += " is " + phase;
      if (const std::string message = text(state, {"message"}); !message.empty()) {
        phrase += ": " + message;
      }
      unmet.push_back(phrase);
    }
    if (const json& pending = path(app, {"status", "pendingOperation"}); pending.is_object()) {
      std::string kind = text(pending, {"kind"});
      unmet.push_back((kind.empty() ? "operation" : kind) + " " +
                      requestIdText(member(pending, "requestId")) + " is queued");
    }
  }
  return unmet;
}

std::optional<std::string> degradedTransition(const json& before, const json& after) {
  std::map<std::string, std::string> previous;
  for (const auto& resource : array(path(before, {"status", "resources"}))) {
    previous[resourceKey(resource)] = text(resource, {"health", "status"});
  }
  for (const auto& resource : array(path(after, {"status", "resources"}))) {
    if (text(resource, {"health", "status"}) != "Degraded") continue;
    const auto it = previous.find(resourceKey(resource));
    if (it == previous.end() || it->second.empty() || it->second == "Unknown" ||
        it->second == "Degraded") {
      continue;
    }
    std::string where = text(resource, {"namespace"});
    where += (where.empty() ? "" : "/") + text(resource, {"name"});
    std::string out =
        text(resource, {"kind"}) + " " + where + " went from " + it->second + " to Degraded";
    if (const std::string message = text(resource, {"health", "message"}); !message.empty()) {
      out += ": " + message;
    }
    return out;
  }
  return std::nullopt;
}

core::Result<ResourceSelector> parseResourceSelector(std::string_view value) {
  const auto bad = [&] {
    return core::invalidError("--resource \"" + std::string(value) +
                              "\" should be GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME (GROUP "
                              "empty for the core group, e.g. :Service:details)");
  };
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const auto colon = value.find(':', start);
    fields.emplace_back(value.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (fields.size() != 3 || fields[1].empty() || fields[2].empty()) return bad();
  ResourceSelector selector;
  selector.group = fields[0];
  selector.kind = fields[1];
  const auto slash = fields[2].find('/');
  if (slash == std::string::npos) {
    selector.name = fields[2];
  } else {
    selector.has_namespace = true;
    selector.namespace_ = fields[2].substr(0, slash);
    selector.name = fields[2].substr(slash + 1);
    if (selector.name.empty() || selector.name.find('/') != std::string::npos) return bad();
  }
  return selector;
}

core::Result<json> resolveResources(const std::vector<ResourceSelector>& selectors,
                                    const json& app) {
  json out = json::array();
  for (const auto& selector : selectors) {
    std::vector<std::string> namespaces;
    for (const auto& resource : array(path(app, {"status", "resources"}))) {
      if (text(resource, {"group"}) != selector.group ||
          text(resource, {"kind"}) != selector.kind || text(resource, {"name"}) != selector.name) {
        continue;
      }
      const std::string ns = text(resource, {"namespace"});
      if (selector.has_namespace && ns != selector.namespace_) continue;
      if (std::find(namespaces.begin(), namespaces.end(), ns) == namespaces.end()) {
        namespaces.push_back(ns);
      }
    }
    std::string shown = selector.group + ":" + selector.kind + ":" +
                        (selector.has_namespace ? selector.namespace_ + "/" : "") + selector.name;
    if (namespaces.empty()) {
      return core::invalidError("--resource " + shown + " is not a resource of application '" +
                                appName(app) + "'");
    }
    if (namespaces.size() > 1) {
      std::string list;
      for (const auto& ns : namespaces) list += (list.empty() ? "" : ", ") + ns;
      return core::invalidError("--resource " + shown +
                                " matches resources in several namespaces (" + list +
                                "); write GROUP:KIND:NAMESPACE/NAME");
    }
    out.push_back({{"group", selector.group},
                   {"kind", selector.kind},
                   {"namespace", namespaces.front()},
                   {"name", selector.name}});
  }
  return out;
}

core::Result<long long> previousDeploymentId(const json& items, std::string_view app) {
  int seen = 0;
  for (const auto& entry : array(items)) {
    if (text(entry, {"phase"}) != "Succeeded") continue;
    if (++seen == 2) {
      const json& id = member(entry, "id");
      if (id.is_number_integer()) return id.get<long long>();
      break;
    }
  }
  return core::notFoundError("application '" + std::string(app) +
                             "' has fewer than two successful syncs in its history; give the ID "
                             "of a history entry ('gitopsctl app history " +
                             std::string(app) + "')");
}

}  // namespace gitopsd::cli
