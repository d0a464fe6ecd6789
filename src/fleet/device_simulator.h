// Simulated device agents for the fleet scale tests (issue 15): a thousand devices in one
// process, each its own MQTT session (fleet/mqtt_lite.h) to the broker, speaking the real
// agent's protocol (docs/mqtt.md) without running anything.
//
// Each device, with client id PREFIX + a 4-digit index (sim-0000, sim-0001, ...):
// - subscribes at QoS 1 to outpost/v1/<id>/desired, in a persistent session;
// - on every connection publishes its reported state, retained, at QoS 1, on
//   outpost/v1/<id>/reported, in the uplink's envelope
//   {"id": N, "class": "state", "created_ms": ..., "body": <status.json's document>}, N growing
//   per device; and again on every change;
// - takes a manifest from its desired topic by the real device rule (agent::accept_manifest with
//   the trust store in trust_dir): refused ones are reported in last_error; bytes identical to
//   the last ones received are ignored, as the agent ignores a retained manifest the broker sends
//   again after a reconnect;
// - "applies" an accepted one: applying for apply_s, then probation for probation_s, then
//   healthy (last-good), or, for a device matching one of fail_globs, a rollback to the previous
//   last-good (none: nothing runs).
// A manifest arriving while a device is applying waits (the newest only) until it is idle.
//
// Every device lives on the MQTT loop's one thread, its timers in the loop's heap; a device's
// state is a few hundred bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost::fleet {

struct SimulatorOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  int devices = 1000;
  std::string prefix = "sim-";  // ids: prefix + 4-digit zero-padded index: sim-0000 .. sim-0999
  std::string trust_dir;        // required: the publisher keys manifests must be signed with
  double apply_s = 0.2;         // simulated time to apply
  double probation_s = 0.3;     // then in probation
  std::vector<std::string> fail_globs;  // devices whose id matches (fnmatch) fail probation
  int keepalive_s = 60;
  // The first envelope id of each device. Consumers de-duplicate by id, as a real agent's ids
  // only grow across its restarts: a second run of the simulator against the same fleet store
  // must start above the first's (the time in milliseconds, say).
  int64_t first_message_id = 1;
};

class DeviceSimulator {
 public:
  struct Stats {
    int64_t devices = 0;
    int64_t connected = 0;    // sessions connected now
    int64_t accepted = 0;     // manifests accepted
    int64_t refused = 0;      // manifests refused (each also in its device's last_error)
    int64_t healthy = 0;      // deployments that passed their probation
    int64_t rolled_back = 0;  // deployments that failed it
    int64_t messages_in = 0;  // MQTT messages received
    int64_t messages_out = 0; // MQTT messages sent
  };

  // kUsage for options out of range (devices 1..100000, times 0..3600 s, a port, no
  // trust_dir); the trust store's own error when it cannot be loaded. Connects in the
  // background: stats().connected tells when all are there.
  static Result<std::unique_ptr<DeviceSimulator>> start(SimulatorOptions options);
  ~DeviceSimulator();  // disconnects every device
  DeviceSimulator(const DeviceSimulator&) = delete;
  DeviceSimulator& operator=(const DeviceSimulator&) = delete;

  Stats stats() const;

  // "sim-0042" for index 42 (with the default prefix).
  static std::string device_id(const std::string& prefix, int index);

 private:
  struct Impl;
  explicit DeviceSimulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::fleet
