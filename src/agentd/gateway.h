// The edge gateway (issue 15, docs/gateway.md): child devices without an uplink of their own
// (sensors, small cameras) talk MQTT to a broker on the gateway's LAN side, and the agent
// relays their messages both ways through its outbox and uplink. The broker is Debian's
// mosquitto, started and supervised by the agent with a configuration it writes
// (state_dir/gateway/mosquitto.conf): the LAN listener takes each child's user name and
// password (a mosquitto_passwd file) and its ACL lets a child publish only on its own
// events, metrics and reported topics and read only its own desired topic; a second listener,
// on a Unix socket in the agent's state directory, is the relay's (agentd/gateway_relay.h).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "agent/outbox.h"
#include "agentd/agent_config.h"
#include "agentd/gateway_relay.h"
#include "agentd/mqtt_uplink.h"
#include "agentd/supervisor.h"
#include "outpost/status.h"

namespace outpost::agentd {

class Gateway {
 public:
  // Checks the password file (readable, a line for every child) and the broker's executable,
  // writes the broker's configuration, starts the broker and the relay. Call it from a thread
  // that lives as long as the gateway (agentd/supervisor.h: the broker's parent-death signal).
  // kInvalidModel naming the file and the child when the password file lacks one; kIoError
  // when a file cannot be read or written or the broker cannot be started.
  static Result<std::unique_ptr<Gateway>> start(const AgentConfig& config, agent::Outbox& outbox,
                                                MqttUplink& uplink);
  ~Gateway();  // the relay stops first, then the broker (SIGTERM: it saves its sessions)
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  GatewayRelayStats relay_stats() const { return relay_->stats(); }
  bool relay_connected() const { return relay_->connected(); }
  std::optional<ProcessStatus> broker_status() const;

 private:
  Gateway() = default;
  Supervisor supervisor_;  // the broker's alone: a deployment's switch stops every module
  std::unique_ptr<GatewayRelay> relay_;
};

// The broker's configuration for `config`, its files under `dir`, run as `user`.
std::string gateway_broker_config(const GatewayConfig& config, const std::string& dir,
                                  const std::string& user);
// Its ACL for the children (mosquitto's %u is the child's user name, its device id).
std::string gateway_acl();
// kInvalidModel naming the child that has no line in the password file.
Status check_gateway_password_file(const GatewayConfig& config);

}  // namespace outpost::agentd
