// The one logger of Outpost. The library never prints: it hands messages to a sink that the
// program sets (the CLI's writes to stderr); with no sink, messages are dropped.
//
//   OUTPOST_LOG_DEBUG(path << ": " << graph.nodes.size() << " nodes");
//
// A message above the compile-time floor (OUTPOST_LOG_FLOOR, a LogLevel value) compiles to
// nothing, so a device build can drop debug logging altogether; below it, a disabled level
// costs one relaxed atomic load and never formats its message.
#pragma once

#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#ifndef OUTPOST_LOG_FLOOR
#define OUTPOST_LOG_FLOOR 3  // LogLevel::kDebug: every level compiled in
#endif

namespace outpost {

enum class LogLevel : int { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// Receives each message that passes the level, without a trailing newline. May be called from
// any thread; calls are serialized.
using LogSink = std::function<void(LogLevel, std::string_view)>;

// Messages at this level or more severe reach the sink; the default is kWarning.
void set_log_level(LogLevel level);
LogLevel log_level();
// Replaces the sink; an empty function drops every message (the default).
void set_log_sink(LogSink sink);

bool log_enabled(LogLevel level);
void log_message(LogLevel level, std::string_view message);

// "error", "warning", "info", "debug".
const char* log_level_name(LogLevel level);
// Also takes "warn"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);

}  // namespace outpost

// Variadic, so that a template argument list's comma in the message stays part of it.
#define OUTPOST_LOG(level, ...)                                              \
  do {                                                                       \
    if constexpr (static_cast<int>(level) <= OUTPOST_LOG_FLOOR) {            \
      if (::outpost::log_enabled(level)) {                                   \
        std::ostringstream outpost_log_stream_;                              \
        outpost_log_stream_ << __VA_ARGS__;                                  \
        ::outpost::log_message(level, outpost_log_stream_.str());            \
      }                                                                      \
    }                                                                        \
  } while (0)

#define OUTPOST_LOG_ERROR(...) OUTPOST_LOG(::outpost::LogLevel::kError, __VA_ARGS__)
#define OUTPOST_LOG_WARNING(...) OUTPOST_LOG(::outpost::LogLevel::kWarning, __VA_ARGS__)
#define OUTPOST_LOG_INFO(...) OUTPOST_LOG(::outpost::LogLevel::kInfo, __VA_ARGS__)
#define OUTPOST_LOG_DEBUG(...) OUTPOST_LOG(::outpost::LogLevel::kDebug, __VA_ARGS__)
