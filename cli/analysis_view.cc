#include "cli/analysis_view.h"

#include <vector>

#include "cli/json_fields.h"

namespace gitopsd::cli {
namespace {

using nlohmann::json;
using namespace json_fields;

std::string orNone(std::string value) { return value.empty() ? "<none>" : value; }

}  // namespace

std::string measurementSummary(const json& run) {
  long long successful = 0, failed = 0, inconclusive = 0, error = 0;
  for (const auto& result : array(path(run, {"status", "metricResults"}))) {
    successful += integer(result, {"successful"});
    failed += integer(result, {"failed"});
    inconclusive += integer(result, {"inconclusive"});
    error += integer(result, {"error"});
  }
  std::string out;
  const auto add = [&](long long n, const char* what) {
    if (n == 0) return;
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(successful, "successful");
  add(failed, "failed");
  add(inconclusive, "inconclusive");
  add(error, "error");
  return out.empty() ? "none" : out;
}

std::string formatAnalysisList(const json& items, Output output) {
  const json& runs = array(items);
  if (output == Output::kJson) return jsonText(runs);
  if (output == Output::kYaml) return yamlText(runs);
  if (output == Output::kName) {
    std::string out;
    for (const auto& run : runs) {
      out += text(run, {"metadata", "namespace"}) + "/" + text(run, {"metadata", "name"}) + "\n";
    }
    return out;
  }
  const bool wide = output == Output::kWide;
  std::vector<TableColumn> columns = {
      {"NAMESPACE", {{2, 12}, {4, 0}}, Cut::kEnd},
      {"NAME", {{2, 24}, {5, 8}}, Cut::kMiddle},
      {"PHASE"},
      {"MEASUREMENTS", {{1, 16}, {3, 0}}, Cut::kEnd},
      {"MESSAGE", {{1, 16}, {3, 0}}, Cut::kEnd},
  };
  if (wide) {
    columns.push_back({"STARTED"});
    columns.push_back({"COMPLETED"});
  }
  std::vector<TableRow> rows;
  for (const auto& run : runs) {
    TableRow row = {text(run, {"metadata", "namespace"}), text(run, {"metadata", "name"}),
                    orNone(text(run, {"status", "phase"})), measurementSummary(run),
                    text(run, {"status", "message"})};
    if (wide) {
      row.push_back(text(run, {"status", "startedAt"}));
      row.push_back(text(run, {"status", "completedAt"}));
    }
    rows.push_back(std::move(row));
  }
  return renderTable(columns, rows, tableWidth(output));
}

std::string formatAnalysisGet(const json& run, Output output) {
  if (output == Output::kJson) return jsonText(run);
  if (output == Output::kYaml) return yamlText(run);
  std::string out;
  const auto line = [&](const char* label, const std::string& value) {
    out +=
        std::string(label) + std::string(12 - std::string_view(label).size(), ' ') + value + "\n";
  };
  line("Name:", text(run, {"metadata", "name"}));
  line("Namespace:", text(run, {"metadata", "namespace"}));
  line("Phase:", orNone(text(run, {"status", "phase"})));
  line("Message:", text(run, {"status", "message"}));
  line("Started:", text(run, {"status", "startedAt"}));
  line("Completed:", text(run, {"status", "completedAt"}));
  const json& results = array(path(run, {"status", "metricResults"}));
  if (results.empty()) return out + "\nNo measurements yet.\n";
  std::vector<TableRow> metrics;
  for (const auto& result : results) {
    metrics.push_back({text(result, {"name"}), orNone(text(result, {"phase"})),
                       std::to_string(integer(result, {"successful"})),
                       std::to_string(integer(result, {"failed"})),
                       std::to_string(integer(result, {"inconclusive"})),
                       std::to_string(integer(result, {"error"})), text(result, {"message"})});
  }
  out += "\n" + renderTable({{"METRIC", {{2, 16}}, Cut::kMiddle},
                             {"PHASE"},
                             {"SUCCESSFUL"},
                             {"FAILED"},
                             {"INCONCLUSIVE"},
                             {"ERROR"},
                             {"MESSAGE", {{1, 12}, {3, 0}}, Cut::kEnd}},
                            metrics, tableWidth(output));
  for (const auto& result : results) {
    std::vector<TableRow> measurements;
    for (const auto& m : array(member(result, "measurements"))) {
      measurements.push_back({text(m, {"startedAt"}), orNone(text(m, {"phase"})),
                              text(m, {"value"}), text(m, {"message"})});
    }
    out += "\nMeasurements of " + text(result, {"name"}) + ":\n";
    out += renderTable({{"STARTED"},
                        {"PHASE"},
                        {"VALUE", {{1, 16}, {3, 8}}, Cut::kEnd},
                        {"MESSAGE", {{1, 16}, {3, 0}}, Cut::kEnd}},
                       measurements, tableWidth(output));
  }
  return out;
}

}  // namespace gitopsd::cli
