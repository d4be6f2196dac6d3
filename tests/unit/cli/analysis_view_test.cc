// What `gitopsctl analysis list/get` print from the API's AnalysisRuns (Argo Rollouts' shape).
#include "cli/analysis_view.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

using gitopsd::cli::formatAnalysisGet;
using gitopsd::cli::formatAnalysisList;
using gitopsd::cli::measurementSummary;
using gitopsd::cli::Output;
using nlohmann::json;

json failedRun() {
  return json::parse(R"json({
    "apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
    "metadata": {"name": "reviews-rollout-6ff5d8c5b5-3", "namespace": "bookinfo"},
    "status": {
      "phase": "Failed",
      "message": "Metric \"apdex\" assessed Failed due to failed (4) > failureLimit (3)",
      "startedAt": "2026-12-06T21:22:03Z", "completedAt": "2026-12-06T21:23:18Z",
      "runSummary": {"count": 1, "failed": 1},
      "metricResults": [{
        "name": "apdex", "phase": "Failed", "count": 5, "successful": 1, "failed": 4,
        "measurements": [
          {"phase": "Successful", "startedAt": "2026-12-06T21:22:03Z", "value": "{\"v\":10000}"},
          {"phase": "Failed", "startedAt": "2026-12-06T21:22:08Z", "value": "{\"v\":3333}"}
        ]}]
}
})json");
}

}  // namespace

TEST_CASE("cli analysis: the measurement summary counts every metric's verdicts", "[cli]") {
  CHECK(measurementSummary(failedRun()) == "1 successful, 4 failed");
  CHECK(measurementSummary(json::object()) == "none");
  json mixed = failedRun();
  mixed["status"]["metricResults"].push_back(
      {{"name", "errors"}, {"inconclusive", 2}, {"error", 1}});
  CHECK(measurementSummary(mixed) == "1 successful, 4 failed, 2 inconclusive, 1 error");
}

TEST_CASE("cli analysis: list is a table of phases and verdicts; names and JSON forms", "[cli]") {
  json pending = {{"metadata", {{"name", "new"}, {"namespace", "default"}}}};
  const json items = json::array({failedRun(), pending});
  const std::string wide = formatAnalysisList(items, Output::kWide);
  const std::string message =
      "Metric \"apdex\" assessed Failed due to failed (4) > failureLimit (3)";
  const std::string pad(message.size() - 7 + 2, ' ');  // MESSAGE's column: the message and 2
  CHECK(wide == "NAMESPACE  NAME                          PHASE   MEASUREMENTS            MESSAGE" +
                    pad + "STARTED               COMPLETED\n" +
                    "bookinfo   reviews-rollout-6ff5d8c5b5-3  Failed  1 successful, 4 failed  " +
                    message + "  2026-12-06T21:22:03Z  2026-12-06T21:23:18Z\n" +
                    "default    new                           <none>  none\n");
  const std::string table = formatAnalysisList(items, Output::kDefault);
  for (const auto& line :
       {std::string("NAMESPACE"), std::string("bookinfo"), std::string("default")}) {
    CHECK(table.find(line) != std::string::npos);
  }
  std::size_t start = 0;
  while (start < table.size()) {  // every line fits 80 columns
    const auto end = table.find('\n', start);
    CHECK(end - start <= 80);
    start = end + 1;
  }
  CHECK(formatAnalysisList(items, Output::kName) ==
        "bookinfo/reviews-rollout-6ff5d8c5b5-3\ndefault/new\n");
  CHECK(json::parse(formatAnalysisList(items, Output::kJson)) == items);
}

TEST_CASE("cli analysis: get shows the verdict, each metric and its measurements", "[cli]") {
  const std::string out = formatAnalysisGet(failedRun(), Output::kWide);
  CHECK(out.find("Name:       reviews-rollout-6ff5d8c5b5-3\n") == 0);
  CHECK(out.find("Phase:      Failed\n") != std::string::npos);
  CHECK(out.find("Message:    Metric \"apdex\" assessed Failed due to failed (4) > failureLimit "
                 "(3)\n") != std::string::npos);
  CHECK(out.find("apdex   Failed  1           4       0             0") != std::string::npos);
  CHECK(out.find("Measurements of apdex:\n") != std::string::npos);
  CHECK(out.find("2026-12-06T21:22:08Z  Failed      {\"v\":3333}") != std::string::npos);
  const std::string fresh = formatAnalysisGet(
      {{"metadata", {{"name", "new"}, {"namespace", "default"}}}}, Output::kDefault);
  CHECK(fresh.find("Phase:      <none>\n") != std::string::npos);
  CHECK(fresh.find("No measurements yet.") != std::string::npos);
  CHECK(json::parse(formatAnalysisGet(failedRun(), Output::kJson)) == failedRun());
}
