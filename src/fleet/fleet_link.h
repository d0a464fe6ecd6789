// The fleet tool's MQTT connection (Eclipse Paho MQTT C, synchronous client, one thread): it
// reads the devices' reported state (outpost/v1/+/reported, retained, so a fresh connection
// gets every device's last report at once) and publishes signed manifests, retained, on the
// devices' desired topics (docs/mqtt.md).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost::fleet {

struct FleetLinkOptions {
  std::string broker_uri;  // "ssl://host:8883" (with the three files) or "tcp://..."
  std::string client_id;   // empty: "outpost-fleet-<pid>"
  std::string ca_file, cert_file, key_file;
  double connect_timeout_s = 5;
  double ack_timeout_s = 30;  // for the PUBACKs of one publish_desired()
};

// A device's reported state, as it arrives (the uplink's envelope unwrapped to its body).
using ReportedCallback = std::function<void(const std::string& device, const nlohmann::json& reported)>;

class FleetLink {
 public:
  // Connects and subscribes; kNetwork naming the broker when it cannot; kUsage for a bad URI or
  // TLS files that do not go with the scheme.
  static Result<std::unique_ptr<FleetLink>> connect(FleetLinkOptions options);
  ~FleetLink();
  FleetLink(const FleetLink&) = delete;
  FleetLink& operator=(const FleetLink&) = delete;

  // Hands each reported state that arrives to `on_reported` for up to `seconds`. With
  // `quiet_s` > 0 it returns earlier, once nothing arrived for that long (the retained reports
  // of a fresh subscription come in a burst). kNetwork when the connection is lost.
  Status poll(double seconds, const ReportedCallback& on_reported, double quiet_s = 0);

  // Publishes `signed_manifest` retained at QoS 1 on each device's desired topic and waits for
  // the broker's PUBACKs; reports arriving meanwhile are kept for the next poll().
  Status publish_desired(const std::vector<std::string>& devices, const std::string& signed_manifest);

 private:
  struct Impl;
  explicit FleetLink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "outpost/v1/<device>/reported" -> "<device>"; empty for another topic.
std::string device_of_reported_topic(const std::string& topic);

}  // namespace outpost::fleet
