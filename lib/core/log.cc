#include "core/log.h"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace gitopsd::core {
namespace {

std::string rfc3339Millis(Clock::WallTime time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&t, &utc);
  char date_time[32];
  std::strftime(date_time, sizeof date_time, "%Y-%m-%dT%H:%M:%S", &utc);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis.count()));
  return std::string(date_time) + fraction;
}

bool needsLogfmtQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void appendLogfmtValue(std::string& out, std::string_view value) {
  if (!needsLogfmtQuotes(value)) {
    out.append(value);
    return;
  }
  // JSON string escaping is a valid and widely parsed logfmt quoting.
  out.append(nlohmann::json(std::string(value))
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string fieldText(const LogField::Value& value) {
  struct Visitor {
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return nlohmann::json(v).dump(); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
  };
  return std::visit(Visitor{}, value);
}

nlohmann::json fieldJson(const LogField::Value& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

}  // namespace

std::string_view logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::optional<LogLevel> parseLogLevel(std::string_view text) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == logLevelName(level)) return level;
  }
  return std::nullopt;
}

std::optional<LogFormat> parseLogFormat(std::string_view text) {
  if (text == "logfmt") return LogFormat::kLogfmt;
  if (text == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::string formatLogRecord(const LogRecord& record, LogFormat format) {
  auto each_field = [&record](auto&& visit) {
    if (record.base_fields != nullptr) {
      for (const auto& field : *record.base_fields) visit(field);
    }
    for (const auto& field : record.fields) visit(field);
  };
  if (format == LogFormat::kJson) {
    nlohmann::ordered_json line;
    line["time"] = rfc3339Millis(record.time);
    line["level"] = logLevelName(record.level);
    line["msg"] = record.message;
    each_field([&line](const LogField& field) { line[field.key] = fieldJson(field.value); });
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string out = "time=" + rfc3339Millis(record.time);
  out.append(" level=").append(logLevelName(record.level)).append(" msg=");
  appendLogfmtValue(out, record.message);
  each_field([&out](const LogField& field) {
    out.append(" ").append(field.key).append("=");
    appendLogfmtValue(out, fieldText(field.value));
  });
  return out;
}

LogSink::LogSink(Writer writer, LogLevel level, LogFormat format, const Clock& clock)
    : writer_(std::move(writer)), clock_(clock), level_(level), format_(format) {}

LogSink& LogSink::standardError() {
  static LogSink sink(
      [](std::string_view line) {
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fputc('\n', stderr);
        std::fflush(stderr);
      },
      LogLevel::kInfo, LogFormat::kLogfmt, SystemClock::instance());
  return sink;
}

void LogSink::setLevel(LogLevel level) { level_.store(level); }
void LogSink::setFormat(LogFormat format) { format_.store(format); }
bool LogSink::enabled(LogLevel level) const { return level >= level_.load(); }

void LogSink::write(LogLevel level, std::string_view message,
                    const std::vector<LogField>& base_fields,
                    std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  const LogRecord record{clock_.wallNow(), level, message, &base_fields, fields};
  const std::string line = formatLogRecord(record, format_.load());
  std::lock_guard lock(mutex_);
  writer_(line);
}

Logger Logger::with(std::initializer_list<LogField> fields) const {
  Logger child = *this;
  child.fields_.insert(child.fields_.end(), fields.begin(), fields.end());
  return child;
}

void Logger::log(LogLevel level, std::string_view message,
                 std::initializer_list<LogField> fields) const {
  sink_->write(level, message, fields_, fields);
}

}  // namespace gitopsd::core
