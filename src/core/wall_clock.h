// The system clock in milliseconds since the epoch: the times the outbox, the uplink sink and the
// fleet tools record and send (monotonic clocks measure durations; these are dates).
#pragma once

#include <chrono>
#include <cstdint>

namespace outpost {

inline int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace outpost
