// Cost of the structured logger per record, which every component pays on hot paths.
#include <benchmark/benchmark.h>

#include "core/log.h"
#include "core/resource_key.h"

namespace {

using gitopsd::core::LogFormat;
using gitopsd::core::Logger;
using gitopsd::core::LogLevel;
using gitopsd::core::LogSink;

void logRecord(benchmark::State& state, LogFormat format) {
  size_t bytes = 0;
  LogSink sink([&bytes](std::string_view line) { bytes += line.size(); }, LogLevel::kInfo, format,
               gitopsd::core::SystemClock::instance());
  const Logger log = Logger(sink).with({{"app", "bookinfo"}});
  for (auto _ : state) {
    log.info("object applied", {{"kind", "Deployment"}, {"name", "reviews-v1"}, {"ms", 12}});
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations());
}

void BM_LogLogfmt(benchmark::State& state) { logRecord(state, LogFormat::kLogfmt); }
void BM_LogJson(benchmark::State& state) { logRecord(state, LogFormat::kJson); }

void BM_LogFilteredOut(benchmark::State& state) {
  LogSink sink([](std::string_view) {}, LogLevel::kInfo, LogFormat::kLogfmt,
               gitopsd::core::SystemClock::instance());
  const Logger log(sink);
  for (auto _ : state) log.debug("not written", {{"n", 1}});
}

void BM_ResourceKeyParse(benchmark::State& state) {
  for (auto _ : state) {
    auto key = gitopsd::core::ResourceKey::parse("apps/Deployment:bookinfo/reviews-v1");
    benchmark::DoNotOptimize(key);
  }
}

BENCHMARK(BM_LogLogfmt);
BENCHMARK(BM_LogJson);
BENCHMARK(BM_LogFilteredOut);
BENCHMARK(BM_ResourceKeyParse);

}  // namespace

BENCHMARK_MAIN();
