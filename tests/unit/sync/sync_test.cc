#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "manifest/parse.h"
#include "sync/annotations.h"
#include "sync/plan.h"
#include "unit/sync/sync_builders.h"

namespace fs = std::filesystem;

using gitopsd::core::ResourceKey;
using gitopsd::core::StatusCode;
using namespace gitopsd::sync;           // NOLINT(google-build-using-namespace)
using namespace gitopsd::sync::testing;  // NOLINT(google-build-using-namespace)
using Strings = std::vector<std::string>;

namespace {

SyncPlan plan(const std::vector<ResourceState>& resources, const PlanOptions& options = {}) {
  auto result = planSync(resources, options);
  INFO(result.status().toString());
  REQUIRE(result.ok());
  return std::move(result).value();
}

std::string planError(const std::vector<ResourceState>& resources,
                      const PlanOptions& options = {}) {
  auto result = planSync(resources, options);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalid);
  return result.status().message();
}

PlanOptions pruning() {
  PlanOptions options;
  options.prune = true;
  return options;
}

}  // namespace

TEST_CASE("sync: kind order follows gitops-engine", "[sync]") {
  CHECK(kindOrder("Namespace") == 0);
  CHECK(kindOrder("NetworkPolicy") == 1);
  CHECK(kindOrder("CustomResourceDefinition") == 13);
  CHECK(kindOrder("IngressClass") < kindOrder("Ingress"));
  CHECK(kindOrder("APIService") == 34);
  CHECK(knownKindCount() == 35);
  CHECK(kindOrder("Rollout") == 35);
  CHECK(kindOrder("VirtualService") == 35);
  CHECK(kindOrder("namespace") == 35);  // kinds are case-sensitive
  const Strings helm_order = {"Namespace",
                              "ResourceQuota",
                              "ServiceAccount",
                              "Secret",
                              "ConfigMap",
                              "PersistentVolumeClaim",
                              "ClusterRole",
                              "Role",
                              "Service",
                              "Deployment",
                              "HorizontalPodAutoscaler",
                              "Job",
                              "Ingress"};
  for (std::size_t i = 1; i < helm_order.size(); ++i) {
    INFO(helm_order[i - 1] << " < " << helm_order[i]);
    CHECK(kindOrder(helm_order[i - 1]) < kindOrder(helm_order[i]));
  }
}

TEST_CASE("sync: syncWave reads the annotation, then the Helm hook weight", "[sync]") {
  CHECK(syncWave(makeDeployment("web")).value() == 0);
  CHECK(syncWave(makeDeployment("web").wave(2)).value() == 2);
  CHECK(syncWave(makeDeployment("web").waveText("-3")).value() == -3);
  CHECK(syncWave(makeDeployment("web").waveText("+4")).value() == 4);
  CHECK(syncWave(makeDeployment("web").annotate("helm.sh/hook-weight", "7")).value() == 7);
  CHECK(syncWave(makeDeployment("web").annotate("helm.sh/hook-weight", "7").wave(1)).value() == 1);
}

TEST_CASE("sync: an invalid wave is kInvalid naming the object", "[sync]") {
  for (const std::string text : {"two", "", " 1", "1.5", "+-1", "--1", "99999999999", "1e3"}) {
    INFO("wave text '" << text << "'");
    const auto wave = syncWave(makeDeployment("web").waveText(text));
    REQUIRE_FALSE(wave.ok());
    CHECK(wave.status().code() == StatusCode::kInvalid);
    CHECK_THAT(wave.status().message(), Catch::Contains("apps/Deployment:default/web") &&
                                            Catch::Contains("argocd.argoproj.io/sync-wave") &&
                                            Catch::Contains("\"" + text + "\""));
  }
  const auto number =
      syncWave(makeDeployment("web").set("/metadata/annotations/argocd.argoproj.io~1sync-wave", 3));
  REQUIRE_FALSE(number.ok());
  CHECK_THAT(number.status().message(), Catch::Contains("must be a string"));

  const std::string message =
      planError({desired(makeDeployment("web").waveText("soon")), desired(makeService("web")),
                 desired(makeConfigMap("cfg").waveText("x"))});
  CHECK_THAT(message, Catch::Contains("apps/Deployment:default/web") &&
                          Catch::Contains("\"soon\" is not an integer") &&
                          Catch::Contains("/ConfigMap:default/cfg"));
  CHECK_THAT(message, !Catch::Contains("/Service:default/web"));
}

TEST_CASE("sync: tasks are ordered by phase, wave, kind, then name", "[sync]") {
  const SyncPlan result = plan({
      desired(makeDeployment("zeta")),
      desired(makeDeployment("alpha")),
      desired(makeService("web")),
      desired(makeConfigMap("late").wave(3)),
      desired(makeObject("networking.istio.io/v1beta1", "VirtualService", "reviews").ns("default")),
      desired(
          makeObject("networking.istio.io/v1beta1", "DestinationRule", "reviews").ns("default")),
      desired(makeObject("v1", "Secret", "creds").ns("default")),
      desired(makeJob("post").hook("PostSync")),
      desired(makeJob("pre").hook("PreSync").wave(5)),
      desired(makeObject("networking.k8s.io/v1", "Ingress", "web").ns("default")),
      desired(makeObject("networking.k8s.io/v1", "IngressClass", "nginx"), false),
  });
  CHECK(describe(result.tasks) ==
        Strings{
            "PreSync/5 CreateHook batch/Job:default/pre",
            "Sync/0 Apply /Secret:default/creds",
            "Sync/0 Apply /Service:default/web",
            "Sync/0 Apply apps/Deployment:default/alpha",
            "Sync/0 Apply apps/Deployment:default/zeta",
            "Sync/0 Apply networking.k8s.io/IngressClass:/nginx",
            "Sync/0 Apply networking.k8s.io/Ingress:default/web",
            "Sync/0 Apply networking.istio.io/DestinationRule:default/reviews",
            "Sync/0 Apply networking.istio.io/VirtualService:default/reviews",
            "Sync/3 Apply /ConfigMap:default/late",
            "PostSync/0 CreateHook batch/Job:default/post",
        });
  CHECK(result.steps() ==
        std::vector<std::pair<Phase, int>>{
            {Phase::kPreSync, 5}, {Phase::kSync, 0}, {Phase::kSync, 3}, {Phase::kPostSync, 0}});
  const auto wave_three = result.tasksOf(Phase::kSync, 3);
  REQUIRE(wave_three.size() == 1);
  CHECK(wave_three[0]->key.name == "late");
  CHECK(result.tasksOf(Phase::kSync, 0).size() == 8);
  CHECK(result.tasksOf(Phase::kSync, 1).empty());
  CHECK(result.sync_fail.empty());
}

TEST_CASE("sync: negative waves run before wave 0", "[sync]") {
  const SyncPlan result = plan({
      desired(makeDeployment("app")),
      desired(makeConfigMap("first").wave(-5)),
      desired(makeService("second").wave(-1)),
      desired(makeJob("migrate").hook("PreSync").wave(-2)),
  });
  CHECK(describe(result.tasks) == Strings{
                                      "PreSync/-2 CreateHook batch/Job:default/migrate",
                                      "Sync/-5 Apply /ConfigMap:default/first",
                                      "Sync/-1 Apply /Service:default/second",
                                      "Sync/0 Apply apps/Deployment:default/app",
                                  });
  CHECK(result.steps().front() == std::pair<Phase, int>{Phase::kPreSync, -2});
}

TEST_CASE("sync: namespaces and CRDs come first within a wave", "[sync]") {
  const SyncPlan result = plan({
      desired(makeObject("argoproj.io/v1alpha1", "Rollout", "reviews").ns("shop")),
      desired(makeDeployment("web").ns("shop")),
      desired(makeCrd("argoproj.io", "Rollout", "rollouts"), false),
      desired(makeNamespace("shop"), false),
      desired(makeObject("rbac.authorization.k8s.io/v1", "ClusterRole", "reader"), false),
  });
  CHECK(describe(result.tasks) ==
        Strings{
            "Sync/0 Apply /Namespace:/shop",
            "Sync/0 Apply apiextensions.k8s.io/CustomResourceDefinition:/rollouts.argoproj.io",
            "Sync/0 Apply rbac.authorization.k8s.io/ClusterRole:/reader",
            "Sync/0 Apply apps/Deployment:shop/web",
            "Sync/0 Apply argoproj.io/Rollout:shop/reviews",
        });
}

TEST_CASE("sync: a namespace or CRD in a later wave moves before its first user", "[sync]") {
  // gitops-engine's adjustDeps: the dependency takes the phase and wave of the first task that
  // needs it.
  const SyncPlan result = plan({
      desired(makeNamespace("shop").wave(5), false),
      desired(makeDeployment("web").ns("shop").wave(2)),
      desired(makeJob("migrate").ns("shop").hook("PreSync")),
      desired(makeCrd("argoproj.io", "Rollout", "rollouts").wave(3), false),
      desired(makeObject("argoproj.io/v1alpha1", "Rollout", "reviews").ns("other").wave(-1)),
      desired(makeConfigMap("unrelated").ns("other").wave(-1)),
  });
  CHECK(describe(result.tasks) ==
        Strings{
            "PreSync/0 Apply /Namespace:/shop",
            "PreSync/0 CreateHook batch/Job:shop/migrate",
            "Sync/-1 Apply /ConfigMap:other/unrelated",
            "Sync/-1 Apply apiextensions.k8s.io/CustomResourceDefinition:/rollouts.argoproj.io",
            "Sync/-1 Apply argoproj.io/Rollout:other/reviews",
            "Sync/2 Apply apps/Deployment:shop/web",
        });
}

TEST_CASE("sync: hooks run in their phases and SyncFail hooks in a list of their own", "[sync]") {
  const SyncPlan result = plan({
      desired(makeDeployment("web")),
      desired(makeJob("before").hook("PreSync")),
      desired(makeJob("during").hook("Sync")),
      desired(makeJob("after").hook("PostSync")),
      desired(makeObject("v1", "Pod", "on-failure").ns("default").hook("SyncFail")),
      desired(makeJob("twice").hook("PostSync, PreSync")),
      desired(makeConfigMap("never").hook("Skip")),
  });
  CHECK(describe(result.tasks) == Strings{
                                      "PreSync/0 CreateHook batch/Job:default/before",
                                      "PreSync/0 CreateHook batch/Job:default/twice",
                                      "Sync/0 Apply apps/Deployment:default/web",
                                      "Sync/0 CreateHook batch/Job:default/during",
                                      "PostSync/0 CreateHook batch/Job:default/after",
                                      "PostSync/0 CreateHook batch/Job:default/twice",
                                  });
  CHECK(describe(result.sync_fail) == Strings{"SyncFail/0 CreateHook /Pod:default/on-failure"});
  CHECK(result.tasksOf(Phase::kSyncFail, 0).size() == 1);
  CHECK(result.skipped == std::vector<SkippedResource>{
                              {makeConfigMap("never").key(), "skipped: hook annotation Skip"}});
  for (const auto& task : result.tasks) {
    CHECK(task.isHook() == (task.action == Action::kCreateHook));
    CHECK(task.object["metadata"].contains("annotations") == task.isHook());
  }
}

TEST_CASE("sync: Helm hooks map onto Argo CD phases", "[sync]") {
  const SyncPlan result = plan({
      desired(makeJob("pre").annotate("helm.sh/hook", "pre-install,pre-upgrade")),
      desired(makeJob("post")
                  .annotate("helm.sh/hook", "post-upgrade")
                  .annotate("helm.sh/hook-weight", "-3")
                  .annotate("helm.sh/hook-delete-policy", "hook-succeeded")),
      desired(makeJob("argo-wins").annotate("helm.sh/hook", "pre-install").hook("PostSync")),
      desired(makeCrd("example.com", "Widget", "widgets").annotate("helm.sh/hook", "crd-install"),
              false),
      desired(makeJob("cleanup").annotate("helm.sh/hook", "pre-delete")),
      desired(makeJob("gone").hook("PostDelete")),
  });
  CHECK(describe(result.tasks) ==
        Strings{
            "PreSync/0 CreateHook batch/Job:default/pre",
            "Sync/0 Apply apiextensions.k8s.io/CustomResourceDefinition:/widgets.example.com",
            "PostSync/-3 CreateHook batch/Job:default/post",
            "PostSync/0 CreateHook batch/Job:default/argo-wins",
        });
  const auto post = result.tasksOf(Phase::kPostSync, -3);
  REQUIRE(post.size() == 1);
  CHECK(post[0]->delete_policies ==
        std::vector<HookDeletePolicy>{HookDeletePolicy::kHookSucceeded});
  REQUIRE(result.skipped.size() == 2);
  CHECK(result.skipped[0].key.name == "cleanup");
  CHECK_THAT(result.skipped[0].reason, Catch::Contains("pre-delete"));
  CHECK(result.skipped[1].key.name == "gone");
  CHECK_THAT(result.skipped[1].reason, Catch::Contains("PostDelete"));
}

TEST_CASE("sync: hook delete policies are carried, BeforeHookCreation by default", "[sync]") {
  const SyncPlan result = plan({
      desired(makeJob("default-policy").hook("PreSync")),
      desired(makeJob("both").hook("PreSync").deletePolicy("HookFailed, HookSucceeded")),
      desired(makeJob("never").hook("PreSync").deletePolicy("Never")),
  });
  REQUIRE(result.tasks.size() == 3);
  CHECK(result.tasks[0].key.name == "both");
  CHECK(result.tasks[0].delete_policies ==
        std::vector<HookDeletePolicy>{HookDeletePolicy::kHookSucceeded,
                                      HookDeletePolicy::kHookFailed});
  CHECK_FALSE(result.tasks[0].hasDeletePolicy(HookDeletePolicy::kBeforeHookCreation));
  CHECK(result.tasks[1].key.name == "default-policy");
  CHECK(result.tasks[1].delete_policies ==
        std::vector<HookDeletePolicy>{HookDeletePolicy::kBeforeHookCreation});
  CHECK(result.tasks[2].delete_policies == std::vector<HookDeletePolicy>{HookDeletePolicy::kNever});
  CHECK(hookDeletePolicyName(HookDeletePolicy::kHookSucceeded) == "HookSucceeded");

  const std::string message =
      planError({desired(makeJob("typo").hook("PreSync").deletePolicy("HookSucceed"))});
  CHECK_THAT(message, Catch::Contains("batch/Job:default/typo") &&
                          Catch::Contains("unknown policy \"HookSucceed\""));
}

TEST_CASE("sync: a live hook with BeforeHookCreation is deleted before it is created again",
          "[sync]") {
  auto old_run = makeJob("migrate").hook("PreSync");
  old_run.set("/status/succeeded", 1);
  ResourceState state = desired(makeJob("migrate").hook("PreSync"));
  state.live = std::make_shared<const gitopsd::kube::Object>(old_run.object());

  ResourceState kept = desired(makeJob("keep").hook("PreSync").deletePolicy("HookSucceeded"));
  kept.live = std::make_shared<const gitopsd::kube::Object>(makeJob("keep").object());

  const SyncPlan result = plan({state, kept, desired(makeDeployment("web"))});
  CHECK(describe(result.tasks) == Strings{
                                      "PreSync/0 DeleteHookBefore batch/Job:default/migrate",
                                      "PreSync/0 CreateHook batch/Job:default/keep",
                                      "PreSync/0 CreateHook batch/Job:default/migrate",
                                      "Sync/0 Apply apps/Deployment:default/web",
                                  });
  CHECK(result.tasks[0].object["status"]["succeeded"] == 1);  // the live object is deleted
  CHECK(result.tasks[0].isHook());
  CHECK_FALSE(result.tasks[2].object.contains("status"));  // the desired one is created
}

TEST_CASE("sync: generateName hooks get a deterministic name per phase", "[sync]") {
  PlanOptions options;
  options.revision = "A1B2C3D4E5F6";
  options.operation_started =
      std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  std::vector<ResourceState> resources = {
      desired(makeJob("x").generateName("schema-migrate-").hook("PreSync,PostSync")),
  };
  // A previous run's object is never deleted as if it had the new name.
  resources[0].live = std::make_shared<const gitopsd::kube::Object>(
      makeJob("schema-migrate-abc-presync-1").hook("PreSync").object());
  const SyncPlan first = plan(resources, options);
  CHECK(describe(first.tasks) ==
        Strings{
            "PreSync/0 CreateHook batch/Job:default/schema-migrate-a1b2c3d-presync-1700000000",
            "PostSync/0 CreateHook batch/Job:default/schema-migrate-a1b2c3d-postsync-1700000000",
        });
  REQUIRE(first.tasks.size() == 2);
  CHECK(first.tasks[0].object["metadata"]["name"] == "schema-migrate-a1b2c3d-presync-1700000000");
  CHECK(describe(plan(resources, options).tasks) == describe(first.tasks));  // same operation

  options.revision = "abc";
  options.operation_started += std::chrono::seconds(60);
  CHECK(plan(resources, options).tasks[0].key.name == "schema-migrate-abc-presync-1700000060");

  const std::string message = planError({desired(makeJob("x").generateName("").hook("Sync"))});
  CHECK_THAT(message, Catch::Contains("neither metadata.name nor metadata.generateName"));
}

TEST_CASE("sync: unknown hook types are kInvalid naming the object", "[sync]") {
  const std::string message = planError({desired(makeJob("migrate").hook("Presync"))});
  CHECK_THAT(message, Catch::Contains("batch/Job:default/migrate") &&
                          Catch::Contains("unknown hook type \"Presync\""));
}

TEST_CASE("sync: Prune=false and Delete=false keep live objects, with the reason", "[sync]") {
  const SyncPlan result = plan(
      {
          desired(makeDeployment("web")),
          liveOnly(makeConfigMap("keep").syncOptions("Replace=true, Prune=false")),
          liveOnly(makeConfigMap("retain").syncOptions("Delete=false")),
          liveOnly(makeConfigMap("confirm").syncOptions("Prune=confirm")),
          liveOnly(makeConfigMap("old")),
      },
      pruning());
  CHECK(describe(result.tasks) == Strings{
                                      "Sync/0 Prune /ConfigMap:default/confirm",
                                      "Sync/0 Prune /ConfigMap:default/old",
                                      "Sync/0 Apply apps/Deployment:default/web",
                                  });
  CHECK(result.tasks[0].requires_confirmation);
  CHECK_FALSE(result.tasks[1].requires_confirmation);
  CHECK(result.skipped_prune ==
        std::vector<SkippedResource>{
            {makeConfigMap("keep").key(), "ignored (no prune): sync option Prune=false"},
            {makeConfigMap("retain").key(), "ignored (no delete): sync option Delete=false"},
        });
  CHECK(result.prune_pending.empty());
}

TEST_CASE("sync: without prune, extra live objects are only reported", "[sync]") {
  const SyncPlan result = plan({desired(makeDeployment("web")), liveOnly(makeConfigMap("old")),
                                liveOnly(makeConfigMap("keep").syncOptions("Prune=false"))});
  CHECK(describe(result.tasks) == Strings{"Sync/0 Apply apps/Deployment:default/web"});
  CHECK(result.prune_pending ==
        std::vector<SkippedResource>{{makeConfigMap("old").key(), "ignored (requires pruning)"},
                                     {makeConfigMap("keep").key(), "ignored (requires pruning)"}});
  CHECK(result.skipped_prune.empty());
}

TEST_CASE("sync: prune waves are reversed and prunes lead their step", "[sync]") {
  const SyncPlan result = plan(
      {
          desired(makeDeployment("web")),
          desired(makeService("web").wave(1)),
          liveOnly(makeConfigMap("w0")),
          liveOnly(makeNamespace("w0-ns"), false),
          liveOnly(makeDeployment("w1").wave(1)),
          liveOnly(makeService("w5").wave(5)),
      },
      pruning());
  // Prune waves {0, 1, 5} become {5, 1, 0}: what was created last is deleted first.
  CHECK(describe(result.tasks) == Strings{
                                      "Sync/0 Prune /Service:default/w5",
                                      "Sync/0 Apply apps/Deployment:default/web",
                                      "Sync/1 Prune apps/Deployment:default/w1",
                                      "Sync/1 Apply /Service:default/web",
                                      "Sync/5 Prune /ConfigMap:default/w0",
                                      "Sync/5 Prune /Namespace:/w0-ns",
                                  });
}

TEST_CASE("sync: PruneLast moves prunes after the last wave", "[sync]") {
  const std::vector<ResourceState> resources = {
      desired(makeDeployment("web").wave(2)),
      desired(makeJob("after").hook("PostSync").wave(9)),
      liveOnly(makeConfigMap("old")),
      liveOnly(makeConfigMap("last").syncOptions("PruneLast=true")),
  };
  SECTION("per object") {
    const SyncPlan result = plan(resources, pruning());
    CHECK(describe(result.tasks) == Strings{
                                        "Sync/0 Prune /ConfigMap:default/old",
                                        "Sync/2 Apply apps/Deployment:default/web",
                                        "Sync/3 Prune /ConfigMap:default/last",
                                        "PostSync/9 CreateHook batch/Job:default/after",
                                    });
  }
  SECTION("for the application") {
    PlanOptions options = pruning();
    options.prune_last = true;
    const SyncPlan result = plan(resources, options);
    CHECK(describe(result.tasks) == Strings{
                                        "Sync/2 Apply apps/Deployment:default/web",
                                        "Sync/3 Prune /ConfigMap:default/last",
                                        "Sync/3 Prune /ConfigMap:default/old",
                                        "PostSync/9 CreateHook batch/Job:default/after",
                                    });
  }
  SECTION("with only negative waves the final wave is 1") {
    PlanOptions options = pruning();
    options.prune_last = true;
    const SyncPlan result =
        plan({desired(makeDeployment("web").wave(-4)), liveOnly(makeConfigMap("old").wave(-9))},
             options);
    CHECK(describe(result.tasks) == Strings{
                                        "Sync/-4 Apply apps/Deployment:default/web",
                                        "Sync/1 Prune /ConfigMap:default/old",
                                    });
  }
}

TEST_CASE("sync: live hooks without a desired object are never pruned", "[sync]") {
  const SyncPlan result =
      plan({desired(makeDeployment("web")), liveOnly(makeJob("old-migrate").hook("PreSync")),
            liveOnly(makeJob("helm-test").annotate("helm.sh/hook", "test")),
            liveOnly(makeConfigMap("skipped").hook("Skip"))},
           pruning());
  CHECK(describe(result.tasks) == Strings{
                                      "Sync/0 Prune /ConfigMap:default/skipped",
                                      "Sync/0 Apply apps/Deployment:default/web",
                                  });
}

TEST_CASE("sync: allowEmpty guards against pruning everything", "[sync]") {
  const std::vector<ResourceState> nothing_desired = {liveOnly(makeDeployment("web")),
                                                      liveOnly(makeService("web"))};
  const std::string message = planError(nothing_desired, pruning());
  CHECK(message ==
        "refusing to prune every resource of the application: the rendered manifests are empty "
        "(set syncPolicy.automated.allowEmpty to allow it)");

  PlanOptions allowed = pruning();
  allowed.allow_empty = true;
  CHECK(describe(plan(nothing_desired, allowed).tasks) ==
        Strings{"Sync/0 Prune apps/Deployment:default/web", "Sync/0 Prune /Service:default/web"});

  // Without prune nothing is deleted, and when nothing would be pruned there is nothing to guard.
  CHECK(plan(nothing_desired).prune_pending.size() == 2);
  CHECK(plan({liveOnly(makeConfigMap("kept").syncOptions("Prune=false"))}, pruning())
            .skipped_prune.size() == 1);
  CHECK(plan({}, pruning()).tasks.empty());
}

TEST_CASE("sync: ApplyOutOfSyncOnly skips resources already in sync", "[sync]") {
  PlanOptions options = pruning();
  options.apply_out_of_sync_only = true;
  const SyncPlan result = plan(
      {
          both(makeDeployment("same"), false),
          both(makeDeployment("changed"), true),
          desired(makeDeployment("new")),
          both(makeJob("migrate").hook("PreSync"), false),
          liveOnly(makeConfigMap("old")),
      },
      options);
  CHECK(describe(result.tasks) == Strings{
                                      "PreSync/0 DeleteHookBefore batch/Job:default/migrate",
                                      "PreSync/0 CreateHook batch/Job:default/migrate",
                                      "Sync/0 Prune /ConfigMap:default/old",
                                      "Sync/0 Apply apps/Deployment:default/changed",
                                      "Sync/0 Apply apps/Deployment:default/new",
                                  });
  CHECK(result.skipped ==
        std::vector<SkippedResource>{
            {makeDeployment("same").key(), "skipped: in sync (ApplyOutOfSyncOnly=true)"}});

  // Without the option every resource is applied.
  CHECK(plan({both(makeDeployment("same"), false)}).tasks.size() == 1);
}

TEST_CASE("sync: a resources subset syncs only those keys and runs no hooks", "[sync]") {
  PlanOptions options = pruning();
  options.only = {makeDeployment("web").key(), makeConfigMap("old").key()};
  const SyncPlan result = plan(
      {
          desired(makeDeployment("web")),
          desired(makeDeployment("other").waveText("bad wave, but not synced")),
          desired(makeJob("migrate").hook("PreSync")),
          liveOnly(makeConfigMap("old")),
          liveOnly(makeConfigMap("unlisted")),
      },
      options);
  CHECK(describe(result.tasks) == Strings{
                                      "Sync/0 Prune /ConfigMap:default/old",
                                      "Sync/0 Apply apps/Deployment:default/web",
                                  });
  REQUIRE(result.skipped.size() == 1);
  CHECK(result.skipped[0].key.name == "migrate");
  CHECK_THAT(result.skipped[0].reason, Catch::Contains("subset"));

  PlanOptions apply_strategy;
  apply_strategy.skip_hooks = true;
  const SyncPlan no_hooks =
      plan({desired(makeDeployment("web")), desired(makeJob("migrate").hook("PreSync"))},
           apply_strategy);
  CHECK(describe(no_hooks.tasks) == Strings{"Sync/0 Apply apps/Deployment:default/web"});
  REQUIRE(no_hooks.skipped.size() == 1);
  CHECK_THAT(no_hooks.skipped[0].reason, Catch::Contains("apply strategy"));
}

TEST_CASE("sync: CreateNamespace adds the destination namespace first", "[sync]") {
  PlanOptions options;
  options.create_namespace = true;
  options.destination_namespace = "bookinfo";
  const SyncPlan result = plan(
      {
          desired(makeDeployment("web").ns("bookinfo")),
          desired(makeJob("migrate").ns("bookinfo").hook("PreSync").wave(-3)),
          desired(makeNamespace("aaa").hook("PreSync").wave(-3), false),
      },
      options);
  CHECK(describe(result.tasks) == Strings{
                                      "PreSync/-3 Apply /Namespace:/bookinfo",
                                      "PreSync/-3 CreateHook /Namespace:/aaa",
                                      "PreSync/-3 CreateHook batch/Job:bookinfo/migrate",
                                      "Sync/0 Apply apps/Deployment:bookinfo/web",
                                  });
  REQUIRE_FALSE(result.tasks.empty());
  CHECK(result.tasks[0].create_namespace);
  CHECK(result.tasks[0].object == gitopsd::kube::Object{{"apiVersion", "v1"},
                                                        {"kind", "Namespace"},
                                                        {"metadata", {{"name", "bookinfo"}}}});

  SECTION("not when the application declares it") {
    const SyncPlan declared = plan({desired(makeNamespace("bookinfo").wave(2), false),
                                    desired(makeConfigMap("cfg").ns("other"))},
                                   options);
    CHECK(describe(declared.tasks) ==
          Strings{"Sync/0 Apply /ConfigMap:other/cfg", "Sync/2 Apply /Namespace:/bookinfo"});
  }
  SECTION("and never prunes it") {
    options.prune = true;
    const SyncPlan kept = plan(
        {desired(makeConfigMap("cfg").ns("bookinfo")), liveOnly(makeNamespace("bookinfo"), false)},
        options);
    CHECK(describe(kept.tasks) ==
          Strings{"PreSync/0 Apply /Namespace:/bookinfo", "Sync/0 Apply /ConfigMap:bookinfo/cfg"});
    CHECK(kept.tasks[0].live != nullptr);
    REQUIRE(kept.skipped_prune.size() == 1);
    CHECK_THAT(kept.skipped_prune[0].reason, Catch::Contains("CreateNamespace"));
  }
  SECTION("and is kept in a resources subset") {
    options.only = {makeDeployment("web").ns("bookinfo").key()};
    const SyncPlan subset = plan({desired(makeDeployment("web").ns("bookinfo"))}, options);
    CHECK(describe(subset.tasks) == Strings{"PreSync/0 Apply /Namespace:/bookinfo",
                                            "Sync/0 Apply apps/Deployment:bookinfo/web"});
  }
}

TEST_CASE("sync: namespaced objects without a namespace get the destination's", "[sync]") {
  PlanOptions options;
  options.destination_namespace = "bookinfo";
  auto no_namespace = makeObject("v1", "ConfigMap", "cfg");
  auto cluster_role = makeObject("rbac.authorization.k8s.io/v1", "ClusterRole", "reader");
  const SyncPlan result =
      plan({desired(no_namespace), desired(cluster_role, false), desired(makeConfigMap("own"))},
           options);
  REQUIRE(result.tasks.size() == 3);
  CHECK(result.tasks[0].key == no_namespace.key());  // the key is left as given
  CHECK(result.tasks[0].object["metadata"]["namespace"] == "bookinfo");
  CHECK(result.tasks[1].object["metadata"]["namespace"] == "default");
  CHECK_FALSE(result.tasks[2].object["metadata"].contains("namespace"));
}

TEST_CASE("sync: dry run plans the same tasks", "[sync]") {
  PlanOptions options = pruning();
  options.dry_run = true;
  const std::vector<ResourceState> resources = {desired(makeDeployment("web")),
                                                liveOnly(makeConfigMap("old"))};
  const SyncPlan dry = plan(resources, options);
  CHECK(dry.dry_run);
  CHECK(describe(dry.tasks) == describe(plan(resources, pruning()).tasks));
  CHECK_FALSE(plan(resources, pruning()).dry_run);
}

TEST_CASE("sync: the Bookinfo fixture is planned in Argo CD's order", "[sync]") {
  const fs::path file = fs::path(GITOPSD_TESTDATA_DIR) / "sync" / "bookinfo-app.yaml";
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  const auto parsed = gitopsd::manifest::parseManifestFile("bookinfo-app.yaml", text.str());
  INFO(parsed.status().toString());
  REQUIRE(parsed.ok());
  std::vector<ResourceState> resources;
  for (const auto& manifest : parsed->manifests) {
    const auto& object = manifest.object;
    const std::string api_version = object["apiVersion"].get<std::string>();
    const auto slash = api_version.find('/');
    ResourceState state;
    state.key.group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    state.key.kind = object["kind"].get<std::string>();
    state.key.namespace_ = object["metadata"].value("namespace", "");
    state.key.name = object["metadata"]["name"].get<std::string>();
    state.namespaced =
        state.key.kind != "Namespace" && state.key.kind != "CustomResourceDefinition";
    state.desired = object;
    state.out_of_sync = true;
    resources.push_back(std::move(state));
  }
  REQUIRE(resources.size() == 11);

  const SyncPlan result = plan(resources);
  CHECK(describe(result.tasks) ==
        Strings{
            "PreSync/0 Apply /Namespace:/bookinfo",
            "PreSync/0 CreateHook batch/Job:bookinfo/db-migrate",
            "Sync/-1 Apply apiextensions.k8s.io/CustomResourceDefinition:/rollouts.argoproj.io",
            "Sync/-1 Apply argoproj.io/Rollout:bookinfo/reviews",
            "Sync/0 Apply /ServiceAccount:bookinfo/reviews",
            "Sync/0 Apply /ConfigMap:bookinfo/reviews-config",
            "Sync/0 Apply /Service:bookinfo/reviews",
            "Sync/1 Apply apps/Deployment:bookinfo/productpage",
            "Sync/1 Apply apps/Deployment:bookinfo/reviews-v1",
            "PostSync/0 CreateHook batch/Job:bookinfo/smoke-test",
        });
  CHECK(describe(result.sync_fail) ==
        Strings{"SyncFail/0 CreateHook /Pod:bookinfo/notify-failure"});
  CHECK(result.steps() == std::vector<std::pair<Phase, int>>{{Phase::kPreSync, 0},
                                                             {Phase::kSync, -1},
                                                             {Phase::kSync, 0},
                                                             {Phase::kSync, 1},
                                                             {Phase::kPostSync, 0}});
  const auto smoke = result.tasksOf(Phase::kPostSync, 0);
  REQUIRE(smoke.size() == 1);
  CHECK(smoke[0]->hasDeletePolicy(HookDeletePolicy::kHookSucceeded));
}

TEST_CASE("sync: names of phases, actions and objects", "[sync]") {
  CHECK(phaseName(Phase::kPreSync) == "PreSync");
  CHECK(phaseName(Phase::kSyncFail) == "SyncFail");
  CHECK(actionName(Action::kDeleteHookBefore) == "DeleteHookBefore");
  CHECK(describeObject(makeDeployment("web")) == "apps/Deployment:default/web");
  CHECK(describeObject(makeJob("x").generateName("migrate-")) == "batch/Job:default/migrate-*");
  CHECK(hasSyncOption(makeConfigMap("c").syncOptions(" Prune=false ,Replace=true"), "Prune=false"));
  CHECK_FALSE(hasSyncOption(makeConfigMap("c").syncOptions("Prune=falsey"), "Prune=false"));
  CHECK(
      annotationList(makeConfigMap("c").hook("PreSync,,PreSync, Sync"), kHookAnnotation).value() ==
      Strings{"PreSync", "Sync"});
}
