// Structured logging: one record per line, as logfmt (default, for people) or JSON lines (for
// log pipelines), with a level, a timestamp, a message and typed key/value fields.
//
//   Logger log = Logger().with({{"app", "bookinfo"}});
//   log.info("sync finished", {{"revision", sha}, {"objects", 12}, {"dry_run", false}});
//   → time=2026-11-26T14:03:07.123Z level=info msg="sync finished" app=bookinfo revision=3f2a…
//
// Thread safety: a Logger is an immutable handle; any number of threads may log through
// copies of it. Lines from concurrent calls never interleave. Level and format belong to the
// LogSink and may be changed at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"

namespace gitopsd::core {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kLogfmt, kJson };

std::string_view logLevelName(LogLevel level);
std::optional<LogLevel> parseLogLevel(std::string_view text);    // "debug", "info", "warn", "error"
std::optional<LogFormat> parseLogFormat(std::string_view text);  // "logfmt", "json"

struct LogField {
  using Value = std::variant<std::string, std::int64_t, double, bool>;

  LogField(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <typename Int>
  requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>)
      LogField(std::string_view k, Int v)
      : key(k), value(static_cast<std::int64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}

  std::string key;
  Value value;
};

struct LogRecord {
  Clock::WallTime time;
  LogLevel level = LogLevel::kInfo;
  std::string_view message;
  const std::vector<LogField>* base_fields = nullptr;  // the Logger's own, may be null
  std::initializer_list<LogField> fields;
};

// Renders one record as a single line without the trailing newline. Pure; used by Logger
// and tested directly.
std::string formatLogRecord(const LogRecord& record, LogFormat format);

// Where records go: a line writer plus the level and format, shared by every Logger that
// points at it. Must outlive those Loggers. Thread-safe.
class LogSink {
 public:
  // Receives finished lines without the newline; called under the sink's lock.
  using Writer = std::function<void(std::string_view line)>;

  LogSink(Writer writer, LogLevel level, LogFormat format, const Clock& clock);
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  // The process-wide sink: info level, logfmt, standard error; lives for the whole program.
  static LogSink& standardError();

  void setLevel(LogLevel level);
  void setFormat(LogFormat format);
  bool enabled(LogLevel level) const;
  void write(LogLevel level, std::string_view message, const std::vector<LogField>& base_fields,
             std::initializer_list<LogField> fields);

 private:
  Writer writer_;
  const Clock& clock_;
  std::atomic<LogLevel> level_;
  std::atomic<LogFormat> format_;
  std::mutex mutex_;
};

// A cheap handle that adds its fields to every record it writes into a LogSink.
class Logger {
 public:
  explicit Logger(LogSink& sink = LogSink::standardError()) : sink_(&sink) {}

  // A child that adds fields to every record; same sink.
  Logger with(std::initializer_list<LogField> fields) const;

  bool enabled(LogLevel level) const { return sink_->enabled(level); }
  void log(LogLevel level, std::string_view message,
           std::initializer_list<LogField> fields = {}) const;
  void debug(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kDebug, m, f);
  }
  void info(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kInfo, m, f);
  }
  void warn(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kWarn, m, f);
  }
  void error(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kError, m, f);
  }

 private:
  LogSink* sink_;  // not owned
  std::vector<LogField> fields_;
};

}  // namespace gitopsd::core
