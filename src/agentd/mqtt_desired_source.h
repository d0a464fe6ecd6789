// Desired state over MQTT (issue 15, docs/mqtt.md): the signed manifest the fleet publishes,
// retained, on `outpost/v1/<device>/desired`, received by the uplink's own connection (one MQTT
// session per device) and handed to the agent through the same interface as the local
// directory. The agent checks it with the trust store before anything is applied; this source
// trusts nothing. The broker sends a retained manifest again on every reconnect: one already
// handed over is not handed over again.
#pragma once

#include <string>

#include "agentd/desired_state_source.h"
#include "agentd/mqtt_uplink.h"

namespace outpost::agentd {

class MqttDesiredSource : public DesiredStateSource {
 public:
  // `uplink` must outlive the source; `description` names the topic and broker for messages.
  MqttDesiredSource(MqttUplink& uplink, std::string description);
  std::string describe() const override { return description_; }
  Result<std::vector<ManifestCandidate>> poll() override;

 private:
  MqttUplink& uplink_;
  std::string description_;
  std::string last_handed_over_;  // the payload handed over last (a retained one comes again)
};

}  // namespace outpost::agentd
