#include "app/events.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <utility>

namespace gitopsd::app {

namespace {

constexpr std::size_t kMaxMessageBytes = 1024;
constexpr std::size_t kMaxReasonBytes = 128;
constexpr std::size_t kMaxInstanceBytes = 128;
constexpr std::size_t kMaxNamePrefix = 236;  // + ".<16 hex>" = 253
constexpr std::uint64_t kFailureLogEvery = 100;

const kube::GroupVersionKind kEventType{"", "v1", "Event"};

std::string hostName() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "unknown";
  return buffer;
}

std::string text(const kube::Object& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string describe(const InvolvedObject& involved) {
  std::string out = involved.kind + " ";
  if (!involved.namespace_.empty()) out += involved.namespace_ + "/";
  return out + involved.name;
}

bool alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::string_view eventTypeName(EventType type) {
  return type == EventType::kWarning ? "Warning" : "Normal";
}

InvolvedObject InvolvedObject::forApplication(std::string_view app,
                                              std::string_view destination_namespace) {
  return {"argoproj.io/v1alpha1", "Application",
          destination_namespace.empty() ? "default" : std::string(destination_namespace),
          std::string(app), ""};
}

InvolvedObject InvolvedObject::forObject(const kube::Object& object) {
  InvolvedObject involved{text(object, "apiVersion"), text(object, "kind"), "", "", ""};
  if (object.is_object()) {
    if (const auto metadata = object.find("metadata"); metadata != object.end()) {
      involved.namespace_ = text(*metadata, "namespace");
      involved.name = text(*metadata, "name");
      involved.uid = text(*metadata, "uid");
    }
  }
  return involved;
}

InvolvedObject InvolvedObject::forRef(const kube::ObjectRef& ref, std::string uid) {
  return {ref.type.apiVersion(), ref.type.kind, ref.namespace_, ref.name, std::move(uid)};
}

std::string eventAggregationKey(const InvolvedObject& involved, EventType type,
                                std::string_view reason, std::string_view message) {
  // Length-prefixed fields, so no separator inside a field can make two keys collide.
  std::string key;
  auto add = [&key](std::string_view field) {
    key += std::to_string(field.size());
    key += ':';
    key += field;
  };
  add(involved.api_version);
  add(involved.kind);
  add(involved.namespace_);
  add(involved.name);
  add(involved.uid);
  add(eventTypeName(type));
  add(reason);
  add(message);
  return key;
}

std::string truncateEventMessage(std::string_view message, std::size_t max_bytes) {
  if (message.size() <= max_bytes) return std::string(message);
  // Back over continuation bytes to the first byte of a character the cut would split.
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xC0) == 0x80) --end;
  return std::string(message.substr(0, end));
}

std::string eventObjectName(std::string_view involved_name, std::uint64_t suffix) {
  std::string name;
  name.reserve(involved_name.size());
  for (char c : involved_name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    name += alphanumeric(c) || c == '.' || c == '-' ? c : '-';
  }
  if (name.size() > kMaxNamePrefix) name.resize(kMaxNamePrefix);
  std::size_t first = 0;
  while (first < name.size() && !alphanumeric(name[first])) ++first;
  std::size_t last = name.size();
  while (last > first && !alphanumeric(name[last - 1])) --last;
  name = name.substr(first, last - first);
  if (name.empty()) name = "object";
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(suffix));
  return name + "." + hex;
}

std::string eventNamespace(const InvolvedObject& involved) {
  return involved.namespace_.empty() ? "default" : involved.namespace_;
}

std::string eventTimestamp(core::Clock::WallTime time) {
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(time));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string eventMicroTimestamp(core::Clock::WallTime time) {
  const auto whole = std::chrono::floor<std::chrono::seconds>(time);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time - whole).count();
  std::string out = eventTimestamp(time);
  char fraction[32];
  std::snprintf(fraction, sizeof fraction, ".%06lldZ", static_cast<long long>(micros));
  out.pop_back();  // the 'Z'
  return out + fraction;
}

kube::Object makeEvent(const InvolvedObject& involved, EventType type, std::string_view reason,
                       std::string_view message, std::string_view name, core::Clock::WallTime time,
                       const EventSource& source) {
  kube::Object reference = {
      {"apiVersion", involved.api_version}, {"kind", involved.kind}, {"name", involved.name}};
  if (!involved.namespace_.empty()) reference["namespace"] = involved.namespace_;
  if (!involved.uid.empty()) reference["uid"] = involved.uid;
  const std::string timestamp = eventTimestamp(time);
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", {{"name", name}, {"namespace", eventNamespace(involved)}}},
          {"involvedObject", std::move(reference)},
          {"type", eventTypeName(type)},
          {"reason", reason},
          {"message", message},
          {"action", reason},
          {"count", 1},
          {"firstTimestamp", timestamp},
          {"lastTimestamp", timestamp},
          {"eventTime", eventMicroTimestamp(time)},
          {"source", {{"component", source.component}, {"host", source.instance}}},
          {"reportingComponent", source.component},
          {"reportingInstance", source.instance}};
}

std::string eventAggregationPatch(std::int64_t count, core::Clock::WallTime time) {
  return kube::Object{{"count", count}, {"lastTimestamp", eventTimestamp(time)}}.dump();
}

// --- EventAggregationCache -------------------------------------------------------------------

EventAggregationCache::EventAggregationCache(std::size_t capacity, std::chrono::nanoseconds window)
    : capacity_(capacity == 0 ? 1 : capacity), window_(window) {}

EventAggregationCache::Entry* EventAggregationCache::find(const std::string& key,
                                                          core::Clock::SteadyTime now) {
  const auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (now - it->second->second.last_seen > window_) {
    items_.erase(it->second);
    index_.erase(it);
    return nullptr;
  }
  items_.splice(items_.begin(), items_, it->second);
  return &items_.front().second;
}

void EventAggregationCache::put(const std::string& key, Entry entry) {
  erase(key);
  items_.emplace_front(key, std::move(entry));
  index_[key] = items_.begin();
  while (index_.size() > capacity_) {
    index_.erase(items_.back().first);
    items_.pop_back();
  }
}

void EventAggregationCache::erase(const std::string& key) {
  const auto it = index_.find(key);
  if (it == index_.end()) return;
  items_.erase(it->second);
  index_.erase(it);
}

// --- EventRecorder ---------------------------------------------------------------------------

EventRecorder::EventRecorder(kube::KubeClient& client, const core::Clock& clock,
                             core::Logger logger, EventRecorderOptions options)
    : client_(client),
      clock_(clock),
      logger_(std::move(logger)),
      options_(std::move(options)),
      cache_(options_.cache_capacity, options_.aggregation_window),
      random_(std::random_device{}()) {
  if (options_.instance.empty()) options_.instance = hostName();
  if (options_.instance.size() > kMaxInstanceBytes) options_.instance.resize(kMaxInstanceBytes);
  if (options_.queue_capacity == 0) options_.queue_capacity = 1;
  worker_ = std::thread([this] { run(); });
}

EventRecorder::~EventRecorder() { stop(); }

void EventRecorder::record(const InvolvedObject& involved, EventType type, std::string_view reason,
                           std::string_view message) {
  if (reason.empty()) {
    logger_.warn("event without a reason ignored", {{"object", describe(involved)}});
    return;
  }
  Pending event{involved,
                type,
                std::string(reason.substr(0, kMaxReasonBytes)),
                truncateEventMessage(message, kMaxMessageBytes),
                clock_.wallNow(),
                clock_.now()};
  std::uint64_t burst_ended = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (queue_.size() >= options_.queue_capacity) {
      ++stats_.dropped;
      if (++dropped_in_burst_ == 1) {
        logger_.warn("event queue full; dropping events until it drains",
                     {{"capacity", options_.queue_capacity}, {"reason", event.reason}});
      }
      return;
    }
    burst_ended = std::exchange(dropped_in_burst_, 0);
    queue_.push_back(std::move(event));
    ++stats_.recorded;
  }
  wake_.notify_one();
  if (burst_ended > 0) {
    logger_.warn("event queue accepts events again", {{"dropped", burst_ended}});
  }
}

bool EventRecorder::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return queue_.empty() && !sending_; });
}

void EventRecorder::stop() {
  std::lock_guard stop_lock(stop_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      drain_deadline_ = clock_.now() + options_.drain_timeout;
    }
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

EventRecorderStats EventRecorder::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void EventRecorder::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, and everything was sent
    if (stopping_ && clock_.now() >= drain_deadline_) {
      const std::size_t left = queue_.size();
      stats_.dropped += left;
      queue_.clear();
      lock.unlock();
      logger_.warn("events not sent before shutdown", {{"dropped", left}});
      lock.lock();
      break;
    }
    Pending event = std::move(queue_.front());
    queue_.pop_front();
    sending_ = true;
    lock.unlock();
    send(event);
    lock.lock();
    sending_ = false;
    idle_.notify_all();
  }
  idle_.notify_all();
}

void EventRecorder::send(const Pending& event) {
  const std::string key =
      eventAggregationKey(event.involved, event.type, event.reason, event.message);
  if (EventAggregationCache::Entry* entry = cache_.find(key, event.steady)) {
    const std::int64_t count = entry->count + 1;
    auto patched =
        client_.patch({kEventType, entry->namespace_, entry->name}, kube::PatchType::kJsonMerge,
                      eventAggregationPatch(count, event.wall));
    if (patched.ok()) {
      entry->count = count;
      entry->last_seen = event.steady;
      noteSuccess(false);
      return;
    }
    if (patched.status().code() != core::StatusCode::kNotFound) {
      noteFailure(event, "aggregating event", patched.status());
      return;
    }
    cache_.erase(key);  // the Event is gone (deleted or expired): start a new one
  }

  const std::string name = eventObjectName(event.involved.name, random_());
  const std::string namespace_ = eventNamespace(event.involved);
  auto created =
      client_.create(makeEvent(event.involved, event.type, event.reason, event.message, name,
                               event.wall, {options_.component, options_.instance}));
  if (!created.ok()) {
    noteFailure(event, "creating event", created.status());
    return;
  }
  cache_.put(key, {namespace_, name, 1, event.steady});
  noteSuccess(true);
}

void EventRecorder::noteSuccess(bool created) {
  {
    std::lock_guard lock(mutex_);
    ++(created ? stats_.created : stats_.patched);
  }
  if (failure_streak_ > 0) {
    logger_.info("events recorded again", {{"failed_before", failure_streak_}});
    failure_streak_ = 0;
  }
}

void EventRecorder::noteFailure(const Pending& event, std::string_view what,
                                const core::Status& status) {
  {
    std::lock_guard lock(mutex_);
    ++stats_.failed;
  }
  const std::uint64_t streak = ++failure_streak_;
  const core::LogLevel level = streak == 1 || streak % kFailureLogEvery == 0
                                   ? core::LogLevel::kWarn
                                   : core::LogLevel::kDebug;
  logger_.log(level, "event not recorded",
              {{"action", what},
               {"object", describe(event.involved)},
               {"reason", event.reason},
               {"failures_in_a_row", streak},
               {"error", status.toString()}});
}

}  // namespace gitopsd::app
