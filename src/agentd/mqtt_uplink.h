// The uplink's sender (issue 15): drains the outbox (agent/outbox.h) to an MQTT broker, oldest
// message first, at QoS 1, and deletes each message from the outbox only when the broker's
// PUBACK for it has come. Eclipse Paho MQTT C (Debian's libpaho-mqtt-dev), synchronous client,
// persistent session (clean session off), no Paho persistence: the outbox is the store, so a
// message in flight when the connection drops is sent again after the reconnect, under the
// same id. Consumers de-duplicate by that id; nothing acknowledged by the broker is sent twice
// except in that window.
//
// On the wire each message is a JSON envelope on its stored topic:
//   {"id": 42, "class": "events", "created_ms": 1700000000000, "body": <the payload>}
// with the payload inline when it is JSON (events, metrics and reported state are), else as a
// JSON string. Drop reports go to `drops_topic` as
//   {"drops": {"id": 3, "class": "metrics", "reason": "evicted", "count": 12, "bytes": 1200,
//              "first_ms": ..., "last_ms": ..., "first_id": ..., "last_id": ...}}
// and are confirmed to the outbox on their PUBACK likewise (docs/mqtt.md). Messages of the
// "state" class (the reported state) are published retained: a fleet tool that subscribes later
// gets every device's last report at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/outbox.h"
#include "outpost/status.h"

namespace outpost::agentd {

struct UplinkOptions {
  std::string broker_uri;   // "ssl://broker.example:8883", or "tcp://127.0.0.1:1883" (no TLS)
  std::string client_id;    // the device's id: its MQTT session (and its certificate's name)
  // TLS (an ssl:// broker): the CA that signed the broker's certificate, which must also name
  // the host connected to; and the device's own certificate and key, its identity to the broker.
  std::string ca_file, cert_file, key_file;
  std::string drops_topic;  // where drop reports go ("outpost/v1/<device>/events")
  // Subscribed at QoS 1 on every connect when set ("outpost/v1/<device>/desired"): what
  // arrives there (the retained signed manifest first) waits for take_received().
  std::string desired_topic;
  // Subscribed likewise, for others (a gateway's children's desired topics): what arrives
  // there waits for take_relayed().
  std::vector<std::string> relayed_topics;
  size_t window = 32;       // messages published before waiting for their PUBACKs
  double connect_timeout_s = 5;
  double ack_timeout_s = 10;   // a PUBACK later than this: the connection is taken as lost
  double backoff_min_s = 0.5;  // reconnect delays grow from here, doubling, jittered ±50%
  double backoff_max_s = 30;
  double poll_interval_s = 0.2;  // how often run() looks for new messages when all are sent
};

struct TopicMessage {
  std::string topic, payload;
};

struct UplinkStats {
  int64_t delivered = 0;      // messages the broker acknowledged (and the outbox let go)
  int64_t drop_reports = 0;   // drop reports the broker acknowledged
  int64_t connects = 0;       // successful connections, the first included
  int64_t connection_failures = 0;
};

class MqttUplink {
 public:
  // kUsage for a bad broker URI or client id, or an ssl:// broker without the CA, certificate
  // and key files (or a tcp:// one with them). Connects lazily (in drain or run).
  static Result<std::unique_ptr<MqttUplink>> create(UplinkOptions options, agent::Outbox& outbox);
  ~MqttUplink();
  MqttUplink(const MqttUplink&) = delete;
  MqttUplink& operator=(const MqttUplink&) = delete;

  // Connects if needed and sends what the outbox holds until it is empty: kNetwork when the
  // broker cannot be reached or the connection drops (what was acknowledged stays delivered).
  Status drain();

  // drain() until `stop`, reconnecting with jittered exponential back-off after a failure and
  // looking for new messages every poll interval once everything is sent.
  void run(const std::atomic<bool>& stop);

  UplinkStats stats() const;

  // The payloads received on desired_topic since the last call, oldest first (thread-safe: the
  // agent's thread takes what run()'s thread received). The broker sends a retained message
  // again on every subscription, so the same payload may come more than once.
  std::vector<std::string> take_received();
  // The messages received on relayed_topics since the last call, oldest first (thread-safe).
  std::vector<TopicMessage> take_relayed();

 private:
  struct Impl;
  explicit MqttUplink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::agentd
