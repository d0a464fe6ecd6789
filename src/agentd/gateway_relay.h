// The edge gateway's relay (docs/gateway.md): the agent's own MQTT session with the gateway's
// local broker, over that broker's Unix socket. Up: what child devices publish on
// outpost/v1/<child>/{events,metrics,reported} is put in the agent's outbox, and only then
// acknowledged (PUBACK) to the local broker, so that a message the broker handed over is never
// lost by the agent: if the agent stops before its PUBACK, the broker sends it again (flagged
// DUP), and the outbox recognises the resend (Outbox::put_relayed) instead of storing it twice.
// Down: the children's desired state, received by the uplink from the fleet, is published
// retained to the local broker, where a child finds it on subscribing even while the uplink is
// down.
//
// MQTT 3.1.1 spoken by this file (agentd/mqtt_codec.h) rather than Paho: Paho acknowledges a
// QoS 1 message before the application has it, which would open a window where a message is
// acknowledged and not stored.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/outbox.h"
#include "agentd/mqtt_uplink.h"

namespace outpost::agentd {

struct GatewayRelayOptions {
  std::string socket_path;            // the local broker's Unix socket
  std::string client_id = "outpost-gateway-relay";
  std::vector<std::string> children;  // device ids whose topics are relayed
  double keepalive_s = 30;
  double backoff_min_s = 0.1, backoff_max_s = 5;  // between connection attempts
};

struct GatewayRelayStats {
  int64_t relayed_up = 0;     // children's messages stored in the outbox (and acknowledged)
  int64_t resends_recognised = 0;  // resent messages that were stored before
  int64_t refused = 0;        // refused by a full outbox (each counted in its drop reports)
  int64_t ignored = 0;        // on a topic that is not a configured child's (acknowledged)
  int64_t relayed_down = 0;   // desired states published to the local broker (acknowledged)
  int64_t connects = 0;
};

class GatewayRelay {
 public:
  // What the fleet sent for the children since the last call (MqttUplink::take_relayed).
  using DownwardSource = std::function<std::vector<TopicMessage>()>;
  // Starts the relay's thread: it connects (and reconnects, backing off) by itself. `outbox`
  // must outlive the relay; `downward` is called on the relay's thread.
  GatewayRelay(GatewayRelayOptions options, agent::Outbox& outbox, DownwardSource downward);
  ~GatewayRelay();  // stops the thread, disconnecting
  GatewayRelay(const GatewayRelay&) = delete;
  GatewayRelay& operator=(const GatewayRelay&) = delete;

  GatewayRelayStats stats() const;
  bool connected() const { return connected_.load(); }

 private:
  struct Session;
  void run();
  std::string step(Session& s, std::deque<TopicMessage>& down);
  std::string handle(Session& s, uint8_t first_byte, const std::string& body);
  static std::unique_ptr<Session> open_session(const GatewayRelayOptions& o, std::string* error);

  GatewayRelayOptions options_;
  agent::Outbox& outbox_;
  DownwardSource downward_;
  std::set<std::string> children_;
  std::atomic<bool> stop_{false}, connected_{false};
  std::atomic<int64_t> relayed_up_{0}, resends_{0}, refused_{0}, ignored_{0}, relayed_down_{0},
      connects_{0};
  std::thread thread_;
};

// "outpost/v1/<child>/<kind>" -> the outbox class of a child's message ("events", "metrics",
// "state" for reported), or empty when the topic is not one a child publishes on.
std::string child_message_class(const std::string& topic, std::string* child);

}  // namespace outpost::agentd
