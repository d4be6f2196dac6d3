// What `gitopsctl app list/get/diff/sync/rollback/history/wait/manifests` print, made from the
// JSON of gitopsd's HTTP API (docs/api.md), and the decisions those commands take on it (what a
// wait still misses, where a requested operation is, which resources --resource means).
//
// Tables follow argocd's layout (upper-case headers, columns two spaces apart, no trailing
// spaces). In the default form a table fits kTableWidth columns: when the natural layout is
// wider, the columns that may shrink are shortened (long cells end in "...", or lose their
// middle for names and URLs), the least informative columns first; `-o wide` never shortens
// and adds columns. Cells are one line (newlines and tabs become spaces); widths count Unicode
// code points.
//
// Missing or ill-typed fields in the JSON read as empty: the functions never throw and never
// fail. Pure: no I/O, no clock, no shared state; safe from any thread.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace gitopsd::cli {

inline constexpr std::size_t kTableWidth = 80;

// -o: the default table, wide, json, yaml, name (a name per line).
enum class Output { kDefault, kWide, kJson, kYaml, kName };

// Parses the -o value (nullopt or "" is kDefault) against the forms a command accepts; kInvalid
// "unknown output format \"x\" (use wide, json or yaml)" otherwise.
core::Result<Output> parseOutput(const std::optional<std::string>& value,
                                 std::initializer_list<Output> accepted);

// --- tables -----------------------------------------------------------------------------------

enum class Cut {
  kEnd,     // "a-very-long-mess..."
  kMiddle,  // "https://git.exa...bookinfo.git": keeps both ends of names and URLs
};

// One step of a column's shrinking: in round `tier`, down to `min_width` (never below the
// header's width).
struct ShrinkStep {
  int tier = 0;
  std::size_t min_width = 0;
};

struct TableColumn {
  TableColumn(std::string header_text,  // NOLINT(google-explicit-constructor): {"STATUS"}
              std::vector<ShrinkStep> steps = {}, Cut cut_style = Cut::kEnd)
      : header(std::move(header_text)), shrink(std::move(steps)), cut(cut_style) {}

  std::string header;
  // Empty: never shortened. Otherwise the table shrinks in rounds, lower tiers first; in a
  // round, each column with a step of that tier may give down to that step's min_width, the
  // widest column giving a character first (the rightmost among equals). A column may take part in
  // several rounds (a message column keeps 24 characters while others give, then goes on
  // shrinking).
  std::vector<ShrinkStep> shrink;
  Cut cut = Cut::kEnd;
};
using TableRow = std::vector<std::string>;

// Code points in `text` (UTF-8: bytes that are not continuation bytes).
std::size_t textWidth(std::string_view text);

// `text` cut to at most `width` code points with "..." (no cut when it fits; width < 4 cuts
// without the dots).
std::string shorten(std::string_view text, std::size_t width, Cut cut);

// The table, each line ending in '\n'. max_width 0: no limit. Rows shorter than the header
// are padded with empty cells.
std::string renderTable(const std::vector<TableColumn>& columns, const std::vector<TableRow>& rows,
                        std::size_t max_width);
// The max_width of a command's tables: kTableWidth, none for kWide.
std::size_t tableWidth(Output output);

// --- output of the commands -------------------------------------------------------------------

// `value` as indented JSON ending with a newline, or as a YAML document (toBlockYaml).
std::string jsonText(const nlohmann::json& value);
std::string yamlText(const nlohmann::json& value);

// `app list`: `items` is the list answer's items. kDefault: NAME CLUSTER NAMESPACE STATUS HEALTH
// SYNCPOLICY CONDITIONS, where CLUSTER is the destination name, "in-cluster" for
// https://kubernetes.default.svc, or the server URL without its scheme; kWide: the destination
// as argocd shows it (server, else name) and REPO PATH TARGET; kName: the names; kJson/kYaml:
// the items (a JSON array, a YAML sequence).
std::string formatAppList(const nlohmann::json& items, Output output);

// argocd's SYNCPOLICY: "Manual", "Auto", "Auto-Prune".
std::string syncPolicySummary(const nlohmann::json& app);
// argocd's CONDITIONS: "<none>", or the types sorted, "Type(count)" when repeated, joined by ','.
std::string conditionsSummary(const nlohmann::json& app);
// argocd's "Sync Status:" value: "Synced to main (1a2b3c4)", "OutOfSync from main (1a2b3c4)",
// "Unknown"; no short commit when the target is itself a commit.
std::string syncStatusText(const nlohmann::json& app);

// `app get`: the header block (Name, Server, Namespace, Repo, Target, Path, Sync Policy, Sync
// Status, Health Status, Conditions, Operation, and Queued while an operation waits; kWide adds
// Source Type, the compared commit, Reconciled At and the operation's details), then a
// CONDITION MESSAGE table when there are conditions, then the resource table GROUP KIND
// NAMESPACE NAME STATUS HEALTH MESSAGE (MESSAGE: the resource's message, else "requires
// pruning", else the result of the last operation on it). kJson/kYaml: the object.
std::string formatAppGet(const nlohmann::json& app, Output output);

// The resource table of formatAppGet alone (also printed by `app wait`).
std::string formatResourceTable(const nlohmann::json& app, Output output);

// `app history`: `items` newest first as the API gives them. ID DATE REVISION PHASE
// INITIATED-BY, DATE the finish time (the start while running), REVISION the short commit;
// kWide: the full commit and PATH and MESSAGE. kJson/kYaml: the items.
std::string formatHistory(const nlohmann::json& items, Output output);

// `app diff`: for each item of the diff answer, argocd's header
// "===== GROUP/KIND NAMESPACE/NAME ======" and the item's diff text, blank-line separated;
// "" when there are none.
std::string formatDiff(const nlohmann::json& items);

// `app manifests`: kDefault/kYaml a YAML stream ("---" before each object); kJson a
// {"apiVersion": "v1", "kind": "List", "items": [...]} document, as kubectl prints lists.
std::string formatManifests(const nlohmann::json& manifests, Output output);

// The result of the operation in `app`'s status.operationState, as `app sync` and `app rollback`
// print it when it ends: Operation (`operation`, e.g. "Sync", with "(dry run)"), Sync Revision,
// Phase, Start, Finished, Duration, Message, Initiated By; then the table GROUP KIND NAMESPACE
// NAME STATUS MESSAGE of its resources (STATUS Synced, Pruned or SyncFailed; MESSAGE the
// result). "" when there is no operationState.
std::string formatOperationResult(const nlohmann::json& app, std::string_view operation,
                                  Output output);

// "2026-11-26T10:00:00Z" → seconds since the epoch; nullopt for anything else.
std::optional<long long> parseTimestamp(std::string_view text);
// Go's duration text for whole seconds: "0s", "45s", "1m5s", "2h0m0s".
std::string durationText(long long seconds);

// --- decisions of the commands ----------------------------------------------------------------

// Where the operation of a sync or rollback request is, seen in an application object.
enum class OperationProgress {
  kNotSeen,     // neither queued nor in operationState (yet)
  kQueued,      // status.pendingOperation.requestId is the request's
  kRunning,     // status.operationState.requestId is the request's, phase not final
  kFinished,    // ... phase Succeeded, Failed, Error or Terminated
  kSuperseded,  // a later request is queued or ran: this one was dropped or its result replaced
};
struct OperationView {
  OperationProgress progress = OperationProgress::kNotSeen;
  std::string phase;  // operationState.phase for kRunning/kFinished
  std::string message;
};
OperationView findOperation(const nlohmann::json& app, std::string_view request_id);
bool isFinalPhase(std::string_view phase);
// A requestId as text, whether the API wrote it as a string or a number; "" otherwise.
std::string requestIdText(const nlohmann::json& value);

// What `app wait` waits for (none set means all three, as argocd).
struct WaitConditions {
  bool sync = false;       // status.sync.status Synced
  bool health = false;     // status.health.status Healthy
  bool operation = false;  // no operation running or queued
};
// What keeps `app` from meeting `want`, one phrase each in the order sync, health, operation:
// "sync status is OutOfSync", "health is Progressing (message)", "operation 8 is Running",
// "sync 9 is queued". Empty when met.
std::vector<std::string> unmetConditions(const nlohmann::json& app, const WaitConditions& want);
// argocd's early end of a wait for health: an application resource whose health went from a
// known state other than Degraded (not Unknown) in `before` to Degraded in `after`, described
// as "Deployment bookinfo/reviews went from Progressing to Degraded: message"; nullopt when none.
std::optional<std::string> degradedTransition(const nlohmann::json& before,
                                              const nlohmann::json& after);

// A --resource value: GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME (GROUP empty for the core
// group, e.g. ":Service:details").
struct ResourceSelector {
  std::string group;
  std::string kind;
  std::string namespace_;  // "" with the first form
  bool has_namespace = false;
  std::string name;
};
core::Result<ResourceSelector> parseResourceSelector(std::string_view text);
// The API's sync "resources" for `selectors`, each matched against `app`'s status.resources: a
// selector without a namespace takes the namespace of the one resource of that group, kind and
// name. kInvalid naming the selector when it matches none, or several without a namespace.
core::Result<nlohmann::json> resolveResources(const std::vector<ResourceSelector>& selectors,
                                              const nlohmann::json& app);

// The rollback target when `app rollback NAME` is given no ID (as argocd): the second newest
// Succeeded entry of the history items (the newest is what runs now). kNotFound "application
// 'x' has fewer than two successful syncs in its history" otherwise.
core::Result<long long> previousDeploymentId(const nlohmann::json& items, std::string_view app);

}  // namespace gitopsd::cli
