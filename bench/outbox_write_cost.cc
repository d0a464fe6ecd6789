// The outbox's write cost (issue 15): events of a given size put for a given time into a fresh
// outbox, one durable transaction each (WAL, synchronous=FULL), as a pipeline's events would
// be. Prints events/s and the per-put latency; run it under `strace -f -c -e trace=fsync,fdatasync`
// to count the syncs per event.
//
//   outpost_outbox_write_cost DIR [SECONDS=5] [PAYLOAD_BYTES=200]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/outbox.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: outpost_outbox_write_cost DIR [SECONDS] [PAYLOAD_BYTES]\n");
    return 2;
  }
  const double seconds = argc > 2 ? std::atof(argv[2]) : 5.0;
  const size_t payload_bytes = argc > 3 ? static_cast<size_t>(std::atol(argv[3])) : 200;
  outpost::agent::OutboxOptions options;
  options.path = std::string(argv[1]) + "/outbox-write-cost.db";
  std::remove(options.path.c_str());
  auto box = outpost::agent::Outbox::open(options);
  if (!box.is_ok()) {
    std::fprintf(stderr, "%s\n", box.status().message().c_str());
    return 3;
  }
  const std::string payload(payload_bytes, 'e');
  std::vector<double> ms;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    const auto t = Clock::now();
    auto r = (*box)->put("events", "outpost/v1/bench/events", payload);
    if (!r.is_ok() || !r->stored) {
      std::fprintf(stderr, "put failed: %s\n", r.is_ok() ? "refused" : r.status().message().c_str());
      return 4;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(ms.begin(), ms.end());
  std::printf("%zu events of %zu bytes in %.2f s: %.0f events/s; put p50 %.3f ms, p99 %.3f ms\n",
              ms.size(), payload_bytes, wall, static_cast<double>(ms.size()) / wall,
              ms[ms.size() / 2], ms[ms.size() * 99 / 100]);
  std::remove(options.path.c_str());
  return 0;
}
