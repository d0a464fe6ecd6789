#include "core/log.h"

#include <atomic>
#include <mutex>

namespace outpost {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kWarning)};

// The sink and the lock that serializes it (pipeline stages log from their own threads).
struct SinkHolder {
  std::mutex mutex;
  LogSink sink;
};

SinkHolder& holder() {
  static SinkHolder* h = new SinkHolder();  // never destroyed: threads may log during exit
  return *h;
}

}  // namespace

void set_log_level(LogLevel level) {
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel log_level() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

void set_log_sink(LogSink sink) {
  SinkHolder& h = holder();
  std::lock_guard<std::mutex> lock(h.mutex);
  h.sink = std::move(sink);
}

bool log_enabled(LogLevel level) {
  return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed);
}

void log_message(LogLevel level, std::string_view message) {
  if (!log_enabled(level)) return;
  SinkHolder& h = holder();
  std::lock_guard<std::mutex> lock(h.mutex);
  if (h.sink) h.sink(level, message);
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "unknown";
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "error") return LogLevel::kError;
  if (name == "warning" || name == "warn") return LogLevel::kWarning;
  if (name == "info") return LogLevel::kInfo;
  if (name == "debug") return LogLevel::kDebug;
  return std::nullopt;
}

}  // namespace outpost
