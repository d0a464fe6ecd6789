// What the device's uplink (mqtt_uplink.cc) and the fleet tool (fleet/fleet_link.cc) do alike
// with Eclipse Paho MQTT C's synchronous client: its error texts, the TLS settings, the check
// that the broker's scheme and the certificate files go together, and whether a QoS 1 publish
// has its PUBACK.
#pragma once

#include <MQTTClient.h>

#include <optional>
#include <string>

#include "outpost/status.h"

namespace outpost::agentd {

std::string paho_error(int rc);

bool is_tls_broker(const std::string& broker_uri);  // ssl://

// kUsage when an ssl:// broker lacks one of the three files, or a tcp:// one is given some.
Status check_broker_files(const std::string& broker_uri, const std::string& ca_file,
                          const std::string& cert_file, const std::string& key_file);

// For an ssl:// broker: TLS 1.2 or later, the broker's certificate checked against `ca_file`
// and the host name, `cert_file` and `key_file` as the client's identity. `tls` must outlive
// the connect call; the strings too.
void use_tls(MQTTClient_connectOptions& options, MQTTClient_SSLOptions& tls,
             const std::string& ca_file, const std::string& cert_file, const std::string& key_file);

// Whether the publish of `token` is complete (its PUBACK came). Paho reads PUBACKs only while
// the caller is in one of its calls: MQTTClient_receive with a short time-out does it without
// the 100 ms steps of MQTTClient_waitForCompletion.
bool delivery_complete(MQTTClient client, MQTTClient_deliveryToken token);

struct PahoMessage {
  std::string topic, payload;
};
// Reads what the broker sent within `timeout_ms` (PUBACKs are taken in passing): a message, if
// one came, goes to `message`. False when the connection is gone.
bool receive_message(MQTTClient client, unsigned long timeout_ms, std::optional<PahoMessage>* message);

}  // namespace outpost::agentd
