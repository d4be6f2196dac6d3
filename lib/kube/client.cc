#include "kube/client.h"

#include <random>
#include <thread>

#include "kube/api_error.h"
#include "kube/credentials.h"
#include "kube/discovery.h"
#include "kube/http.h"
#include "kube/rate_limit.h"

namespace gitopsd::kube {
namespace {

using core::Result;
using core::Status;
using core::StatusCode;

std::string urlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

// Builds "?a=1&b=2" from the non-empty parameters.
class Query {
 public:
  Query& add(std::string_view name, std::string_view value) {
    if (!value.empty()) {
      text_.append(text_.empty() ? "?" : "&").append(name).append("=").append(urlEncode(value));
    }
    return *this;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string_view patchContentType(PatchType type) {
  switch (type) {
    case PatchType::kJsonMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kJsonPatch:
      return "application/json-patch+json";
  }
  return "application/merge-patch+json";
}

std::string objectNamespace(const Object& object) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return {};
  const auto ns = metadata->find("namespace");
  return ns != metadata->end() && ns->is_string() ? ns->get<std::string>() : std::string();
}

// Parses a response body; with drop_managed_fields, every "managedFields" member is skipped
// while parsing, so large lists never hold that bulk in memory at all.
Object parseBody(std::string_view body, bool drop_managed_fields) {
  if (!drop_managed_fields) return Object::parse(body, nullptr, /*allow_exceptions=*/false);
  const Object::parser_callback_t skip = [](int, Object::parse_event_t event, Object& parsed) {
    return !(event == Object::parse_event_t::key && parsed == "managedFields");
  };
  return Object::parse(body, skip, /*allow_exceptions=*/false);
}

class RestClient final : public KubeClient {
 public:
  RestClient(const ClusterConfig& config, const core::Clock& clock, core::Logger logger,
             RestClientOptions options, std::unique_ptr<CredentialProvider> credentials,
             std::unique_ptr<HttpTransport> transport)
      : config_(config),
        logger_(std::move(logger)),
        options_(std::move(options)),
        credentials_(std::move(credentials)),
        transport_(std::move(transport)),
        discovery_(*transport_, clock),
        bucket_(config.qps, config.burst, clock) {}

  Result<Object> get(const ObjectRef& ref) override {
    auto resource = resourceFor(ref.type);
    if (!resource.ok()) return resource.status();
    return call("get", "GET",
                resource->objectPath(namespaceFor(*resource, ref.namespace_), ref.name), "", "",
                Retry::kAlways, ref.toString());
  }

  Result<ObjectList> list(const GroupVersionKind& type, std::string_view namespace_,
                          const ListOptions& options) override {
    auto resource = resourceFor(type);
    if (!resource.ok()) return resource.status();
    const std::string collection = resource->collectionPath(namespace_);
    ObjectList out;
    std::string continue_token;
    bool restarted = false;
    do {
      Query query;
      query.add("labelSelector", options.label_selector)
          .add("fieldSelector", options.field_selector)
          .add("limit", options.page_size > 0 ? std::to_string(options.page_size) : "")
          .add("continue", continue_token);
      auto page = call("list", "GET", collection + query.text(), "", "", Retry::kAlways,
                       "list " + type.toString(), options.drop_managed_fields);
      if (!page.ok()) {
        // An expired continue token: start over once from a fresh snapshot.
        if (page.status().code() == StatusCode::kGone && !continue_token.empty() && !restarted) {
          restarted = true;
          continue_token.clear();
          out = ObjectList();
          continue;
        }
        return page.status();
      }
      auto items = page->find("items");
      if (items != page->end() && items->is_array()) {
        for (auto& item : *items) {
          // The server leaves apiVersion and kind out of list items of built-in types.
          item["apiVersion"] = type.apiVersion();
          item["kind"] = type.kind;
          out.items.push_back(std::move(item));
        }
      }
      const Object& metadata = (*page)["metadata"];
      continue_token = metadata.value("continue", "");
      out.resource_version = metadata.value("resourceVersion", "");
    } while (!continue_token.empty());
    return out;
  }

  Result<Object> create(const Object& object, const WriteOptions& options) override {
    auto target = targetOf(object);
    if (!target.ok()) return target.status();
    Query query;
    query.add("dryRun", options.dry_run ? "All" : "").add("fieldManager", options.field_manager);
    return call("create", "POST",
                target->resource.collectionPath(target->namespace_) + query.text(), object.dump(),
                "application/json", options.dry_run ? Retry::kAlways : Retry::kOnlyThrottled,
                target->ref.toString());
  }

  Result<Object> update(const Object& object, const WriteOptions& options) override {
    return replace(object, options, "");
  }

  Result<Object> updateStatus(const Object& object, const WriteOptions& options) override {
    return replace(object, options, "/status");
  }

  Result<Object> patch(const ObjectRef& ref, PatchType type, std::string_view body,
                       const WriteOptions& options, bool status_subresource) override {
    auto resource = resourceFor(ref.type);
    if (!resource.ok()) return resource.status();
    Query query;
    query.add("dryRun", options.dry_run ? "All" : "").add("fieldManager", options.field_manager);
    const std::string path =
        resource->objectPath(namespaceFor(*resource, ref.namespace_), ref.name) +
        (status_subresource ? "/status" : "") + query.text();
    return call("patch", "PATCH", path, std::string(body), patchContentType(type),
                options.dry_run ? Retry::kAlways : Retry::kOnlyThrottled, ref.toString());
  }

  Result<Object> apply(const Object& desired, const ApplyOptions& options) override {
    auto target = targetOf(desired);
    if (!target.ok()) return target.status();
    Query query;
    query
        .add("fieldManager",
             options.field_manager.empty() ? options_.default_field_manager : options.field_manager)
        .add("force", options.force ? "true" : "")
        .add("dryRun", options.dry_run ? "All" : "");
    const std::string path = target->resource.objectPath(target->namespace_, target->ref.name) +
                             (options.status_subresource ? "/status" : "") + query.text();
    // Apply is idempotent: the same patch twice yields the same object.
    return call("apply", "PATCH", path, desired.dump(), "application/apply-patch+yaml",
                Retry::kAlways, target->ref.toString());
  }

  Status remove(const ObjectRef& ref, const DeleteOptions& options) override {
    auto resource = resourceFor(ref.type);
    if (!resource.ok()) return resource.status();
    Object body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
    if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
    if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
    if (!options.precondition_resource_version.empty()) {
      body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
    }
    if (options.dry_run) body["dryRun"] = {"All"};
    auto result = call("delete", "DELETE",
                       resource->objectPath(namespaceFor(*resource, ref.namespace_), ref.name),
                       body.dump(), "application/json", Retry::kAlways, ref.toString());
    return result.status();
  }

  Status watch(const GroupVersionKind& type, std::string_view namespace_,
               const WatchOptions& options, const std::function<bool(WatchEvent&&)>& on_event,
               std::stop_token stop) override {
    auto resource = resourceFor(type);
    if (!resource.ok()) return resource.status();
    Query query;
    query.add("watch", "1")
        .add("resourceVersion", options.resource_version)
        .add("allowWatchBookmarks", options.allow_bookmarks ? "true" : "")
        .add("timeoutSeconds",
             options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : "")
        .add("labelSelector", options.label_selector)
        .add("fieldSelector", options.field_selector);
    HttpRequest request;
    request.verb = "watch";
    request.path = resource->collectionPath(namespace_) + query.text();
    // Safety net for a connection that dies silently: the server itself ends the stream
    // after timeoutSeconds.
    if (options.timeout_seconds > 0) {
      request.timeout = std::chrono::seconds(options.timeout_seconds + 30);
    }
    const std::string what = "watch " + type.toString();
    std::string buffer;
    Status stream_error;
    bool ended_by_caller = false;
    auto on_data = [&](std::string_view chunk) {
      buffer.append(chunk);
      size_t start = 0;
      for (size_t newline; (newline = buffer.find('\n', start)) != std::string::npos;
           start = newline + 1) {
        const std::string_view line(buffer.data() + start, newline - start);
        if (line.empty()) continue;
        Object event = parseBody(line, options.drop_managed_fields);
        if (!event.is_object()) {
          stream_error = core::unavailableError(what + ": malformed event in stream");
          return false;
        }
        const std::string event_type = event.value("type", "");
        Object& object = event["object"];
        if (event_type == "ERROR") {
          const long code = object.value("code", 500L);
          stream_error = decodeApiError(code, object.dump(), what);
          return false;
        }
        WatchEventType kind;
        if (event_type == "ADDED") {
          kind = WatchEventType::kAdded;
        } else if (event_type == "MODIFIED") {
          kind = WatchEventType::kModified;
        } else if (event_type == "DELETED") {
          kind = WatchEventType::kDeleted;
        } else if (event_type == "BOOKMARK") {
          kind = WatchEventType::kBookmark;
        } else {
          continue;
        }
        if (kind != WatchEventType::kBookmark) {
          object["apiVersion"] = type.apiVersion();
          object["kind"] = type.kind;
        }
        if (!on_event(WatchEvent{kind, std::move(object)})) {
          ended_by_caller = true;
          return false;
        }
      }
      buffer.erase(0, start);
      return true;
    };
    waitForToken();
    std::string error_body;
    auto status = transport_->stream(request, on_data, stop, &error_body);
    if (!status.ok()) return status.status();
    if (ended_by_caller) return {};
    if (!stream_error.ok()) return stream_error;
    if (*status < 200 || *status > 299) return decodeApiError(*status, error_body, what);
    if (stop.stop_requested()) return {StatusCode::kCancelled, what + ": cancelled"};
    return {};
  }

  Result<ApiResource> resourceFor(const GroupVersionKind& type) override {
    return discovery_.resourceFor(type);
  }

 private:
  enum class Retry { kAlways, kOnlyThrottled };

  struct Target {
    ObjectRef ref;
    ApiResource resource;
    std::string namespace_;
  };

  std::string namespaceFor(const ApiResource& resource, std::string_view namespace_) const {
    if (!resource.namespaced) return {};
    return namespace_.empty() ? config_.default_namespace : std::string(namespace_);
  }

  Result<Target> targetOf(const Object& object) {
    auto ref = ObjectRef::of(object);
    if (!ref.ok()) return ref.status();
    auto resource = resourceFor(ref->type);
    if (!resource.ok()) return resource.status();
    std::string ns = namespaceFor(*resource, objectNamespace(object));
    return Target{std::move(ref).value(), std::move(resource).value(), std::move(ns)};
  }

  Result<Object> replace(const Object& object, const WriteOptions& options, const char* sub) {
    auto target = targetOf(object);
    if (!target.ok()) return target.status();
    Query query;
    query.add("dryRun", options.dry_run ? "All" : "").add("fieldManager", options.field_manager);
    return call(
        "update", "PUT",
        target->resource.objectPath(target->namespace_, target->ref.name) + sub + query.text(),
        object.dump(), "application/json", options.dry_run ? Retry::kAlways : Retry::kOnlyThrottled,
        target->ref.toString());
  }

  void waitForToken() {
    const auto wait = bucket_.reserve();
    if (wait.count() > 0) std::this_thread::sleep_for(wait);
  }

  // Sends a request with pacing and retries; decodes the JSON answer or the error.
  // verb names the request in metrics (see HttpRequest::verb).
  Result<Object> call(std::string_view verb, const std::string& method, const std::string& path,
                      std::string body, std::string_view content_type, Retry retry,
                      const std::string& what, bool drop_managed_fields = false) {
    HttpRequest request;
    request.verb = verb;
    request.method = method;
    request.path = path;
    request.body = std::move(body);
    if (!content_type.empty())
      request.headers.emplace_back("Content-Type", std::string(content_type));
    thread_local std::mt19937 seed_source{std::random_device{}()};
    Backoff backoff(options_.retry_base, options_.retry_cap, seed_source());
    for (;;) {
      waitForToken();
      auto response = transport_->send(request);
      Status error;
      std::chrono::milliseconds wait{0};
      if (!response.ok()) {
        error = response.status().withContext(what);
      } else if (response->status >= 200 && response->status <= 299) {
        Object object = parseBody(response->body, drop_managed_fields);
        if (object.is_discarded()) {
          return core::internalError(what + ": " + method + " " + path + ": response is not JSON");
        }
        return object;
      } else {
        error =
            decodeApiError(response->status, response->body, method + " " + path).withContext(what);
        if (auto after = parseRetryAfter(response->retry_after); after && response->status == 429) {
          wait = *after;
        }
      }
      const bool may_retry = error.code() == StatusCode::kTooManyRequests ||
                             (retry == Retry::kAlways && isRetryable(error));
      if (!may_retry || backoff.attempts() >= options_.max_retries) return error;
      if (wait.count() == 0)
        wait = backoff.next();
      else
        backoff.next();
      logger_.debug("retrying request", {{"request", method + " " + path},
                                         {"error", error.toString()},
                                         {"wait_ms", static_cast<std::int64_t>(wait.count())}});
      std::this_thread::sleep_for(wait);
    }
  }

  ClusterConfig config_;
  core::Logger logger_;
  RestClientOptions options_;
  std::unique_ptr<CredentialProvider> credentials_;
  std::unique_ptr<HttpTransport> transport_;
  Discovery discovery_;
  TokenBucket bucket_;
};

}  // namespace

Result<std::unique_ptr<KubeClient>> makeRestClient(const ClusterConfig& config,
                                                   const core::Clock& clock, core::Logger logger,
                                                   RestClientOptions options) {
  auto credentials = makeCredentialProvider(config, clock);
  auto transport = HttpTransport::create(config, *credentials);
  if (!transport.ok()) return transport.status();
  return std::unique_ptr<KubeClient>(new RestClient(config, clock, std::move(logger),
                                                    std::move(options), std::move(credentials),
                                                    std::move(transport).value()));
}

}  // namespace gitopsd::kube
