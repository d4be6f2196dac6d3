// Golden-output tests of what `gitopsctl app ...` prints from the API's JSON (fixtures and
// expected outputs in tests/testdata/cli/), and of the pure decisions of those commands and of
// the API client. Run with GITOPSD_UPDATE_GOLDEN=1 to rewrite the golden files after a
// deliberate change (then review the diff).
#include "cli/app_view.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/api_client.h"
#include "cli/api_command.h"
#include "cli/app_commands.h"
#include "cli/args.h"

namespace {

using gitopsd::cli::Output;
using nlohmann::json;
namespace cli = gitopsd::cli;

const std::string kDir = std::string(GITOPSD_TESTDATA_DIR) + "/cli/";

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FAIL("cannot read " << path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

json fixture(const std::string& name) { return json::parse(readText(kDir + name)); }

void checkGolden(const std::string& actual, const std::string& golden) {
  const std::string path = kDir + golden;
  if (const char* update = std::getenv("GITOPSD_UPDATE_GOLDEN"); update && *update) {
    std::ofstream(path, std::ios::binary) << actual;
  }
  INFO("golden file " << path << "; actual output:\n" << actual);
  CHECK(actual == readText(path));
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Every line of `text` fits `width` columns and has no trailing space.
void checkFits(const std::string& text, std::size_t width) {
  for (const auto& line : lines(text)) {
    INFO(line);
    CHECK(cli::textWidth(line) <= width);
    CHECK((line.empty() || line.back() != ' '));
  }
}

// The part of `text` after its first blank line (the tables below a header block).
std::string afterHeader(const std::string& text) {
  const auto blank = text.find("\n\n");
  return blank == std::string::npos ? "" : text.substr(blank + 2);
}

}  // namespace

TEST_CASE("cli: app list fits 80 columns, shortening long cells; wide shows them", "[cli]") {
  const json items = fixture("list.json")["items"];
  const std::string table = cli::formatAppList(items, Output::kDefault);
  checkGolden(table, "list.txt");
  checkFits(table, cli::kTableWidth);
  // Without the long row nothing needs shortening.
  const json short_items = {items[0], items[2]};
  CHECK(cli::formatAppList(short_items, Output::kDefault) ==
        "NAME      CLUSTER     NAMESPACE  STATUS   HEALTH   SYNCPOLICY  CONDITIONS\n"
        "bookinfo  in-cluster  bookinfo   Synced   Healthy  Auto-Prune  <none>\n"
        "web       staging     web        Unknown  Missing  Manual      <none>\n");

  const std::string wide = cli::formatAppList(items, Output::kWide);
  checkGolden(wide, "list-wide.txt");
  CHECK(wide.find("ComparisonError(2),SharedResourceWarning") != std::string::npos);
  for (const char* full :
       {"payments-api-canary-with-a-very-long-application-name",
        "https://git.example.com/platform-team/payments/deployments-monorepo.git",
        "https://payments-prod-eu-west-1.k8s.internal.example.com:6443",
        "https://kubernetes.default.svc"}) {
    CHECK(wide.find(full) != std::string::npos);
  }

  CHECK(cli::formatAppList(items, Output::kName) ==
        "bookinfo\npayments-api-canary-with-a-very-long-application-name\nweb\n");
  CHECK(json::parse(cli::formatAppList(items, Output::kJson)) == items);
  CHECK(cli::formatAppList(items, Output::kYaml).rfind("- metadata:\n    name: bookinfo\n", 0) ==
        0);
  CHECK(cli::formatAppList(json::array(), Output::kDefault) ==
        "NAME  CLUSTER  NAMESPACE  STATUS  HEALTH  SYNCPOLICY  CONDITIONS\n");
  CHECK(cli::formatAppList(json("not a list"), Output::kName).empty());
}

TEST_CASE("cli: app get prints the header block, conditions and resources in 80 columns", "[cli]") {
  const json app = fixture("app.json");
  const std::string text = cli::formatAppGet(app, Output::kDefault);
  checkGolden(text, "get.txt");
  checkFits(afterHeader(text), cli::kTableWidth);
  CHECK(text.find("Sync Status:        OutOfSync from main (4f2a9c1)\n") != std::string::npos);
  CHECK(text.find("Sync Policy:        Automated (Prune, Self Heal)\n") != std::string::npos);
  CHECK(text.find("Queued:             sync requested by ci (request 8)\n") != std::string::npos);
  // The header never shortens: the repository URL is there in full.
  CHECK(text.find(app["spec"]["source"]["repoURL"].get<std::string>()) != std::string::npos);

  const std::string wide = cli::formatAppGet(app, Output::kWide);
  checkGolden(wide, "get-wide.txt");
  CHECK(wide.find("reviews-canary-rollout-with-an-unusually-long-name") != std::string::npos);
  // A resource without a message of its own shows the result of the last operation on it.
  CHECK(wide.find("total destination weight 90 != 100") != std::string::npos);
  CHECK(json::parse(cli::formatAppGet(app, Output::kJson)) == app);

  // An application with no status yet still prints its header.
  const json bare = {{"metadata", {{"name", "new"}}}};
  CHECK(cli::formatAppGet(bare, Output::kDefault) ==
        "Name:               new\n"
        "Server:\n"
        "Namespace:\n"
        "Repo:\n"
        "Target:\n"
        "Sync Policy:        Manual\n"
        "Sync Status:        Unknown\n"
        "Health Status:      Unknown\n"
        "Conditions:         <none>\n"
        "Operation:          <none>\n");
}

TEST_CASE("cli: sync status text follows argocd", "[cli]") {
  json app = {{"spec", {{"source", {{"targetRevision", "main"}}}}},
              {"status", {{"sync", {{"status", "Synced"}, {"revision", std::string(40, 'a')}}}}}};
  CHECK(cli::syncStatusText(app) == "Synced to main (aaaaaaa)");
  app["status"]["sync"]["status"] = "OutOfSync";
  CHECK(cli::syncStatusText(app) == "OutOfSync from main (aaaaaaa)");
  app["spec"]["source"]["targetRevision"] = "abcdef1";  // a commit: no short commit added
  CHECK(cli::syncStatusText(app) == "OutOfSync from abcdef1");
  app["status"]["sync"] = {{"status", "Unknown"}};
  CHECK(cli::syncStatusText(app) == "Unknown");
  CHECK(cli::syncPolicySummary(json::object()) == "Manual");
  CHECK(cli::syncPolicySummary({{"spec", {{"syncPolicy", {{"automated", json::object()}}}}}}) ==
        "Auto");
  CHECK(cli::syncPolicySummary(
            {{"spec", {{"syncPolicy", {{"automated", {{"enabled", false}}}}}}}}) == "Manual");
}

TEST_CASE("cli: app history table with short commits; wide has them in full", "[cli]") {
  const json items = fixture("history.json")["items"];
  const std::string table = cli::formatHistory(items, Output::kDefault);
  checkGolden(table, "history.txt");
  checkFits(table, cli::kTableWidth);
  checkGolden(cli::formatHistory(items, Output::kWide), "history-wide.txt");
  CHECK(json::parse(cli::formatHistory(items, Output::kJson)) == items);
}

TEST_CASE("cli: app diff prints argocd's header and the diff of each object", "[cli]") {
  checkGolden(cli::formatDiff(fixture("diff.json")["items"]), "diff.txt");
  CHECK(cli::formatDiff(json::array()).empty());
  CHECK(cli::formatDiff(json()).empty());
}

TEST_CASE("cli: app manifests as a YAML stream or a JSON List", "[cli]") {
  const json manifests = fixture("manifests.json")["manifests"];
  checkGolden(cli::formatManifests(manifests, Output::kYaml), "manifests.yaml");
  CHECK(cli::formatManifests(manifests, Output::kDefault) ==
        cli::formatManifests(manifests, Output::kYaml));
  const json list = json::parse(cli::formatManifests(manifests, Output::kJson));
  CHECK(list["apiVersion"] == "v1");
  CHECK(list["kind"] == "List");
  CHECK(list["items"] == manifests);
  CHECK(cli::formatManifests(json::array(), Output::kYaml).empty());
}

TEST_CASE("cli: operation result block and resource results table", "[cli]") {
  const json app = fixture("app.json");
  const std::string text = cli::formatOperationResult(app, "Sync", Output::kDefault);
  checkGolden(text, "operation.txt");
  checkFits(afterHeader(text), cli::kTableWidth);
  json dry = app;
  dry["status"]["operationState"]["dryRun"] = true;
  CHECK(cli::formatOperationResult(dry, "Rollback", Output::kDefault)
            .rfind("Operation:          Rollback (dry run)\n", 0) == 0);
  CHECK(cli::formatOperationResult(json::object(), "Sync", Output::kDefault).empty());
}

TEST_CASE("cli: tables shrink by tier, widest column first, to the column minimum", "[cli]") {
  using cli::Cut;
  CHECK(cli::shorten("abcdefghij", 10, Cut::kEnd) == "abcdefghij");
  CHECK(cli::shorten("abcdefghij", 7, Cut::kEnd) == "abcd...");
  CHECK(cli::shorten("abcdefghij", 7, Cut::kMiddle) == "ab...ij");
  CHECK(cli::shorten("abcdefghij", 8, Cut::kMiddle) == "abc...ij");
  CHECK(cli::shorten("abcdefghij", 3, Cut::kMiddle) == "abc");
  CHECK(cli::shorten("h\xc3\xa9llo w\xc3\xb6rld", 8, Cut::kEnd) == "h\xc3\xa9llo...");
  CHECK(cli::textWidth("h\xc3\xa9llo") == 5);

  const std::vector<cli::TableColumn> columns = {
      {"A", {{2, 4}}, Cut::kEnd}, {"B"}, {"C", {{1, 3}}, Cut::kEnd}, {"D", {{1, 3}}, Cut::kEnd}};
  const std::vector<cli::TableRow> rows = {{"aaaaaaaa", "b", "cccccc", "dddd"}};
  CHECK(cli::renderTable(columns, rows, 0) ==
        "A         B  C       D\n"
        "aaaaaaaa  b  cccccc  dddd\n");
  // 25 → 20: tier 1 first, the widest column first (the rightmost among equals), down to the
  // floors (C 6→3, D 4→3), then tier 2 (A 8→7).
  CHECK(cli::renderTable(columns, rows, 20) ==
        "A        B  C    D\n"
        "aaaa...  b  ccc  ddd\n");
  CHECK(cli::renderTable(columns, rows, 19) ==
        "A       B  C    D\n"
        "aaa...  b  ccc  ddd\n");
  // Nothing can give any more (A at its floor 4): the table is wider than asked.
  CHECK(cli::renderTable(columns, rows, 5) ==
        "A     B  C    D\n"
        "a...  b  ccc  ddd\n");
  // A column in two rounds: M keeps 6 while A gives, then gives down to 2.
  const std::vector<cli::TableColumn> staged = {{"A", {{2, 4}}, Cut::kEnd},
                                                {"M", {{1, 6}, {3, 2}}, Cut::kEnd}};
  const std::vector<cli::TableRow> long_rows = {{"aaaaaaaa", "mmmmmmmmmm"}};
  CHECK(cli::renderTable(staged, long_rows, 14) ==
        "A       M\n"
        "aaa...  mmm...\n");
  CHECK(cli::renderTable(staged, long_rows, 8) ==
        "A     M\n"
        "a...  mm\n");
  // Short rows are padded; newlines and tabs become spaces.
  CHECK(cli::renderTable({{"X"}, {"Y"}}, {{"a\nb"}}, 0) == "X    Y\na b\n");
}

TEST_CASE("cli: -o values per command", "[cli]") {
  CHECK(*cli::parseOutput(std::nullopt, {Output::kWide}) == Output::kDefault);
  CHECK(*cli::parseOutput(std::string(""), {Output::kWide}) == Output::kDefault);
  CHECK(*cli::parseOutput(std::string("json"), {Output::kWide, Output::kJson}) == Output::kJson);
  const auto bad =
      cli::parseOutput(std::string("name"), {Output::kWide, Output::kJson, Output::kYaml});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "unknown output format \"name\" (use wide, json or yaml)");
}

TEST_CASE("cli: where a requested operation is", "[cli]") {
  using cli::OperationProgress;
  json app = {{"status",
               {{"operationState", {{"requestId", "7"}, {"phase", "Running"}, {"message", "m"}}},
                {"pendingOperation", {{"requestId", "8"}, {"kind", "sync"}}}}}};
  CHECK(cli::findOperation(app, "7").progress == OperationProgress::kRunning);
  CHECK(cli::findOperation(app, "7").message == "m");
  CHECK(cli::findOperation(app, "8").progress == OperationProgress::kQueued);
  CHECK(cli::findOperation(app, "9").progress == OperationProgress::kNotSeen);
  CHECK(cli::findOperation(app, "6").progress == OperationProgress::kSuperseded);
  app["status"]["operationState"]["phase"] = "Terminated";
  CHECK(cli::findOperation(app, "7").progress == OperationProgress::kFinished);
  // Request ids written as numbers are the same ids.
  app["status"]["operationState"]["requestId"] = 7;
  CHECK(cli::findOperation(app, "7").progress == OperationProgress::kFinished);
  CHECK(cli::findOperation(json::object(), "1").progress == OperationProgress::kNotSeen);
  CHECK(cli::isFinalPhase("Succeeded"));
  CHECK_FALSE(cli::isFinalPhase("Running"));
}

TEST_CASE("cli: what a wait still misses; argocd's early end on Degraded", "[cli]") {
  json app = fixture("app.json");
  CHECK(cli::unmetConditions(app, {true, false, false}) ==
        std::vector<std::string>{"sync status is OutOfSync"});
  CHECK(cli::unmetConditions(app, {}) ==
        std::vector<std::string>{"sync status is OutOfSync",
                                 "health is Progressing (Deployment bookinfo/reviews is "
                                 "Progressing)",
                                 "sync 8 is queued"});
  app["status"].erase("pendingOperation");
  app["status"]["operationState"]["phase"] = "Running";
  app["status"]["operationState"]["message"] = "wave 0";
  CHECK(cli::unmetConditions(app, {false, false, true}) ==
        std::vector<std::string>{"operation 7 is Running: wave 0"});
  app["status"]["operationState"]["phase"] = "Succeeded";
  app["status"]["sync"]["status"] = "Synced";
  app["status"]["health"] = {{"status", "Healthy"}};
  CHECK(cli::unmetConditions(app, {}).empty());

  const json before = fixture("app.json");
  json after = before;
  CHECK_FALSE(cli::degradedTransition(before, after));
  after["status"]["resources"][3]["health"] = {{"status", "Degraded"}, {"message", "deadline"}};
  CHECK(cli::degradedTransition(before, after) ==
        "Deployment bookinfo/reviews went from Progressing to Degraded: deadline");
  // Already Degraded (the Rollout), or from Unknown: not a transition that ends the wait.
  json unknown = before;
  unknown["status"]["resources"][3]["health"]["status"] = "Unknown";
  CHECK_FALSE(cli::degradedTransition(unknown, after));
}

TEST_CASE("cli: --resource selectors resolve against the application's resources", "[cli]") {
  const json app = fixture("app.json");
  auto plain = cli::parseResourceSelector(":Service:details");
  REQUIRE(plain.ok());
  CHECK(plain->group.empty());
  CHECK_FALSE(plain->has_namespace);
  auto with_ns = cli::parseResourceSelector("apps:Deployment:bookinfo/reviews");
  REQUIRE(with_ns.ok());
  CHECK(with_ns->namespace_ == "bookinfo");
  auto cluster =
      cli::parseResourceSelector("rbac.authorization.k8s.io:ClusterRole:/bookinfo-reader");
  REQUIRE(cluster.ok());
  for (const char* bad : {"Service:details", ":Service:", "a:b:c:d", "apps::x", "a:B:ns/"}) {
    INFO(bad);
    CHECK_FALSE(cli::parseResourceSelector(bad).ok());
  }
  auto resolved = cli::resolveResources({*plain, *with_ns, *cluster}, app);
  REQUIRE(resolved.ok());
  CHECK(*resolved == json::parse(R"([
    {"group": "", "kind": "Service", "namespace": "bookinfo", "name": "details"},
    {"group": "apps", "kind": "Deployment", "namespace": "bookinfo", "name": "reviews"},
    {"group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "namespace": "",
     "name": "bookinfo-reader"}])"));
  auto missing = cli::resolveResources({*cli::parseResourceSelector("apps:Deployment:nope")}, app);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() ==
        "--resource apps:Deployment:nope is not a resource of application 'bookinfo'");
  json twice = app;
  twice["status"]["resources"].push_back(
      {{"group", ""}, {"kind", "Service"}, {"namespace", "other"}, {"name", "details"}});
  auto ambiguous = cli::resolveResources({*plain}, twice);
  REQUIRE_FALSE(ambiguous.ok());
  CHECK(ambiguous.status().message().find("several namespaces (bookinfo, other)") !=
        std::string::npos);
}

TEST_CASE("cli: rollback without ID goes to the previous successful sync", "[cli]") {
  const json items = fixture("history.json")["items"];
  CHECK(*cli::previousDeploymentId(items, "bookinfo") == 1);
  const auto none = cli::previousDeploymentId(json::array({items[0], items[1]}), "bookinfo");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == gitopsd::core::StatusCode::kNotFound);
}

TEST_CASE("cli: timestamps and durations of operations", "[cli]") {
  CHECK(cli::parseTimestamp("1970-01-01T00:00:00Z") == 0);
  CHECK(cli::parseTimestamp("2026-11-26T10:01:02Z").value() -
            cli::parseTimestamp("2026-11-26T09:59:50Z").value() ==
        72);
  CHECK(cli::parseTimestamp("2026-11-26T10:00:00.5+01:00") ==
        cli::parseTimestamp("2026-11-26T09:00:00Z"));
  CHECK_FALSE(cli::parseTimestamp(""));
  CHECK_FALSE(cli::parseTimestamp("2026-11-26 10:00:00"));
  CHECK(cli::durationText(0) == "0s");
  CHECK(cli::durationText(72) == "1m12s");
  CHECK(cli::durationText(7200) == "2h0m0s");
}

TEST_CASE("cli: API client server addresses, error messages and path escaping", "[cli]") {
  cli::ApiClientOptions options;
  const auto base = [&](std::string server) {
    options.server = std::move(server);
    auto url = cli::serverBaseUrl(options);
    return url.ok() ? *url : "error: " + url.status().message();
  };
  CHECK(base("127.0.0.1:8080") == "http://127.0.0.1:8080");
  CHECK(base(" localhost:9000 ") == "http://localhost:9000");
  CHECK(base("[::1]:8080") == "http://[::1]:8080");
  CHECK(base("https://gitopsd.example.com/api-prefix/") ==
        "https://gitopsd.example.com/api-prefix");
  CHECK(base("HTTP://h:1") == "http://h:1");
  CHECK(base("ftp://h:1").find("scheme must be http or https") != std::string::npos);
  CHECK(base("::1:8080").find("IPv6") != std::string::npos);
  CHECK(base("h:0").find("port must be 1-65535") != std::string::npos);
  CHECK(base("h:").find("port must be 1-65535") != std::string::npos);
  CHECK(base("user:pw@h:1").find("--token") != std::string::npos);
  CHECK(base("").find("empty") != std::string::npos);
  options.ca_file = "ca.pem";
  CHECK(base("127.0.0.1:8443") == "https://127.0.0.1:8443");
  CHECK(base("http://127.0.0.1:8080").find("--ca-file is for an https server") !=
        std::string::npos);
  options.ca_file.clear();
  options.insecure = true;
  CHECK(base("127.0.0.1:8443") == "https://127.0.0.1:8443");

  using gitopsd::core::StatusCode;
  const auto error = cli::apiErrorStatus(
      "GET", "/api/v1/applications/x", 404,
      R"({"error": {"code": "NotFound", "message": "application 'x' not found"}})", true);
  CHECK(error.code() == StatusCode::kNotFound);
  CHECK(error.message() == "application 'x' not found");
  const auto no_token = cli::apiErrorStatus("GET", "/api/v1/applications", 401,
                                            R"({"error":{"message":"no token"}})", false);
  CHECK(no_token.code() == StatusCode::kUnauthorized);
  CHECK(no_token.message().find("pass --token TOKEN or set $GITOPSD_TOKEN") != std::string::npos);
  const auto bad_token = cli::apiErrorStatus("GET", "/x", 401, "", true);
  CHECK(bad_token.message().find("the token was refused") != std::string::npos);
  const auto forbidden = cli::apiErrorStatus(
      "POST", "/api/v1/applications/x/sync", 403,
      R"({"error":{"code":"Forbidden","message":"token ci has role readonly"}})", true);
  CHECK(forbidden.code() == StatusCode::kForbidden);
  CHECK(forbidden.message() ==
        "token ci has role readonly; POST /api/v1/applications/x/sync needs a token with the "
        "admin role");
  const auto proxy = cli::apiErrorStatus("GET", "/x", 502, "<html>\nBad gateway</html>", false);
  CHECK(proxy.code() == StatusCode::kUnavailable);
  CHECK(proxy.message() == "HTTP 502 from gitopsd for GET /x: <html> Bad gateway</html>");
  // gitopsd's message naming the role already: not said twice.
  const std::string named =
      R"({"error":{"message":"'ci' has a read-only token; sync needs an admin token"}})";
  CHECK(cli::apiErrorStatus("POST", "/x", 403, named, true).message() ==
        "'ci' has a read-only token; sync needs an admin token");
  CHECK(cli::apiErrorStatus("POST", "/x", 409, "{}", true).code() == StatusCode::kConflict);
  CHECK(cli::apiErrorStatus("POST", "/x", 405, "{}", true).code() == StatusCode::kUnimplemented);
  CHECK(cli::apiErrorStatus("POST", "/x", 500, "{}", true).code() == StatusCode::kInternal);

  CHECK(cli::escapePathSegment("book-info_1.x~") == "book-info_1.x~");
  CHECK(cli::escapePathSegment("a/b c?") == "a%2Fb%20c%3F");
}

TEST_CASE("cli: connection flags may come before the command group", "[cli]") {
  using Args = std::vector<std::string>;
  const auto& global = cli::connectionFlags();
  CHECK(cli::hoistGlobalFlags({"--server", "h:1", "--insecure", "app", "list", "-o", "wide"},
                              global) ==
        Args{"app", "list", "--server", "h:1", "--insecure", "-o", "wide"});
  CHECK(cli::hoistGlobalFlags({"--token=t", "app", "get", "x"}, global) ==
        Args{"app", "get", "--token=t", "x"});
  CHECK(cli::hoistGlobalFlags({"app", "list", "--server", "h:1"}, global) ==
        Args{"app", "list", "--server", "h:1"});
  CHECK(cli::hoistGlobalFlags({"--version"}, global) == Args{"--version"});
  CHECK(cli::hoistGlobalFlags({"--server", "h:1"}, global) == Args{"--server", "h:1"});
}
