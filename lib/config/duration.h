// Durations as Argo CD and Kubernetes write them (Go's time.ParseDuration): "30s", "5m", "1h30m",
// "1.5h", "250ms". Pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitopsd::config {

using Duration = std::chrono::milliseconds;

// Parses a Go duration: an optional sign, then one or more decimal numbers (fractions allowed),
// each followed by a unit (ns, us, µs, ms, s, m, h); "0" needs no unit. A bare non-negative
// integer ("30") means seconds, as Argo CD's retry backoff reads it. Units below a millisecond
// are truncated to whole milliseconds. Negative values parse (the caller decides whether they
// are allowed). Errors are kInvalid with a message naming the text only (callers add the file,
// line and field).
core::Result<Duration> parseDuration(std::string_view text);

// The shortest Go-style text for a duration, parseable by parseDuration: "0s", "250ms", "5s",
// "3m", "1h30m", "1h0m5s", "1m30.5s" (like Go's time.Duration.String, without sub-millisecond
// parts).
std::string formatDuration(Duration duration);

}  // namespace gitopsd::config
