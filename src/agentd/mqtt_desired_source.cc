#include "agentd/mqtt_desired_source.h"

#include <utility>

#include "agent/signed_manifest.h"

namespace outpost::agentd {

MqttDesiredSource::MqttDesiredSource(MqttUplink& uplink, std::string description)
    : uplink_(uplink), description_(std::move(description)) {}

Result<std::vector<ManifestCandidate>> MqttDesiredSource::poll() {
  std::vector<ManifestCandidate> out;
  for (std::string& payload : uplink_.take_received()) {
    if (payload == last_handed_over_) continue;
    ManifestCandidate c;
    c.origin = description_;
    if (payload.size() > agent::kMaxSignedManifestBytes) {
      c.refusal = "a message of " + std::to_string(payload.size()) +
                  " bytes, larger than a signed manifest may be (" +
                  std::to_string(agent::kMaxSignedManifestBytes) + ")";
    } else {
      c.signed_text = payload;
    }
    last_handed_over_ = std::move(payload);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace outpost::agentd
