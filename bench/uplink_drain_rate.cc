// The uplink's drain rate (issue 15): MESSAGES events put into a fresh outbox, then sent to a
// running MQTT broker at QoS 1, each deleted from the outbox on its PUBACK (one durable
// transaction each), as the agent drains after an outage. Prints messages/s.
//
//   outpost_uplink_drain_rate BROKER_URI DIR [MESSAGES=2000] [WINDOW=32]
//
// e.g. with `mosquitto -p 18830` running: outpost_uplink_drain_rate tcp://127.0.0.1:18830 /tmp
// The broker's own settings count: mosquitto without `set_tcp_nodelay true` delays its small
// PUBACKs (Nagle's algorithm) and the rate drops by about ten (docs/mqtt.md, "Brokers").
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "agent/outbox.h"
#include "agentd/mqtt_uplink.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: outpost_uplink_drain_rate BROKER_URI DIR [MESSAGES] [WINDOW]\n");
    return 2;
  }
  const int messages = argc > 3 ? std::atoi(argv[3]) : 2000;
  const size_t window = argc > 4 ? static_cast<size_t>(std::atol(argv[4])) : 32;
  outpost::agent::OutboxOptions options;
  options.path = std::string(argv[2]) + "/uplink-drain-rate.db";
  std::remove(options.path.c_str());
  auto box = outpost::agent::Outbox::open(options);
  if (!box.is_ok()) {
    std::fprintf(stderr, "%s\n", box.status().message().c_str());
    return 3;
  }
  const std::string payload = R"({"type": "detection", "score": 0.92, "box": [10, 20, 30, 40]})";
  for (int i = 0; i < messages; ++i)
    if (!(*box)->put("events", "outpost/v1/bench/events", payload).is_ok()) return 3;
  outpost::agentd::UplinkOptions up;
  up.broker_uri = argv[1];
  up.client_id = "bench-drain-rate";
  up.drops_topic = "outpost/v1/bench/events";
  up.window = window;
  auto uplink = outpost::agentd::MqttUplink::create(up, **box);
  if (!uplink.is_ok()) {
    std::fprintf(stderr, "%s\n", uplink.status().message().c_str());
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const outpost::Status drained = (*uplink)->drain();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!drained.is_ok()) {
    std::fprintf(stderr, "%s\n", drained.message().c_str());
    return 12;
  }
  std::printf("%d messages drained in %.3f s: %.0f messages/s (window %zu)\n", messages, seconds,
              messages / seconds, window);
  std::remove(options.path.c_str());
  return 0;
}
