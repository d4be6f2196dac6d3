#include "analysis/providers/skywalking.h"

#include <cstdio>
#include <regex>

#include "analysis/providers/fields.h"

namespace gitopsd::analysis {
namespace {

using namespace std::chrono_literals;
using std::chrono::minutes;
using std::chrono::system_clock;

constexpr std::string_view kType = "skywalking";
constexpr std::chrono::milliseconds kQueryTimeout = 30s;
constexpr std::chrono::milliseconds kTimeInfoTimeout = 10s;

// A minute of local time held as a sys_time (the offset already applied).
std::string formatLocalMinute(std::chrono::sys_time<minutes> local) {
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd(day);
  const auto in_day = local - day;
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(in_day.count() / 60), static_cast<int>(in_day.count() % 60));
  return text;
}

struct Scan {
  bool metrics = false;   // the answer holds metric values
  bool has_data = false;  // at least one of them has data
  std::string mqe_error;
};

void scan(const nlohmann::json& node, bool in_values_list, Scan& out) {
  if (node.is_object()) {
    const auto empty = node.find("isEmptyValue");
    if (empty != node.end() && empty->is_boolean()) {
      out.metrics = true;
      if (!empty->get<bool>()) out.has_data = true;
    } else if (in_values_list && node.contains("value")) {
      out.metrics = true;
      if (!node["value"].is_null()) out.has_data = true;
    }
    const auto error = node.find("error");
    if (error != node.end() && error->is_string() &&
        !error->get_ref<const std::string&>().empty() &&
        (node.contains("results") || node.contains("type")) && out.mqe_error.empty()) {
      out.mqe_error = error->get<std::string>();
    }
    for (const auto& [key, value] : node.items()) {
      if (value.is_array() && (key == "values" || key == "results")) {
        out.metrics = true;
        for (const auto& element : value) scan(element, key == "values", out);
      } else {
        scan(value, false, out);
      }
    }
  } else if (node.is_array()) {
    for (const auto& element : node) scan(element, false, out);
  }
}

void stripEmptyFlags(nlohmann::json& node) {
  if (node.is_object()) {
    node.erase("isEmptyValue");
    for (auto& [key, value] : node.items()) stripEmptyFlags(value);
  } else if (node.is_array()) {
    for (auto& element : node) stripEmptyFlags(element);
  }
}

std::string graphqlUrl(const std::string& address) { return address + "/graphql"; }

}  // namespace

std::optional<minutes> parseOapTimezone(std::string_view text) {
  std::string digits;
  if (text.size() < 5 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == ':' && i == 3 && text.size() == 6) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    digits += text[i];
  }
  if (digits.size() != 4) return std::nullopt;
  const int hours = std::stoi(digits.substr(0, 2));
  const int mins = std::stoi(digits.substr(2, 2));
  if (hours > 18 || mins > 59) return std::nullopt;
  const minutes offset{hours * 60 + mins};
  return text[0] == '-' ? -offset : offset;
}

std::string formatOapMinute(system_clock::time_point time, minutes offset) {
  return formatLocalMinute(std::chrono::floor<minutes>(time) + offset);
}

SkyWalkingWindow skyWalkingWindow(system_clock::time_point now, minutes offset,
                                  std::chrono::seconds interval) {
  SkyWalkingWindow window;
  const long long seconds = std::max<long long>(interval.count(), 0);
  window.minutes = static_cast<int>(std::max<long long>(1, (seconds + 59) / 60));
  const auto end = std::chrono::floor<minutes>(now) + offset - 1min;
  window.end = formatLocalMinute(end);
  window.start = formatLocalMinute(end - minutes(window.minutes - 1));
  return window;
}

std::string withEmptyValueFlags(std::string_view query) {
  std::string text(query);
  if (text.find("isEmptyValue") != std::string::npos) return text;
  static const std::regex kPointList(R"(\bvalues\s*\{\s*values\s*\{)");
  std::string out;
  std::size_t done = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kPointList);
       it != std::sregex_iterator(); ++it) {
    const std::size_t open_end = static_cast<std::size_t>(it->position() + it->length());
    if (open_end < done) continue;
    const std::size_t close = text.find('}', open_end);
    if (close == std::string::npos) break;
    out.append(text, done, close - done);
    out += " isEmptyValue ";
    done = close;
  }
  out.append(text, done, std::string::npos);
  return out;
}

core::Result<ProviderResult> parseSkyWalkingAnswer(long http_status, std::string_view body,
                                                   std::string_view address,
                                                   bool strip_empty_flags) {
  const std::string where = "skywalking " + std::string(address) + "/graphql";
  const bool ok_http = http_status >= 200 && http_status <= 299;
  nlohmann::json answer = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!ok_http && (answer.is_discarded() || !answer.is_object() || !answer.contains("errors"))) {
    return core::Status(core::statusCodeForHttp(http_status),
                        where + ": HTTP " + std::to_string(http_status) + ": " + excerpt(body));
  }
  if (answer.is_discarded() || !answer.is_object()) {
    return core::invalidError(where + ": the answer is not a JSON object: " + excerpt(body));
  }
  if (const auto errors = answer.find("errors");
      errors != answer.end() && errors->is_array() && !errors->empty()) {
    std::string messages;
    for (const auto& error : *errors) {
      const std::string message =
          error.is_object() && error.contains("message") && error["message"].is_string()
              ? error["message"].get<std::string>()
              : error.dump();
      messages += (messages.empty() ? "" : "; ") + message;
    }
    return core::invalidError(
        where + ": GraphQL errors: " + excerpt(messages, 500) +
        (ok_http ? std::string() : " (HTTP " + std::to_string(http_status) + ")"));
  }
  if (!ok_http) {
    return core::Status(core::statusCodeForHttp(http_status),
                        where + ": HTTP " + std::to_string(http_status) + ": " + excerpt(body));
  }
  const auto data = answer.find("data");
  if (data == answer.end() || !data->is_object()) {
    return core::invalidError(where + ": no results returned (the answer has no data object)");
  }
  Scan found;
  scan(*data, false, found);
  if (!found.mqe_error.empty()) {
    return core::invalidError(where + ": MQE error: " + excerpt(found.mqe_error, 500));
  }
  ProviderResult result;
  result.result = std::move(*data);
  if (strip_empty_flags) stripEmptyFlags(result.result);
  result.no_data = found.metrics && !found.has_data;
  result.value = result.result.dump();
  return result;
}

SkyWalkingProvider::SkyWalkingProvider(std::shared_ptr<HttpClient> http) : http_(std::move(http)) {}

minutes SkyWalkingProvider::timezoneOf(const std::string& address) {
  {
    std::lock_guard lock(mutex_);
    if (auto found = timezones_.find(address); found != timezones_.end()) return found->second;
  }
  HttpCall call;
  call.method = "POST";
  call.url = graphqlUrl(address);
  call.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  call.body = R"({"query":"{ getTimeInfo { timezone } }"})";
  call.timeout = kTimeInfoTimeout;
  auto reply = http_->send(call);
  if (!reply.ok()) return minutes(0);  // not cached: asked again with the next measurement
  minutes offset(0);
  const auto answer = nlohmann::json::parse(reply->body, nullptr, false);
  if (reply->status == 200 && answer.is_object()) {
    const auto pointer = nlohmann::json::json_pointer("/data/getTimeInfo/timezone");
    if (answer.contains(pointer) && answer[pointer].is_string()) {
      offset = parseOapTimezone(answer[pointer].get<std::string>()).value_or(minutes(0));
    }
  }
  std::lock_guard lock(mutex_);
  timezones_[address] = offset;
  return offset;
}

core::Result<ProviderResult> SkyWalkingProvider::measure(const ProviderQuery& query) {
  try {
    return measureOnce(query);
  } catch (const std::exception& e) {
    return core::internalError("skywalking: " + std::string(e.what()));
  }
}

core::Result<ProviderResult> SkyWalkingProvider::measureOnce(const ProviderQuery& query) {
  auto fields = providerFields(query.provider, kType);
  if (!fields.ok()) return fields.status();
  auto address = stringField(*fields, kType, "address", true);
  if (!address.ok()) return address.status();
  auto text = stringField(*fields, kType, "query", true);
  if (!text.ok()) return text.status();
  auto interval = durationField(*fields, kType, "interval");
  if (!interval.ok()) return interval.status();
  std::string base = *address;
  while (!base.empty() && base.back() == '/') base.pop_back();

  const auto window_length = interval->has_value()
                                 ? std::chrono::duration_cast<std::chrono::seconds>(**interval)
                                 : query.interval;
  const auto window = skyWalkingWindow(query.now, timezoneOf(base), window_length);
  const std::string sent = withEmptyValueFlags(*text);
  const nlohmann::json body = {
      {"query", sent},
      {"variables",
       {{"duration", {{"start", window.start}, {"end", window.end}, {"step", "MINUTE"}}}}}};
  HttpCall call;
  call.method = "POST";
  call.url = graphqlUrl(base);
  call.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  call.body = body.dump();
  call.timeout = kQueryTimeout;
  auto reply = http_->send(call);
  if (!reply.ok()) return reply.status().withContext("skywalking");
  auto result = parseSkyWalkingAnswer(reply->status, reply->body, base, sent != *text);
  if (result.ok()) result->metadata["window"] = window.start + " to " + window.end;
  return result;
}

}  // namespace gitopsd::analysis
